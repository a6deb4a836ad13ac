"""Q-learning (Rescorla-Wagner values with a softmax choice rule).

Q(a) <- Q(a) + learning_rate * (r - Q(a)) for the chosen a; Q starts at 0.5;
P(a) = softmax(inverse_temperature * Q)(a).

References: Rescorla RA & Wagner AR (1972), in Classical Conditioning II;
Sutton RS & Barto AG (2018), Reinforcement Learning: An Introduction, ch. 2.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.tasks.base import Reference

BANDIT_TASKS = ("bandit", "dependent_bandit", "reversal")

LEARNING_RATE = Parameter(
    "learning_rate", 0.0, 1.0, Prior("beta", (2.0, 2.0)), 0.3, "weight of the newest prediction error"
)
INVERSE_TEMPERATURE = Parameter(
    "inverse_temperature", 0.0, 50.0, Prior("gamma", (2.0, 3.0)), 5.0, "softmax sensitivity to values"
)
INITIAL_VALUE = 0.5


class QLearning(Model):
    """Rescorla-Wagner Q-learning with softmax choice.

    Example:
        >>> model = QLearning()
        >>> model.parameter_names
        ('learning_rate', 'inverse_temperature')
    """

    name = "q_learning"
    description = "Rescorla-Wagner values, softmax choice"
    reference = Reference("Rescorla & Wagner 1972; Sutton & Barto 2018, ch. 2")
    tasks = BANDIT_TASKS
    parameters = (LEARNING_RATE, INVERSE_TEMPERATURE)

    latent_names = ("value_chosen", "value_unchosen", "rpe")

    def init_latent(self, params, n_actions):
        return jnp.full((n_actions,), INITIAL_VALUE)

    def action_values(self, latent):
        """The action values held in the latent state."""
        return latent

    def decision_latents(self, params, latent, obs, action, reward):
        return chosen_value_latents(self.action_values(latent), action, reward)

    def log_policy(self, params, values, obs):
        return params["inverse_temperature"] * values

    def update(self, params, values, obs, action, reward):
        prediction_error = reward - values[action]
        return values.at[action].add(params["learning_rate"] * prediction_error)


def chosen_value_latents(values, action, reward) -> dict:
    """Chosen value, mean unchosen value and reward prediction error ``r - Q(chosen)``."""
    chosen = values[action]
    others = 1.0 - jax.nn.one_hot(action, values.shape[0], dtype=values.dtype)
    unchosen = (values * others).sum() / jnp.maximum(others.sum(), 1.0)
    return {"value_chosen": chosen, "value_unchosen": unchosen, "rpe": reward - chosen}
