"""Cognitive models: one definition gives both simulation and likelihood.

Example:
    >>> import cognax.models as models
    >>> model = models.make("q_learning")
    >>> model.parameter_names
    ('learning_rate', 'inverse_temperature')
"""

from __future__ import annotations

from cognax._registry import Registry
from cognax.models.base import Model, log_likelihood, session_log_likelihood, trial_log_likelihood
from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import QLearning
from cognax.models.random_policy import RandomPolicy

registry: Registry[Model] = Registry("model")
registry.register("q_learning", QLearning)
registry.register("random", RandomPolicy)


def make(name: str, **kwargs) -> Model:
    """Build a registered model by id."""
    return registry.make(name, **kwargs)


def names() -> list[str]:
    return registry.names()


def for_task(task_name: str) -> list[str]:
    """Ids of the models that apply to a task."""
    return [n for n in names() if make(n).tasks is None or task_name in make(n).tasks]


__all__ = [
    "Model", "Parameter", "Prior", "make", "names", "for_task", "registry",
    "log_likelihood", "trial_log_likelihood", "session_log_likelihood", "QLearning", "RandomPolicy",
]
