"""cognax: fit, compare and dissect people, cognitive models and artificial agents.

The top-level import is light; subpackages load on first use::

    import cognax
    task = cognax.tasks.make("two_step")
    table = cognax.data.load("dezfouli2019")
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["tasks", "models", "data", "fitting", "simulate", "CognaxError", "__version__"]

_SUBMODULES = {"tasks", "models", "data", "fitting", "analysis", "cli"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"cognax.{name}")
    if name == "simulate":
        from cognax.simulation import simulate

        return simulate
    if name == "CognaxError":
        from cognax.errors import CognaxError

        return CognaxError
    raise AttributeError(f"module 'cognax' has no attribute {name!r}")
