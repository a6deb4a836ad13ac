"""hBayesDM's probabilistic-reversal-learning models ``prl_rp`` and ``prl_fictitious``.

Both read the outcome as o = sign(outcome) (hBayesDM's PRL data hold +1/-1; our
reversal task's 0/1 rewards give o = 0 after a miss) and start the values at 0.

``prl_rp`` (reward-punishment): P(choice) = softmax(beta * V);
V[c] += (Arew if o > 0 else Apun) * (o - V[c]).

``prl_fictitious`` (two options only): P(option 0) = logistic(beta * (V0 - V1 - alpha))
with ``alpha`` the indecision point; the chosen option c and the unchosen u learn from
the outcome and its opposite: V[c] += eta * (o - V[c]); V[u] += eta * (-o - V[u]).

References: den Ouden HEM, Daw ND, Fernandez G, Elshout JA, Rijpkema M, Hoogman M,
Franke B, Cools R (2013), Dissociable effects of dopamine and serotonin on reversal
learning, Neuron 80(4):1090-1100; Glascher J, Hampton AN, O'Doherty JP (2009),
Determining a role for ventromedial prefrontal cortex in encoding action-based value
signals during reward-related decision making, Cereb Cortex 19(2):483-495.
"""

from __future__ import annotations

import jax.numpy as jnp

from cognax.errors import CognaxError
from cognax.models.hbayesdm._base import HBayesDMModel, real, reference, unit
from cognax.models.parameters import Prior

PRL_TASKS = ("reversal", "bandit")

PUNISHMENT_RATE = unit("Apun", Prior("beta", (2.0, 2.0)), 0.3, "learning rate after a non-positive outcome")
REWARD_RATE = unit("Arew", Prior("beta", (2.0, 2.0)), 0.3, "learning rate after a positive outcome")
INVERSE_TEMPERATURE = unit("beta", Prior("beta", (2.0, 2.0)), 3.0, "softmax inverse temperature", upper=10.0)
FICTITIOUS_RATE = unit("eta", Prior("beta", (2.0, 2.0)), 0.3, "learning rate of chosen and unchosen values")
INDECISION_POINT = real("alpha", Prior("normal", (0.0, 1.0)), 0.0, "indecision point: value difference at P = 1/2")


class PRLRewardPunishment(HBayesDMModel):
    """hBayesDM's ``prl_rp``: separate learning rates after positive and other outcomes.

    Example:
        >>> PRLRewardPunishment().parameter_names
        ('Apun', 'Arew', 'beta')
    """

    name = "prl_rp"
    description = "hBayesDM prl_rp: reward/punishment learning rates, softmax (Apun, Arew, beta)"
    reference = reference("den Ouden et al. 2013, Neuron 80:1090")
    tasks = PRL_TASKS
    parameters = (PUNISHMENT_RATE, REWARD_RATE, INVERSE_TEMPERATURE)

    def init_latent(self, params, n_actions):
        return jnp.zeros((n_actions,))

    def log_policy(self, params, values, obs):
        return params["beta"] * values

    def update(self, params, values, obs, action, reward):
        outcome = jnp.sign(reward)
        rate = jnp.where(outcome > 0, params["Arew"], params["Apun"])
        return values.at[action].add(rate * (outcome - values[action]))


class PRLFictitious(HBayesDMModel):
    """hBayesDM's ``prl_fictitious``: fictitious update of the unchosen option, indecision point.

    Example:
        >>> PRLFictitious().parameter_names
        ('eta', 'alpha', 'beta')
    """

    name = "prl_fictitious"
    description = "hBayesDM prl_fictitious: chosen and fictitious unchosen updates (eta, alpha, beta)"
    reference = reference("Glascher, Hampton & O'Doherty 2009, Cereb Cortex 19:483")
    tasks = PRL_TASKS
    parameters = (FICTITIOUS_RATE, INDECISION_POINT, INVERSE_TEMPERATURE)
    # hBayesDM: mu_pr ~ Normal(0, 1) for every parameter, but alpha's sigma ~ HalfCauchy(0, 1).
    hierarchical_priors = {"alpha": ("normal", (0.0, 1.0), "halfcauchy", (1.0,))}

    def init_latent(self, params, n_actions):
        if n_actions != 2:
            raise CognaxError(f"model 'prl_fictitious' needs a task with 2 options; this one has {n_actions}")
        return jnp.zeros((2,))

    def log_policy(self, params, values, obs):
        logit = params["beta"] * (values[0] - values[1] - params["alpha"])
        return jnp.stack([logit, jnp.zeros_like(logit)])

    def update(self, params, values, obs, action, reward):
        outcome = jnp.sign(reward)
        chosen, unchosen = action, 1 - action
        eta = params["eta"]
        return values.at[chosen].add(eta * (outcome - values[chosen])).at[unchosen].add(
            eta * (-outcome - values[unchosen])
        )
