"""Win-stay/lose-shift with lapses.

After a win (reward > 0) the choice is repeated; after a loss it shifts, with two
actions to the other one and with k actions uniformly to one of the other k - 1.
With probability ``lapse`` (ε) the choice is instead uniformly random:

    P(a) = (1 - ε) * target(a) + ε / k,
    target = one_hot(c)                    after a win on choice c,
    target = (1 - one_hot(c)) / (k - 1)    after a loss.

The first choice is uniform. The model works in log space: ``log_policy`` returns
log P(a) (so the log-softmax the likelihood applies changes nothing); with ε = 0 a
choice the rule forbids has probability 0, floored at ``PROBABILITY_FLOOR`` so that
likelihoods and their gradients stay finite.

References: Nowak M & Sigmund K (1993). A strategy of win-stay, lose-shift that
outperforms tit-for-tat in the Prisoner's Dilemma game. Nature 364:56-58;
Wilson RC & Collins AGE (2019). Ten simple rules for the computational modeling of
behavioral data. eLife 8:e49547 (model 2).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.models.q_learning import BANDIT_TASKS
from cognax.tasks.base import Reference

#: probability given to a choice the rule forbids when ``lapse`` is 0.
PROBABILITY_FLOOR = 1e-12

LAPSE = Parameter(
    "lapse", 0.0, 1.0, Prior("beta", (2.0, 10.0)), 0.1, "probability of a uniformly random choice"
)


class WinStayLoseShift(Model):
    """Win-stay/lose-shift with a lapse rate.

    The latent state is the rule's choice distribution for the next trial
    (``target`` above), uniform before the first choice.

    Example:
        >>> model = WinStayLoseShift()
        >>> model.parameter_names
        ('lapse',)
    """

    name = "wsls"
    description = "win-stay/lose-shift with a lapse rate"
    reference = Reference(
        "Nowak & Sigmund 1993, Nature 364:56; Wilson & Collins 2019, eLife 8:e49547", "10.7554/eLife.49547"
    )
    tasks = BANDIT_TASKS
    parameters = (LAPSE,)

    def init_latent(self, params, n_actions):
        return jnp.full((n_actions,), 1.0 / n_actions)

    def log_policy(self, params, target, obs):
        lapse = params["lapse"]
        probabilities = (1.0 - lapse) * target + lapse / target.shape[0]
        return jnp.log(jnp.maximum(probabilities, PROBABILITY_FLOOR))

    def update(self, params, target, obs, action, reward):
        n_actions = target.shape[0]
        stay = jax.nn.one_hot(action, n_actions, dtype=target.dtype)
        shift = (1.0 - stay) / (n_actions - 1)
        return jnp.where(reward > 0, stay, shift)
