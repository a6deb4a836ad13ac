"""Q-learning with separate learning rates for positive and negative prediction errors.

For the chosen action c, with prediction error δ = r - Q(c) and Q starting at 0.5:

    Q(c) <- Q(c) + learning_rate_positive * δ   if δ > 0,
    Q(c) <- Q(c) + learning_rate_negative * δ   otherwise;

P(a) = softmax(inverse_temperature * Q)(a). An asymmetry between the two rates is
read as optimism (positive > negative) or pessimism in learning.

References: Frank MJ, Moustafa AA, Haughey HM, Curran T, Hutchison KE (2007).
Genetic triple dissociation reveals multiple roles for dopamine in reinforcement
learning. PNAS 104:16311-16316; Lefebvre G, Lebreton M, Meyniel F,
Bourgeois-Gironde S, Palminteri S (2017). Behavioural and neural characterization
of optimistic reinforcement learning. Nat Hum Behav 1:0067.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from cognax.models.q_learning import BANDIT_TASKS, INVERSE_TEMPERATURE, LEARNING_RATE, QLearning
from cognax.tasks.base import Reference

LEARNING_RATE_POSITIVE = dataclasses.replace(
    LEARNING_RATE, name="learning_rate_positive", description="weight of a positive prediction error"
)
LEARNING_RATE_NEGATIVE = dataclasses.replace(
    LEARNING_RATE, name="learning_rate_negative", description="weight of a negative prediction error"
)


class QLearningDual(QLearning):
    """Q-learning whose learning rate depends on the sign of the prediction error.

    Example:
        >>> model = QLearningDual()
        >>> model.parameter_names
        ('learning_rate_positive', 'learning_rate_negative', 'inverse_temperature')
    """

    name = "q_learning_dual"
    description = "Rescorla-Wagner values with separate learning rates for positive and negative errors"
    reference = Reference(
        "Frank et al. 2007, PNAS 104:16311; Lefebvre et al. 2017, Nat Hum Behav 1:0067",
        "10.1073/pnas.0706111104",
    )
    tasks = BANDIT_TASKS
    parameters = (LEARNING_RATE_POSITIVE, LEARNING_RATE_NEGATIVE, INVERSE_TEMPERATURE)

    def update(self, params, values, obs, action, reward):
        prediction_error = reward - values[action]
        learning_rate = jnp.where(
            prediction_error > 0, params["learning_rate_positive"], params["learning_rate_negative"]
        )
        return values.at[action].add(learning_rate * prediction_error)
