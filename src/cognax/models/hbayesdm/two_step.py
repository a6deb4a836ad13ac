"""hBayesDM's two-step hybrid models ``ts_par4``, ``ts_par6`` and ``ts_par7``.

hBayesDM keeps six values Q1..Q6, all starting at 0: Q1, Q2 for the first-stage options
and Q(k+2) for second-stage option k = 1..4, where options 1-2 belong to the state
reached commonly from first-stage option 1. Here Q1, Q2 are ``first_stage[0..1]`` and
Q(k+2) is ``second_stage[state, choice2]`` with k = 2 * state + choice2 + 1. With p the
common-transition probability (0.7), a trial with first-stage choice c1, second-stage
option k and reward r goes

    MB1 = p max(Q3, Q4) + (1 - p) max(Q5, Q6),   MB2 = (1 - p) max(Q3, Q4) + p max(Q5, Q6)
    H_j = w MB_j + (1 - w) Q_j
    P(c1 = 2) = logistic(beta1 (H2 - H1) + pi rep)   rep = +1 / -1 if the previous c1
                                                     was 2 / 1, 0 on the first trial
    Q[c1] += a1 (Q[k+2] - Q[c1])
    P(second option of the state) = logistic(beta2 (Q4 - Q3)) or logistic(beta2 (Q6 - Q5))
    Q[k+2] += a2 (r - Q[k+2])
    Q[c1] += lambda a1 (r - Q[k+2])                  (the value just updated; lambda = 1
                                                     except in ts_par7)

Q[c1] is not read between the two stages, so all three updates are made at the
second-stage decision (the first-stage choice is kept in the latent state).

``ts_par4`` ties a1 = a2 = ``a`` and beta1 = beta2 = ``beta``. hBayesDM's
``generated quantities`` block of ``ts_par4.stan`` repeats the first stage-1 update,
so its ``log_lik`` differs from the likelihood it samples; this port follows the
likelihood that is sampled (its ``model`` block).

References: Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011), Model-based
influences on humans' choices and striatal prediction errors, Neuron 69(6):1204-1215;
Wunderlich K, Smittenaar P, Dolan RJ (2012), Dopamine enhances model-based over
model-free choice behavior, Neuron 75(3):418-424 (ts_par4).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.models.hbayesdm._base import HBayesDMModel, positive, reference, unit
from cognax.models.parameters import Prior
from cognax.tasks.base import check_probability

RATE_PRIOR = Prior("beta", (2.0, 2.0))
TEMPERATURE_PRIOR = Prior("gamma", (2.0, 3.0))

A1 = unit("a1", RATE_PRIOR, 0.5, "first-stage learning rate")
BETA1 = positive("beta1", TEMPERATURE_PRIOR, 3.0, "first-stage inverse temperature")
A2 = unit("a2", RATE_PRIOR, 0.5, "second-stage learning rate")
BETA2 = positive("beta2", TEMPERATURE_PRIOR, 3.0, "second-stage inverse temperature")
PERSEVERATION = unit("pi", Prior("beta", (1.5, 5.0)), 0.5, "perseveration on the first-stage choice", upper=5.0)
MB_WEIGHT = unit("w", RATE_PRIOR, 0.5, "model-based weight")
ELIGIBILITY = unit("lambda", RATE_PRIOR, 0.5, "eligibility trace: share of the reward error passed to stage 1")
A = unit("a", RATE_PRIOR, 0.5, "learning rate of both stages")
BETA = positive("beta", TEMPERATURE_PRIOR, 3.0, "inverse temperature of both stages")


@pytree_dataclass
class TwoStepValues:
    """hBayesDM's Q1..Q6 and the latest first-stage choice."""

    first_stage: Float[Array, "2"]
    second_stage: Float[Array, "state option"]
    #: first-stage choice of the current trial (after its first decision), else of the
    #: previous trial; -1 before the first trial.
    first_action: Int[Array, ""]


