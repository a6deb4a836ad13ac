"""Run many small optimisation problems side by side, refilling lanes as problems finish.

A fit is thousands of small problems (subject x start x profiled value). Vmapping one
optimiser loop over all of them makes every lane wait for the slowest; here a fixed
number of lanes each hold one problem, and a lane whose problem is done takes the next
waiting one at the very next iteration. The queue, the refills and the finished
problems' states all stay on the device: one compiled loop runs up to
``ITERATIONS_PER_CALL`` iterations per call, so the host only reads a counter between
calls (for progress) instead of shuffling lanes after every few iterations while the
device waits.

With several JAX devices (CPU cores exposed as devices, see
:func:`cognax.devices.use_cpu_cores`, or GPUs) the problems are dealt out between them
and each device runs its own lanes and queue.
"""

from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from cognax.fitting.optimize import OPTIMIZERS, safe_objective

#: Iterations per call of the compiled loop; between calls the host reports progress.
ITERATIONS_PER_CALL = 24
#: Fits with fewer problems than lanes get the narrowest power of two of at least this
#: many lanes (so fits of different sizes share compiles).
MIN_LANES = 64


class _Carry(NamedTuple):
    """One device's loop state (every field has a leading device axis outside the loop)."""

    state: object  # the optimiser state of each lane
    lane_problem: jax.Array  # queue position of each lane's problem; -1 when idle
    next_problem: jax.Array  # queue position the next free lane takes
    finished: jax.Array  # problems done
    out: object  # the optimiser state of every problem in the queue, filled as they finish


