"""Restless k-armed bandit with drifting Gaussian payoffs (Daw et al. 2006).

Each arm has a mean payoff that follows a decaying Gaussian random walk, applied
after every trial to every arm::

    mean <- decay * mean + (1 - decay) * decay_center + N(0, diffusion_sd**2)

Choosing arm a pays ``round(mean_a + N(0, payoff_sd**2))``, clipped to [1, 100]
points. The defaults are the paper's (decay 0.9836, centre 50, diffusion SD 2.8,
payoff SD 4, four arms, 300 trials).

The paper used three fixed, pre-generated walks. Here every episode draws its own:
the initial means come from the walk's stationary distribution,
N(decay_center, diffusion_sd**2 / (1 - decay**2)) (SD about 15.5 points with the
defaults), so an episode looks the same at its start as anywhere later, and the
means spread over roughly the paper's range of 20 to 80 points. Hence ``decay``
must be below 1.

Reference: Daw ND, O'Doherty JP, Dayan P, Seymour B, Dolan RJ (2006). Cortical
substrates for exploratory decisions in humans. Nature 441:876-879.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.tasks.base import Reference, Task, Timestep, check_count

MIN_PAYOFF, MAX_PAYOFF = 1.0, 100.0


@pytree_dataclass
class RestlessBanditParams:
    """Parameters of the random walk of the means and of the payoff noise."""

    decay: float = 0.9836
    decay_center: float = 50.0
    diffusion_sd: float = 2.8
    payoff_sd: float = 4.0


@pytree_dataclass
class RestlessBanditState:
    trial: Int[Array, ""]
    means: Float[Array, "arm"]


def _check_finite(name: str, value: float, minimum: float = -math.inf, below: float = math.inf) -> float:
    """Validate a real number given by the user: ``minimum <= value < below``."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CognaxError(f"{name} must be a finite number; got {value!r}") from None
    if not (math.isfinite(value) and minimum <= value < below):
        if math.isfinite(below):
            allowed = f" in [{minimum:g}, {below:g})"
        else:
            allowed = f" >= {minimum:g}" if math.isfinite(minimum) else ""
        raise CognaxError(f"{name} must be a finite number{allowed}; got {value!r}")
    return value


class RestlessBandit(Task):
    """k-armed bandit whose Gaussian mean payoffs drift from trial to trial.

    Args:
        n_arms: number of arms (4 in the paper).
        n_trials: trials per episode (300 in the paper).
        decay: λ, how much of the mean survives each trial; in [0, 1).
        decay_center: θ, the value the means decay towards.
        diffusion_sd: σ_d, SD of the per-trial drift of each mean; >= 0.
        payoff_sd: σ_o, SD of the payoff around the chosen arm's mean; >= 0.

    The four numbers are the defaults of :meth:`default_params`; pass other
    ``RestlessBanditParams`` to ``reset``/``step`` to vmap or sweep them. The step's
    ``info`` holds ``mean_0`` ... ``mean_{k-1}``, the means in force on the trial
    (before that trial's drift).

    Example:
        >>> task = RestlessBandit(n_arms=4, n_trials=300)
        >>> params = task.default_params()
        >>> obs, state = task.reset(jax.random.key(0), params)
        >>> timestep = task.step(jax.random.key(1), state, 2, params)
        >>> 1 <= float(timestep.reward) <= 100
        True
    """

    name = "restless_bandit"
    description = "k-armed bandit with Gaussian payoffs whose means drift (decaying random walk)"
    reference = Reference(
        "Daw, O'Doherty, Dayan, Seymour & Dolan 2006, Cortical substrates for exploratory "
        "decisions in humans, Nature 441:876",
        "10.1038/nature04766",
    )

    def __init__(
        self,
        n_arms: int = 4,
        n_trials: int = 300,
        decay: float = 0.9836,
        decay_center: float = 50.0,
        diffusion_sd: float = 2.8,
        payoff_sd: float = 4.0,
    ):
        self.n_actions = check_count("n_arms", n_arms, minimum=2)
        self.n_trials = check_count("n_trials", n_trials)
        self._default_params = RestlessBanditParams(
            decay=_check_finite("decay", decay, minimum=0.0, below=1.0),
            decay_center=_check_finite("decay_center", decay_center),
            diffusion_sd=_check_finite("diffusion_sd", diffusion_sd, minimum=0.0),
            payoff_sd=_check_finite("payoff_sd", payoff_sd, minimum=0.0),
        )

    @property
    def reward_range(self) -> tuple[float, float]:
        return (MIN_PAYOFF, MAX_PAYOFF)

    def default_params(self) -> RestlessBanditParams:
        return self._default_params

    def initial_means(self, key: jax.Array, params: RestlessBanditParams) -> Float[Array, "arm"]:
        """Draw each arm's first mean from the walk's stationary distribution."""
        stationary_sd = params.diffusion_sd / jnp.sqrt(1.0 - params.decay**2)
        return params.decay_center + stationary_sd * jax.random.normal(key, (self.n_actions,))

    def drift(self, key: jax.Array, means: Float[Array, "arm"], params: RestlessBanditParams) -> Float[Array, "arm"]:
        """One trial of the decaying Gaussian random walk, for every arm."""
        noise = params.diffusion_sd * jax.random.normal(key, means.shape)
        drifted = params.decay * means + (1.0 - params.decay) * params.decay_center + noise
        return drifted.astype(means.dtype)

    def reset(self, key, params):
        state = RestlessBanditState(trial=jnp.int32(0), means=self.initial_means(key, params))
        return {}, state

    def step(self, key, state, action, params):
        payoff_key, drift_key = jax.random.split(key)
        payoff = state.means[action] + params.payoff_sd * jax.random.normal(payoff_key)
        reward = jnp.clip(jnp.round(payoff), MIN_PAYOFF, MAX_PAYOFF).astype(jnp.float32)
        info = {f"mean_{arm}": state.means[arm] for arm in range(self.n_actions)}
        trial = state.trial + 1
        return Timestep(
            obs={},
            state=state.replace(trial=trial, means=self.drift(drift_key, state.means, params)),
            reward=reward,
            terminated=trial >= self.n_trials,
            truncated=jnp.bool_(False),
            info=info,
        )
