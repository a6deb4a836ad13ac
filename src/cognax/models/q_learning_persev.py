"""Q-learning with choice perseveration (a one-trial choice kernel).

Values follow Rescorla-Wagner, Q(c) <- Q(c) + learning_rate * (r - Q(c)) for the
chosen c, from Q = 0.5; the choice rule adds a bonus to repeating the previous choice:

    P(a) ∝ exp(inverse_temperature * Q(a) + perseveration * [a = previous choice]).

A positive ``perseveration`` (κ) is stickiness, a negative one alternation. There is
no bonus on the first trial. κ is bounded to [-10, 10] rather than left unbounded:
a bonus of 10 logits already makes a repeat e^10 times likelier than a switch, and
finite bounds keep the unconstrained transform (a scaled logistic) away from
flat regions where optimisers wander.

References: Lau B & Glimcher PW (2005). Dynamic response-by-response models of
matching behavior in rhesus monkeys. J Exp Anal Behav 84:555-579;
Wilson RC & Collins AGE (2019). Ten simple rules for the computational modeling of
behavioral data. eLife 8:e49547.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import BANDIT_TASKS, INITIAL_VALUE, INVERSE_TEMPERATURE, LEARNING_RATE, QLearning
from cognax.tasks.base import Reference

PERSEVERATION = Parameter(
    "perseveration", -10.0, 10.0, Prior("normal", (0.0, 1.0)), 0.5,
    "bonus (in logits) for repeating the previous choice; negative favours switching",
)


class QLearningPerseveration(QLearning):
    """Rescorla-Wagner Q-learning with a softmax choice rule and perseveration.

    The latent state is ``(values, previous)``: the action values and a one-hot vector
    of the previous choice (all zeros before the first choice).

    Example:
        >>> model = QLearningPerseveration()
        >>> model.parameter_names
        ('learning_rate', 'inverse_temperature', 'perseveration')
    """

    name = "q_learning_persev"
    description = "Rescorla-Wagner values, softmax choice with a bonus for repeating the last choice"
    reference = Reference(
        "Lau & Glimcher 2005, J Exp Anal Behav 84:555; Wilson & Collins 2019, eLife 8:e49547",
        "10.1901/jeab.2005.110-04",
    )
    tasks = BANDIT_TASKS
    parameters = (LEARNING_RATE, INVERSE_TEMPERATURE, PERSEVERATION)

    def init_latent(self, params, n_actions):
        return jnp.full((n_actions,), INITIAL_VALUE), jnp.zeros((n_actions,))

    def action_values(self, latent):
        return latent[0]

    def log_policy(self, params, latent, obs):
        values, previous = latent
        return params["inverse_temperature"] * values + params["perseveration"] * previous

    def update(self, params, latent, obs, action, reward):
        values, previous = latent
        values = super().update(params, values, obs, action, reward)
        return values, jax.nn.one_hot(action, previous.shape[0], dtype=previous.dtype)