class TwoStepPar6(HBayesDMModel):
    """hBayesDM's ``ts_par6``: hybrid model-based/model-free learner with perseveration.

    Args:
        trans_prob: the common-transition probability the model assumes (hBayesDM's
            ``trans_prob``, 0.7).

    Example:
        >>> TwoStepPar6().parameter_names
        ('a1', 'beta1', 'a2', 'beta2', 'pi', 'w')
    """

    name = "ts_par6"
    description = "hBayesDM ts_par6: two-step hybrid MB/MF (a1, beta1, a2, beta2, pi, w)"
    reference = reference("Daw, Gershman, Seymour, Dayan & Dolan 2011, Neuron 69:1204", "10.1016/j.neuron.2011.02.027")
    tasks = ("two_step",)
    parameters = (A1, BETA1, A2, BETA2, PERSEVERATION, MB_WEIGHT)

    def __init__(self, trans_prob: float = 0.7):
        self.trans_prob = check_probability("trans_prob", trans_prob)

    def rates(self, params) -> dict:
        """a1, a2, beta1, beta2 and lambda (the eligibility trace)."""
        return {"a1": params["a1"], "a2": params["a2"], "beta1": params["beta1"], "beta2": params["beta2"],
                "lambda": 1.0}

    def init_latent(self, params, n_actions):
        return TwoStepValues(first_stage=jnp.zeros((2,)), second_stage=jnp.zeros((2, 2)), first_action=jnp.int32(-1))

    def log_policy(self, params, latent, obs):
        r = self.rates(params)
        p, w = self.trans_prob, params["w"]
        best = latent.second_stage.max(axis=1)
        model_based = jnp.stack([p * best[0] + (1 - p) * best[1], (1 - p) * best[0] + p * best[1]])
        hybrid = w * model_based + (1 - w) * latent.first_stage
        repeat = jnp.where(latent.first_action < 0, 0.0, 2.0 * latent.first_action - 1.0)
        first_logit = r["beta1"] * (hybrid[1] - hybrid[0]) + params["pi"] * repeat
        first = jnp.stack([jnp.zeros_like(first_logit), first_logit])
        second = r["beta2"] * latent.second_stage[obs["state"]]
        return jnp.where(obs["stage"] == 0, first, second)

    def update(self, params, latent, obs, action, reward):
        r = self.rates(params)
        c1, state = latent.first_action, obs["state"]
        q1 = latent.first_stage[c1]
        q2 = latent.second_stage[state, action]
        q1 = q1 + r["a1"] * (q2 - q1)
        q2 = q2 + r["a2"] * (reward - q2)
        q1 = q1 + r["lambda"] * r["a1"] * (reward - q2)
        after_second = TwoStepValues(
            first_stage=latent.first_stage.at[c1].set(q1),
            second_stage=latent.second_stage.at[state, action].set(q2),
            first_action=c1,
        )
        after_first = latent.replace(first_action=jnp.asarray(action, jnp.int32))
        return jax.tree.map(lambda a, b: jnp.where(obs["stage"] == 0, a, b), after_first, after_second)


class TwoStepPar4(TwoStepPar6):
    """hBayesDM's ``ts_par4``: ``ts_par6`` with one learning rate and one inverse temperature.

    Example:
        >>> TwoStepPar4().parameter_names
        ('a', 'beta', 'pi', 'w')
    """

    name = "ts_par4"
    description = "hBayesDM ts_par4: two-step hybrid MB/MF, shared rate and temperature (a, beta, pi, w)"
    reference = reference("Wunderlich, Smittenaar & Dolan 2012, Neuron 75:418")
    parameters = (A, BETA, PERSEVERATION, MB_WEIGHT)

    def rates(self, params):
        return {"a1": params["a"], "a2": params["a"], "beta1": params["beta"], "beta2": params["beta"],
                "lambda": 1.0}


class TwoStepPar7(TwoStepPar6):
    """hBayesDM's ``ts_par7``: ``ts_par6`` plus an eligibility trace ``lambda``.

    Example:
        >>> TwoStepPar7().parameter_names
        ('a1', 'beta1', 'a2', 'beta2', 'pi', 'w', 'lambda')
    """

    name = "ts_par7"
    description = "hBayesDM ts_par7: two-step hybrid MB/MF with eligibility (a1, beta1, a2, beta2, pi, w, lambda)"
    parameters = (A1, BETA1, A2, BETA2, PERSEVERATION, MB_WEIGHT, ELIGIBILITY)

    def rates(self, params):
        return {**super().rates(params), "lambda": params["lambda"]}
