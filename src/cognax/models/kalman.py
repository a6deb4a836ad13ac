"""A Kalman-filter learner for the restless bandit (Daw et al. 2006).

Each arm's mean payoff is tracked by a Gaussian belief N(μ, σ²), μ = ``INITIAL_MEAN``
(50, the centre of the 1-100 payoff scale) and σ = ``INITIAL_SD`` (4) for every arm at
the start; both are fixed, not fitted. After choosing c and receiving payoff r:

    K = σ²_c / (σ²_c + σ_o²),   μ_c <- μ_c + K (r - μ_c),   σ²_c <- (1 - K) σ²_c;

then, for every arm, the belief follows the decaying random walk of the task:

    μ <- λ μ + (1 - λ) θ,   σ² <- λ² σ² + σ_d².

Choices are a softmax with an exploration bonus on the uncertainty:

    P(a) = softmax(β (μ + φ σ))(a).

λ = ``decay``, θ = ``decay_center``, σ_d = ``diffusion_sd``, σ_o = ``observation_sd``,
β = ``inverse_temperature`` (per point of payoff, hence bounds [0, 2]) and
φ = ``exploration_bonus`` (0 by default; Daw et al. found no reliable bonus; fix it
at 0 in a fit to get their final model). ``observation_sd`` is bounded below by
0.5 so that the Kalman gain stays defined when the belief has no variance
(``decay`` 0 with ``diffusion_sd`` 0); payoffs are whole points, so no observer can
trust them more than that anyway.

Reference: Daw ND, O'Doherty JP, Dayan P, Seymour B & Dolan RJ (2006). Cortical
substrates for exploratory decisions in humans. Nature 441:876-879.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import chosen_value_latents
from cognax.tasks.base import Reference

INITIAL_MEAN = 50.0
INITIAL_SD = 4.0
#: variance below which σ is taken as 1e-6 (keeps the gradient of sqrt finite at 0).
VARIANCE_FLOOR = 1e-12

DECAY = Parameter("decay", 0.0, 1.0, Prior("beta", (20.0, 1.5)), 0.9836, "λ: share of a mean that survives a trial")
DECAY_CENTER = Parameter(
    "decay_center", 0.0, 100.0, Prior("normal", (50.0, 15.0)), 50.0, "θ: the value the means decay toward"
)
DIFFUSION_SD = Parameter(
    "diffusion_sd", 0.0, 20.0, Prior("gamma", (2.0, 1.5)), 2.8, "σ_d: believed SD of the per-trial drift of a mean"
)
OBSERVATION_SD = Parameter(
    "observation_sd", 0.5, 20.0, Prior("gamma", (2.0, 2.0)), 4.0, "σ_o: believed SD of a payoff around its mean"
)
KALMAN_INVERSE_TEMPERATURE = Parameter(
    "inverse_temperature", 0.0, 2.0, Prior("gamma", (2.0, 0.1)), 0.1, "softmax sensitivity per point of payoff"
)
EXPLORATION_BONUS = Parameter(
    "exploration_bonus", -5.0, 5.0, Prior("normal", (0.0, 1.0)), 0.0, "φ: value added per SD of uncertainty"
)


class KalmanFilter(Model):
    """Kalman-filter beliefs about drifting arms, softmax choice with an uncertainty bonus.

    The latent state is ``(mean, variance)``, each one value per arm.

    Example:
        >>> KalmanFilter().parameter_names[:2]
        ('decay', 'decay_center')
    """

    name = "kalman"
    description = "Kalman-filter beliefs about drifting payoffs, softmax with an exploration bonus"
    reference = Reference(
        "Daw, O'Doherty, Dayan, Seymour & Dolan 2006, Cortical substrates for exploratory "
        "decisions in humans, Nature 441:876",
        "10.1038/nature04766",
    )
    tasks = ("restless_bandit",)
    parameters = (DECAY, DECAY_CENTER, DIFFUSION_SD, OBSERVATION_SD, KALMAN_INVERSE_TEMPERATURE, EXPLORATION_BONUS)

    latent_names = ("value_chosen", "value_unchosen", "rpe", "uncertainty_chosen", "kalman_gain")

    def init_latent(self, params, n_actions):
        return jnp.full((n_actions,), INITIAL_MEAN), jnp.full((n_actions,), INITIAL_SD**2)

    def decision_latents(self, params, latent, obs, action, reward):
        mean, variance = latent
        quantities = chosen_value_latents(mean, action, reward)
        quantities["uncertainty_chosen"] = jnp.sqrt(jnp.maximum(variance[action], VARIANCE_FLOOR))
        quantities["kalman_gain"] = variance[action] / (variance[action] + params["observation_sd"] ** 2)
        return quantities

    def log_policy(self, params, latent, obs):
        mean, variance = latent
        sd = jnp.sqrt(jnp.maximum(variance, VARIANCE_FLOOR))
        return params["inverse_temperature"] * (mean + params["exploration_bonus"] * sd)

    def update(self, params, latent, obs, action, reward):
        mean, variance = latent
        chosen = jax.nn.one_hot(action, mean.shape[0], dtype=mean.dtype)
        gain = chosen * variance / (variance + params["observation_sd"] ** 2)
        mean = mean + gain * (reward - mean)
        variance = (1.0 - gain) * variance
        decay = params["decay"]
        mean = decay * mean + (1.0 - decay) * params["decay_center"]
        variance = decay**2 * variance + params["diffusion_sd"] ** 2
        return mean, variance
