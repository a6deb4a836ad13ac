"""hBayesDM's orthogonalised go/no-go models ``gng_m1`` ... ``gng_m4``.

For each cue s (0..3 here, 1..4 in hBayesDM) Qgo(s), Qnogo(s) and, in m3/m4, the cue
value V(s) start at 0. On each trial

    Wgo = Qgo(s) + b + pi * V(s),    Wnogo = Qnogo(s)
    P(go) = logistic(Wgo - Wnogo) * (1 - xi) + xi / 2

(m1 has no ``b`` and no ``pi``, m2 no ``pi``). After the outcome o (-1, 0 or 1):
V(s) += ep * (rho * o - V(s)) in m3/m4, and the taken action's value
(Qgo(s) after a go, Qnogo(s) after a no-go) += ep * (rho * o - Q(s)). m4 uses
rho = rhoRew when o >= 0 and rhoPun when o < 0, for both updates.

Parameters (hBayesDM's names and transforms): ``xi`` (irreducible noise) and ``ep``
(learning rate) in [0, 1] (Phi_approx); ``rho``, ``rhoRew``, ``rhoPun`` (outcome
sensitivities) in (0, inf) (exp); ``b`` (go bias) and ``pi`` (Pavlovian bias) real.

References: Guitart-Masip M, Huys QJM, Fuentemilla L, Dayan P, Duzel E, Dolan RJ (2012),
Go and no-go learning in reward and punishment, NeuroImage 62(1):154-166 (m1-m3);
Cavanagh JF, Eisenberg I, Guitart-Masip M, Huys Q, Frank MJ (2013), Frontal theta
overrides Pavlovian learning biases, J Neurosci 33(19):8541-8548 (m4).
"""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from cognax._pytree import pytree_dataclass
from cognax.models.hbayesdm._base import WIDE_HIERARCHY, HBayesDMModel, positive, real, reference, unit
from cognax.models.parameters import Prior
from cognax.tasks.go_nogo import N_CUES

NOISE = unit("xi", Prior("beta", (1.5, 6.0)), 0.1, "irreducible noise: share of choices made at random")
LEARNING_RATE = unit("ep", Prior("beta", (2.0, 2.0)), 0.2, "learning rate")
GO_BIAS = real("b", Prior("normal", (0.0, 2.0)), 0.5, "go bias added to the go weight")
PAVLOVIAN_BIAS = real("pi", Prior("normal", (0.0, 2.0)), 0.5, "Pavlovian bias: weight of the cue value on go")
SENSITIVITY = positive("rho", Prior("gamma", (2.0, 3.0)), 5.0, "outcome sensitivity")
REWARD_SENSITIVITY = positive("rhoRew", Prior("gamma", (2.0, 3.0)), 5.0, "sensitivity to non-negative outcomes")
PUNISHMENT_SENSITIVITY = positive("rhoPun", Prior("gamma", (2.0, 3.0)), 5.0, "sensitivity to negative outcomes")


@pytree_dataclass
class GoNoGoLatent:
    """Per-cue action values and cue values."""

    q_go: Float[Array, "cue"]
    q_nogo: Float[Array, "cue"]
    #: V(s), the Pavlovian cue value (m3/m4 only; stays 0 otherwise).
    cue_value: Float[Array, "cue"]


def noisy_binary_log_prob(weight_difference, xi) -> Float[Array, ""]:
    """log P for P = logistic(d) * (1 - xi) + xi / 2: the go probability at d = Wgo - Wnogo,
    the no-go probability at d = Wnogo - Wgo.

    One logistic and one log, in probabilities (a hierarchical fit evaluates this for
    every trial at every leapfrog step; the log-space form took twice as many exps and
    logs). hBayesDM's bounds reach xi = 0 exactly (Phi_approx saturates in float64); a
    probability that then underflows (d < ~-700) takes its limit, log P = d + log(1 - xi),
    so the likelihood and its gradient stay finite.
    """
    probability = jax.nn.sigmoid(weight_difference) * (1.0 - xi) + 0.5 * xi
    finite = probability > 1e-300
    underflow_limit = -jnp.abs(weight_difference) + jnp.log1p(-jnp.minimum(xi, 0.5))
    return jnp.where(finite, jnp.log(jnp.where(finite, probability, 1.0)), underflow_limit)


def noisy_binary_log_probs(weight_difference, xi) -> Float[Array, "2"]:
    """[log P(no-go), log P(go)] at d = Wgo - Wnogo (see :func:`noisy_binary_log_prob`)."""
    return noisy_binary_log_prob(jnp.stack([-weight_difference, weight_difference]), xi)


