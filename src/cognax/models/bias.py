"""A fixed choice bias: no learning, a constant preference among the actions.

With two actions one parameter, ``bias``, the log-odds of choosing action 1 over
action 0:

    P(a = 1) = sigmoid(bias) = softmax([0, bias])(1).

With k actions (``Bias(n_arms=k)``) there are k - 1 parameters ``bias_1`` ...
``bias_{k-1}``, the logits of each action relative to action 0:
P(a) = softmax([0, bias_1, ..., bias_{k-1}])(a). This is the baseline a learning
model must beat; unlike ``random`` it captures side preferences.

Reference: Wilson RC & Collins AGE (2019). Ten simple rules for the computational
modeling of behavioral data. eLife 8:e49547 (model 1).
"""

from __future__ import annotations

import jax.numpy as jnp

from cognax.errors import CognaxError
from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import BANDIT_TASKS
from cognax.tasks.base import Reference, check_count


def _bias_parameter(name: str, description: str) -> Parameter:
    return Parameter(name, -10.0, 10.0, Prior("normal", (0.0, 1.5)), 0.5, description)


class Bias(Model):
    """Constant choice probabilities (softmax of per-action logits, action 0 at 0).

    Args:
        n_arms: number of actions of the task the model is used on (default 2).

    Example:
        >>> Bias().parameter_names
        ('bias',)
        >>> Bias(n_arms=3).parameter_names
        ('bias_1', 'bias_2')
    """

    name = "bias"
    description = "fixed choice bias, no learning (baseline)"
    reference = Reference("Wilson & Collins 2019, eLife 8:e49547 (model 1)", "10.7554/eLife.49547")
    tasks = BANDIT_TASKS

    def __init__(self, n_arms: int = 2):
        self.n_arms = check_count("n_arms", n_arms, minimum=2)
        if self.n_arms == 2:
            self.parameters = (_bias_parameter("bias", "log-odds of choosing action 1 over action 0"),)
        else:
            self.parameters = tuple(
                _bias_parameter(f"bias_{a}", f"logit of action {a} relative to action 0")
                for a in range(1, self.n_arms)
            )

    def init_latent(self, params, n_actions):
        if n_actions != self.n_arms:
            raise CognaxError(
                f"model 'bias' was built for {self.n_arms} actions but the task has {n_actions}; "
                f"use models.make('bias', n_arms={n_actions})"
            )
        return jnp.zeros(())

    def log_policy(self, params, latent, obs):
        biases = [params[name] for name in self.parameter_names]
        return jnp.stack([jnp.zeros_like(biases[0]), *biases])

    def update(self, params, latent, obs, action, reward):
        return latent
