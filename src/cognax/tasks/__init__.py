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
from cognax.tasks.dependent_bandit import DependentBandit, DependentBanditParams
from cognax.tasks.go_nogo import GoNoGo, GoNoGoParams
from cognax.tasks.pavlovian import Pavlovian
from cognax.tasks.restless_bandit import RestlessBandit, RestlessBanditParams
from cognax.tasks.reversal import Reversal, ReversalParams
from cognax.tasks.rlwm import RLWM, RLWMParams
from cognax.tasks.two_step import (
    TwoStep,
    TwoStepParams,
    TwoStepWang2016,
    TwoStepWang2016Params,
    TwoStepWang2018,
    TwoStepWang2018Params,
)

registry: Registry[Task] = Registry("task")
registry.register("bandit", Bandit)
registry.register("dependent_bandit", DependentBandit)
registry.register("restless_bandit", RestlessBandit)
registry.register("reversal", Reversal)
registry.register("two_step", TwoStep)
registry.register("two_step_wang2016", TwoStepWang2016)
registry.register("two_step_wang2018", TwoStepWang2018)
registry.register("go_nogo", GoNoGo)
registry.register("rlwm", RLWM)
from cognax.tasks.harlow import Harlow  # noqa: E402
registry.register("harlow", Harlow)
registry.register("pavlovian", Pavlovian)


def make(name: str, **kwargs) -> Task:
    """Build a registered task by id, e.g. ``make("bandit", n_arms=3)``."""
    return registry.make(name, **kwargs)


def names() -> list[str]:
    return registry.names()


__all__ = ["Task", "Timestep", "Reference", "make", "names", "registry", "Bandit", "BanditParams"]
__all__ += ["DependentBandit", "DependentBanditParams", "RestlessBandit", "RestlessBanditParams"]
__all__ += ["Reversal", "ReversalParams"]
__all__ += ["TwoStep", "TwoStepParams", "TwoStepWang2016", "TwoStepWang2016Params"]
__all__ += ["TwoStepWang2018", "TwoStepWang2018Params", "GoNoGo", "GoNoGoParams", "RLWM", "RLWMParams"]