def solve_problems(
    objective: Callable,
    u0: np.ndarray,
    problem_args: tuple,
    shared_args: tuple,
    optimizer: str = "newton",
    max_iter: int = 100,
    tol: float = 1e-5,
    lanes: int = 256,
    prepare: Callable | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Minimise ``objective(u, *prepare(*problem_args[i], *shared_args))`` for every problem ``i``.

    Args:
        objective: scalar function of the unconstrained vector ``u`` and the arguments.
        u0: ``[problem, n]`` starting points.
        problem_args: arrays with a leading ``problem`` axis (an index into shared data, a
            profiled value, ...), gathered per lane.
        shared_args: arrays every problem sees whole (the data of all subjects).
        optimizer: a key of :data:`~cognax.fitting.optimize.OPTIMIZERS`.
        max_iter, tol: per-problem iteration cap and gradient-norm tolerance.
        lanes: problems advanced side by side (bounds memory; one compile per width).
        prepare: builds a lane's objective arguments (default: the problem's arguments
            followed by the shared ones), e.g. to gather a subject's data.
        progress: called as ``progress(finished, total)`` after every call of the loop.

    Returns:
        The final optimiser states, as numpy arrays with one row per problem (for every
        optimiser: ``u``, ``value``, ``grad_norm`` — the optimiser's last — and ``count``).
    """
    u0 = np.asarray(u0, dtype=float)
    n_problems = u0.shape[0]
    opt = OPTIMIZERS[optimizer]
    problem_args = tuple(np.asarray(a) for a in problem_args)

    width = max(1, min(lanes, max(MIN_LANES, 1 << (n_problems - 1).bit_length())))
    n_devices = _device_count(width)
    # Problem p waits in device p % n_devices's queue at position p // n_devices. Queues
    # are padded to a power of two, so that fits of similar sizes share a compile; the
    # padding is never started.
    per_device = -(-n_problems // n_devices)
    length = 1 << max(0, per_device - 1).bit_length()
    problem = np.arange(length)[None, :] * n_devices + np.arange(n_devices)[:, None]
    counts = (problem < n_problems).sum(axis=1)
    source = np.where(problem < n_problems, problem, 0)
    place = _placement(n_devices)
    queue = (place(u0[source]), tuple(place(a[source]) for a in problem_args), place(counts.astype(np.int32)))

    state_shapes = jax.eval_shape(jax.vmap(opt.init), jax.ShapeDtypeStruct((width // n_devices, u0.shape[1]),
                                                                           u0.dtype))
    out_shapes = jax.eval_shape(jax.vmap(opt.init), jax.ShapeDtypeStruct((length, u0.shape[1]), u0.dtype))
    # Zeros made by NumPy (no eager JAX operation, each of which would compile on its own)
    # and with no weakly typed leaf (the loop's outputs have none; one would compile twice).
    zeros = lambda shape: place(np.zeros((n_devices, *shape.shape), shape.dtype))
    carry = _Carry(
        jax.tree.map(zeros, state_shapes), place(np.full((n_devices, width // n_devices), -1, np.int32)),
        place(np.zeros(n_devices, np.int32)), place(np.zeros(n_devices, np.int32)), jax.tree.map(zeros, out_shapes),
    )
    run = _loop_function(optimizer, objective, max_iter, tol, prepare or _concatenate, n_devices)
    finished = 0
    while finished < n_problems:
        carry = run(carry, *queue, shared_args)
        newly = int(np.asarray(carry.finished).sum())
        if progress is not None and newly > finished:
            progress(newly, n_problems)
        finished = newly
    # Back from [device, position] to problem order.
    return jax.tree.map(lambda x: np.asarray(x).swapaxes(0, 1).reshape(-1, *x.shape[2:])[:n_problems], carry.out)


def _concatenate(*args):
    return args


def _device_count(width: int) -> int:
    """How many devices share the lanes: the most (a power of two) that split them evenly."""
    n = 1 << (jax.local_device_count().bit_length() - 1)
    while n > 1 and min(width, MIN_LANES) % n:
        n //= 2
    return n


@functools.lru_cache(maxsize=8)
def _device_sharding(n_devices: int):
    mesh = jax.make_mesh((n_devices,), ("devices",), devices=jax.local_devices()[:n_devices],
                         axis_types=(jax.sharding.AxisType.Auto,))
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("devices"))


def _placement(n_devices: int) -> Callable:
    """Puts an array with a leading device axis where the loop expects it (one row per device)."""
    if n_devices == 1:
        return jnp.asarray
    sharding = _device_sharding(n_devices)
    return lambda x: jax.device_put(x, sharding)


def _select(mask, new, old):
    """Per lane: ``new`` where ``mask``, else ``old`` (any trailing shape)."""
    return jax.tree.map(lambda a, b: jnp.where(mask.reshape(mask.shape + (1,) * (a.ndim - 1)), a, b), new, old)


@functools.lru_cache(maxsize=32)
def _loop_function(optimizer: str, objective: Callable, max_iter: int, tol: float, prepare: Callable,
                   n_devices: int = 1):
    """The jitted loop: up to ``ITERATIONS_PER_CALL`` iterations, each refilling idle lanes
    from the queue, stepping every lane once and storing the problems that finished.

    Cached, so that fits with the same objective function reuse one compiled loop. With
    ``n_devices`` > 1 each device runs its own lanes and queue (``shard_map``), so one
    device's slow lanes never hold up another's.
    """
    opt = OPTIMIZERS[optimizer]
    safe = safe_objective(objective)
    step = jax.vmap(lambda state, lane_args, shared: opt.step(safe, state, *prepare(*lane_args, *shared)),
                    in_axes=(0, 0, None))
    done = jax.vmap(lambda state: opt.done(state, max_iter, tol))

    def iteration(carry: _Carry, u0, problem_args, count, shared_args) -> _Carry:
        idle = carry.lane_problem < 0
        position = carry.next_problem + jnp.cumsum(idle, dtype=jnp.int32) - 1
        take = idle & (position < count)
        lane_problem = jnp.where(take, position, carry.lane_problem)
        index = jnp.maximum(lane_problem, 0)
        state = _select(take, jax.vmap(opt.init)(u0[index]), carry.state)
        active = lane_problem >= 0
        state = _select(active, step(state, tuple(a[index] for a in problem_args), shared_args), state)
        finished = active & done(state)
        store = jnp.where(finished, lane_problem, jnp.int32(u0.shape[0]))  # out of range: dropped
        out = jax.tree.map(lambda o, s: o.at[store].set(s, mode="drop"), carry.out, state)
        return _Carry(state, jnp.where(finished, -1, lane_problem), carry.next_problem + jnp.sum(take, dtype=jnp.int32),
                      carry.finished + jnp.sum(finished, dtype=jnp.int32), out)

    def device_loop(carry: _Carry, u0, problem_args, count, shared_args) -> _Carry:
        def keep_going(c):
            return (c[1] < ITERATIONS_PER_CALL) & (c[0].finished < count)

        def body(c):
            return iteration(c[0], u0, problem_args, count, shared_args), c[1] + 1

        return jax.lax.while_loop(keep_going, body, (carry, 0))[0]

    def per_device(carry, u0, problem_args, count, shared_args):
        """The loop on one device's block (leading device axis of length 1 in, and out)."""
        squeeze = lambda tree: jax.tree.map(lambda x: x[0], tree)
        result = device_loop(squeeze(carry), squeeze(u0), squeeze(problem_args), squeeze(count), shared_args)
        return jax.tree.map(lambda x: x[None], result)

    if n_devices > 1:
        mesh = _device_sharding(n_devices).mesh
        split, whole = jax.sharding.PartitionSpec("devices"), jax.sharding.PartitionSpec()
        per_device = jax.shard_map(per_device, mesh=mesh, in_specs=(split,) * 4 + (whole,), out_specs=split,
                                   check_vma=False)
    return jax.jit(per_device, donate_argnums=0)