class GoNoGoM1(HBayesDMModel):
    """hBayesDM's ``gng_m1``: Rescorla-Wagner action values with irreducible noise.

    Example:
        >>> GoNoGoM1().parameter_names
        ('xi', 'ep', 'rho')
    """

    name = "gng_m1"
    description = "hBayesDM gng_m1: RW action values + noise (xi, ep, rho)"
    reference = reference(
        "Guitart-Masip, Huys, Fuentemilla, Dayan, Duzel & Dolan 2012, NeuroImage 62:154",
        "10.1016/j.neuroimage.2012.04.024",
    )
    tasks = ("go_nogo",)
    parameters = (NOISE, LEARNING_RATE, SENSITIVITY)
    has_go_bias: ClassVar[bool] = False
    has_pavlovian_bias: ClassVar[bool] = False
    normalized_policy = True  # noisy_binary_log_probs gives log-probabilities already
    independent_streams = "cue"  # every value is per cue; b, pi and xi are constants

    def init_latent(self, params, n_actions):
        zeros = jnp.zeros((N_CUES,))
        return GoNoGoLatent(q_go=zeros, q_nogo=zeros, cue_value=zeros)

    def weight_difference(self, params, latent, obs):
        """Wgo - Wnogo for the trial's cue."""
        cue = obs["cue"]
        w_go = latent.q_go[cue]
        if self.has_go_bias:
            w_go = w_go + params["b"]
        if self.has_pavlovian_bias:
            w_go = w_go + params["pi"] * latent.cue_value[cue]
        return w_go - latent.q_nogo[cue]

    def log_policy(self, params, latent, obs):
        return noisy_binary_log_probs(self.weight_difference(params, latent, obs), params["xi"])

    def chosen_log_probability(self, params, latent, obs, action):
        difference = self.weight_difference(params, latent, obs)
        return noisy_binary_log_prob(jnp.where(action == 1, difference, -difference), params["xi"])

    def sensitivity(self, params, outcome):
        return params["rho"]

    def update(self, params, latent, obs, action, reward):
        cue, ep = obs["cue"], params["ep"]
        target = self.sensitivity(params, reward) * reward
        go = action == 1
        q_go = latent.q_go.at[cue].add(jnp.where(go, ep * (target - latent.q_go[cue]), 0.0))
        q_nogo = latent.q_nogo.at[cue].add(jnp.where(go, 0.0, ep * (target - latent.q_nogo[cue])))
        cue_value = latent.cue_value
        if self.has_pavlovian_bias:
            cue_value = cue_value.at[cue].add(ep * (target - cue_value[cue]))
        return GoNoGoLatent(q_go=q_go, q_nogo=q_nogo, cue_value=cue_value)


class GoNoGoM2(GoNoGoM1):
    """hBayesDM's ``gng_m2``: ``gng_m1`` plus a go bias ``b``.

    Example:
        >>> GoNoGoM2().parameter_names
        ('xi', 'ep', 'b', 'rho')
    """

    name = "gng_m2"
    description = "hBayesDM gng_m2: RW action values + noise + go bias (xi, ep, b, rho)"
    parameters = (NOISE, LEARNING_RATE, GO_BIAS, SENSITIVITY)
    hierarchical_priors = {"b": WIDE_HIERARCHY}
    has_go_bias = True


class GoNoGoM3(GoNoGoM1):
    """hBayesDM's ``gng_m3``: ``gng_m2`` plus a Pavlovian bias ``pi`` on the learned cue value.

    Example:
        >>> GoNoGoM3().parameter_names
        ('xi', 'ep', 'b', 'pi', 'rho')
    """

    name = "gng_m3"
    description = "hBayesDM gng_m3: RW action values + noise + go bias + Pavlovian bias (xi, ep, b, pi, rho)"
    parameters = (NOISE, LEARNING_RATE, GO_BIAS, PAVLOVIAN_BIAS, SENSITIVITY)
    hierarchical_priors = {"b": WIDE_HIERARCHY, "pi": WIDE_HIERARCHY}
    has_go_bias = True
    has_pavlovian_bias = True


class GoNoGoM4(GoNoGoM3):
    """hBayesDM's ``gng_m4``: ``gng_m3`` with separate reward and punishment sensitivities.

    Example:
        >>> GoNoGoM4().parameter_names
        ('xi', 'ep', 'b', 'pi', 'rhoRew', 'rhoPun')
    """

    name = "gng_m4"
    description = "hBayesDM gng_m4: gng_m3 with reward/punishment sensitivities (xi, ep, b, pi, rhoRew, rhoPun)"
    reference = reference(
        "Cavanagh, Eisenberg, Guitart-Masip, Huys & Frank 2013, Frontal theta overrides Pavlovian "
        "learning biases, J Neurosci 33:8541",
        "10.1523/JNEUROSCI.5754-12.2013",
    )
    parameters = (NOISE, LEARNING_RATE, GO_BIAS, PAVLOVIAN_BIAS, REWARD_SENSITIVITY, PUNISHMENT_SENSITIVITY)

    def sensitivity(self, params, outcome):
        return jnp.where(outcome >= 0, params["rhoRew"], params["rhoPun"])
