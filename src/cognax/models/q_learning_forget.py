"""Q-learning with forgetting: unchosen values decay toward their initial value.

After choosing c and receiving r (Q starts at Q0 = 0.5):

    Q(c) <- Q(c) + learning_rate * (r - Q(c)),
    Q(a) <- Q(a) + forgetting_rate * (Q0 - Q(a))   for every a != c;

P(a) = softmax(inverse_temperature * Q)(a). With ``forgetting_rate`` 0 this is
plain Q-learning; with 1 the unchosen values reset to Q0 on every trial. Ito & Doya
decay toward 0, the initial value of their rats' task; decaying toward Q0 keeps
the two the same idea here, where values start at 0.5.

Reference: Ito M & Doya K (2009). Validation of decision-making models and analysis
of decision variables in the rat basal ganglia. J Neurosci 29:9861-9874.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import BANDIT_TASKS, INITIAL_VALUE, INVERSE_TEMPERATURE, LEARNING_RATE, QLearning
from cognax.tasks.base import Reference

FORGETTING_RATE = Parameter(
    "forgetting_rate", 0.0, 1.0, Prior("beta", (2.0, 8.0)), 0.1,
    "rate at which unchosen values decay toward their initial value",
)


class QLearningForgetting(QLearning):
    """Q-learning whose unchosen values decay toward the initial value.

    Example:
        >>> model = QLearningForgetting()
        >>> model.parameter_names
        ('learning_rate', 'inverse_temperature', 'forgetting_rate')
    """

    name = "q_learning_forget"
    description = "Rescorla-Wagner values, unchosen values decay toward 0.5, softmax choice"
    reference = Reference("Ito & Doya 2009, J Neurosci 29:9861", "10.1523/JNEUROSCI.6157-08.2009")
    tasks = BANDIT_TASKS
    parameters = (LEARNING_RATE, INVERSE_TEMPERATURE, FORGETTING_RATE)

    def update(self, params, values, obs, action, reward):
        chosen = jax.nn.one_hot(action, values.shape[0], dtype=values.dtype)
        forgotten = values + params["forgetting_rate"] * (INITIAL_VALUE - values)
        learned = super().update(params, values, obs, action, reward)
        return jnp.where(chosen > 0, learned, forgotten)
