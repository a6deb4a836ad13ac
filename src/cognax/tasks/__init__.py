"""Tasks: pure JAX environments with an explicit registry.

Example:
    >>> import cognax.tasks as tasks
    >>> task = tasks.make("two_step", n_trials=201)
    >>> sorted(tasks.names())[:3]
    ['bandit', 'dependent_bandit', 'go_nogo']
"""

from __future__ import annotations

from cognax._registry import Registry
from cognax.tasks.bandit import Bandit, BanditParams
from cognax.tasks.base import Reference, Task, Timestep

registry: Registry[Task] = Registry("task")
registry.register("bandit", Bandit)


def make(name: str, **kwargs) -> Task:
    """Build a registered task by id, e.g. ``make("bandit", n_arms=3)``."""
    return registry.make(name, **kwargs)


def names() -> list[str]:
    return registry.names()


__all__ = ["Task", "Timestep", "Reference", "make", "names", "registry", "Bandit", "BanditParams"]
