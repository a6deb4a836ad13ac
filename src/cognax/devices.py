"""Use every CPU core: expose the cores to JAX as devices that fits split their work over.

XLA runs one computation on one core, so a fit on a laptop or cluster node uses a single
core unless JAX sees several CPU devices. :func:`use_cpu_cores` asks for them; it must run
before JAX's first computation (the CLI calls it at start-up). Fits then split their
optimisation lanes between the devices (:mod:`cognax.fitting._lanes`) and NUTS runs its
chains in parallel.
"""

from __future__ import annotations

import os

#: Environment switch: the number of CPU devices to use (``1`` keeps JAX's default).
CORES_VARIABLE = "COGNAX_CPU_DEVICES"


def use_cpu_cores(n: int | None = None) -> int:
    """Expose ``n`` CPU cores (default: ``$COGNAX_CPU_DEVICES``, else every core this
    process may use) to JAX as devices. Returns the number of CPU devices JAX will have.

    Does nothing once JAX has initialised its backends (the count is then fixed), when the
    user already chose a count in ``XLA_FLAGS``, or when ``n`` is 1.
    """
    import jax
    from jax._src import xla_bridge

    if n is None:
        n = _cores_from_environment() or _usable_cores()
    chosen_by_user = "host_platform_device_count" in os.environ.get("XLA_FLAGS", "")
    if n <= 1 or chosen_by_user or xla_bridge.backends_are_initialized():
        return len(jax.devices("cpu"))
    jax.config.update("jax_num_cpu_devices", n)
    return n


def _cores_from_environment() -> int:
    value = os.environ.get(CORES_VARIABLE, "").strip()
    if not value:
        return 0
    if not value.isdigit() or int(value) < 1:
        from cognax.errors import CognaxError

        raise CognaxError(f"{CORES_VARIABLE}={value!r} is not a number of CPU cores; use a whole number >= 1")
    return int(value)


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
