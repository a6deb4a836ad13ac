"""k-armed Bernoulli bandit with independent arms (Wang et al. 2016, experiment 1).

Each episode draws every arm's reward probability independently from
U[p_low, p_high]; choosing arm a pays 1 with probability p_a, else 0.

Reference: Wang JX, Kurth-Nelson Z, Tirumala D, et al. (2016). Learning to
reinforcement learn. arXiv:1611.05763.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.tasks.base import Reference, Task, Timestep, check_count


@pytree_dataclass
class BanditParams:
    p_low: float = 0.0
    p_high: float = 1.0


@pytree_dataclass
class BanditState:
    trial: Int[Array, ""]
    p: Float[Array, "arm"]


class Bandit(Task):
    """k-armed Bernoulli bandit; arm probabilities drawn afresh each episode.

    Example:
        >>> task = Bandit(n_arms=2, n_trials=100)
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
    """

    name = "bandit"
    description = "k-armed Bernoulli bandit, arms drawn independently each episode"
    reference = Reference("Wang et al. 2016, Learning to reinforcement learn (exp. 1)", "arXiv:1611.05763")

    def __init__(self, n_arms: int = 2, n_trials: int = 100):
        self.n_actions = check_count("n_arms", n_arms, minimum=2)
        self.n_trials = check_count("n_trials", n_trials)

    def default_params(self) -> BanditParams:
        return BanditParams()

    def draw_probabilities(self, key: jax.Array, params: BanditParams) -> Float[Array, "arm"]:
        return jax.random.uniform(key, (self.n_actions,), minval=params.p_low, maxval=params.p_high)

    def reset(self, key, params):
        state = BanditState(trial=jnp.int32(0), p=self.draw_probabilities(key, params))
        return {}, state

    def step(self, key, state, action, params):
        reward = jax.random.bernoulli(key, state.p[action]).astype(jnp.float32)
        info = {f"p_{arm}": state.p[arm] for arm in range(self.n_actions)}
        trial = state.trial + 1
        return Timestep(
            obs={},
            state=state.replace(trial=trial),
            reward=reward,
            terminated=trial >= self.n_trials,
            truncated=jnp.bool_(False),
            info=info,
        )
