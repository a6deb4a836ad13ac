"""A Bayesian observer of probabilistic reversal learning.

The observer knows the task's structure: one option is good (pays 1 with
probability p = ``reward_probability``), the other bad (pays with 1 - p), and they
swap after any trial with probability h = ``hazard_rate``. Its belief
b = P(option 1 is the good one) starts at 0.5. After choosing c and seeing r in {0, 1}:

    L1 = P(r | option 1 good) = p^r (1 - p)^(1 - r)  if c = 1, else (1 - p)^r p^(1 - r),
    L0 = P(r | option 0 good) = 1 - L1   (for binary r),
    b <- b L1 / (b L1 + (1 - b) L0)      (Bayes' rule),
    b <- (1 - h) b + h (1 - b)            (a reversal may happen before the next trial).

For rewards in [0, 1] the likelihoods are the linear interpolation
L1 = r p + (1 - r)(1 - p) (chosen good), which equals the above for r in {0, 1}.
Choices are a softmax over the beliefs, P(a) = softmax(inverse_temperature * [1 - b, b])(a).
The softmax acts on the belief that each option is good rather than on its expected
reward, (2p - 1) b + 1 - p, so that the inverse temperature is not confounded with p.

The belief is kept within [floor, 1 - floor] so that Bayes' rule stays defined when
p = 1 and h = 0 (a certain belief contradicted by an outcome); the floor is
``BELIEF_FLOOR`` (1e-12) in float64 and a few machine epsilons in float32.

Reference: Hampton AN, Bossaerts P & O'Doherty JP (2006). The role of the
ventromedial prefrontal cortex in abstract state-based inference during decision
making in humans. J Neurosci 26:8360-8367.
"""

from __future__ import annotations

import jax.numpy as jnp

from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import INVERSE_TEMPERATURE
from cognax.tasks.base import Reference

BELIEF_FLOOR = 1e-12

REWARD_PROBABILITY = Parameter(
    "reward_probability", 0.5, 1.0, Prior("beta", (3.0, 2.0)), 0.8,
    "believed probability that the good option pays",
)
HAZARD_RATE = Parameter(
    "hazard_rate", 0.0, 0.5, Prior("beta", (1.5, 10.0)), 0.05,
    "believed probability that the options reverse after a trial",
)


class BayesianReversal(Model):
    """Bayesian inference of which option is good, with a hazard of reversal.

    The latent state is the scalar belief that option 1 is the good one.

    Example:
        >>> BayesianReversal().parameter_names
        ('reward_probability', 'hazard_rate', 'inverse_temperature')
    """

    name = "bayes_reversal"
    description = "Bayesian observer inferring the good option, with a reversal hazard; softmax on beliefs"
    reference = Reference("Hampton, Bossaerts & O'Doherty 2006, J Neurosci 26:8360", "10.1523/JNEUROSCI.1010-06.2006")
    tasks = ("reversal",)
    parameters = (REWARD_PROBABILITY, HAZARD_RATE, INVERSE_TEMPERATURE)

    latent_names = ("belief_chosen_good",)

    def init_latent(self, params, n_actions):
        return jnp.asarray(0.5, dtype=jnp.result_type(float))

    def decision_latents(self, params, belief, obs, action, reward):
        # Belief, before the outcome, that the option just chosen is the good one.
        return {"belief_chosen_good": jnp.where(action == 1, belief, 1.0 - belief)}

    def log_policy(self, params, belief, obs):
        return params["inverse_temperature"] * jnp.stack([1.0 - belief, belief])

    def update(self, params, belief, obs, action, reward):
        p, hazard = params["reward_probability"], params["hazard_rate"]
        if_chosen_good = reward * p + (1.0 - reward) * (1.0 - p)
        likelihood_1 = jnp.where(action == 1, if_chosen_good, 1.0 - if_chosen_good)
        joint_1 = belief * likelihood_1
        posterior = joint_1 / (joint_1 + (1.0 - belief) * (1.0 - likelihood_1))
        predicted = (1.0 - hazard) * posterior + hazard * (1.0 - posterior)
        floor = max(BELIEF_FLOOR, 2 * float(jnp.finfo(belief.dtype).eps))
        return jnp.clip(predicted, floor, 1.0 - floor).astype(belief.dtype)
