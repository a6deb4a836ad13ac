"""Two-armed Bernoulli bandit with dependent arms (Wang et al. 2016, experiment 2).

Each episode draws one number p; arm 0 pays 1 with probability p and arm 1 with
probability 1 - p, so learning about one arm tells the agent about the other. The
difficulty sets how p is drawn:

==========  ==========================  =====================
difficulty  p                           default (p_low, p_high)
==========  ==========================  =====================
uniform     U[p_low, p_high]            (0.0, 1.0)
easy        p_low or p_high, 50:50      (0.1, 0.9)
medium      p_low or p_high, 50:50      (0.25, 0.75)
hard        p_low or p_high, 50:50      (0.4, 0.6)
==========  ==========================  =====================

Whether p is continuous or one of two values is structure (the constructor); the
values themselves are numbers (the params), so they can be vmapped or swept.

Reference: Wang JX, Kurth-Nelson Z, Tirumala D, et al. (2016). Learning to
reinforcement learn. arXiv:1611.05763.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from cognax._pytree import pytree_dataclass
from cognax.errors import unknown_name
from cognax.tasks.bandit import Bandit
from cognax.tasks.base import Reference, check_count

#: default (p_low, p_high) of each difficulty level.
DIFFICULTY_LEVELS: dict[str, tuple[float, float]] = {
    "uniform": (0.0, 1.0),
    "easy": (0.1, 0.9),
    "medium": (0.25, 0.75),
    "hard": (0.4, 0.6),
}


@pytree_dataclass
class DependentBanditParams:
    """Bounds of p (``uniform``) or its two possible values (the discrete levels)."""

    p_low: float = 0.0
    p_high: float = 1.0


class DependentBandit(Bandit):
    """Two-armed Bernoulli bandit whose arms pay with probabilities p and 1 - p.

    Reset and step are :class:`Bandit`'s; only the draw of the arm probabilities differs.

    Args:
        difficulty: ``"uniform"`` (p ~ U[0, 1]), ``"easy"`` (p in {0.1, 0.9}),
            ``"medium"`` (p in {0.25, 0.75}) or ``"hard"`` (p in {0.4, 0.6}).
        n_trials: trials per episode.

    Example:
        >>> task = DependentBandit(difficulty="hard", n_trials=100)
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
        >>> sorted(round(float(p), 2) for p in state.p)
        [0.4, 0.6]
    """

    name = "dependent_bandit"
    description = "two-armed Bernoulli bandit with arms p and 1 - p, p drawn each episode"
    reference = Reference("Wang et al. 2016, Learning to reinforcement learn (exp. 2)", "arXiv:1611.05763")

    def __init__(self, difficulty: str = "uniform", n_trials: int = 100):
        if not isinstance(difficulty, str) or difficulty not in DIFFICULTY_LEVELS:
            raise unknown_name("difficulty", str(difficulty), DIFFICULTY_LEVELS)
        self.difficulty = difficulty
        self.n_actions = 2
        self.n_trials = check_count("n_trials", n_trials)

    def default_params(self) -> DependentBanditParams:
        p_low, p_high = DIFFICULTY_LEVELS[self.difficulty]
        return DependentBanditParams(p_low=p_low, p_high=p_high)

    def draw_probabilities(self, key: jax.Array, params: DependentBanditParams) -> Float[Array, "arm"]:
        """Draw p for the episode; returns ``[p, 1 - p]``."""
        if self.difficulty == "uniform":
            p = jax.random.uniform(key, minval=params.p_low, maxval=params.p_high)
        else:
            p = jnp.where(jax.random.bernoulli(key), params.p_high, params.p_low)
        return jnp.stack([p, 1.0 - p])

    def __repr__(self) -> str:
        return f"DependentBandit(difficulty={self.difficulty!r}, n_trials={self.n_trials})"
