"""Hybrid model-based / model-free learner for the two-step task (Daw et al. 2011).

Model-free values follow SARSA(lambda): after a trial with first-stage action a1,
second-stage state s and action a2 and reward r,

    delta_1 = Q2(s, a2) - Q_MF(a1);        Q_MF(a1) += learning_rate_1 * delta_1
    delta_2 = r - Q2(s, a2);               Q2(s, a2) += learning_rate_2 * delta_2
                                           Q_MF(a1) += learning_rate_1 * eligibility * delta_2

Model-based values use the known transition structure (action a commonly leads to
state a with probability ``common_prob``): Q_MB(a) = sum_s P(s | a) max_b Q2(s, b).
Choices:

    P(a1) ~ exp(inverse_temperature_1 * [w Q_MB(a1) + (1 - w) Q_MF(a1)]
                + perseveration * [a1 == previous a1])
    P(a2 | s) ~ exp(inverse_temperature_2 * Q2(s, a2))

with w = ``mb_weight``. All values start at 0.5 (midway between the 0/1 rewards).
Both first-stage updates are done at the second-stage decision (the first-stage
action is kept in the latent state): Q_MF is not read in between, so this equals
updating at each stage.

Special cases sharing the code: ``model_free`` (w = 0) and ``model_based`` (w = 1,
where learning_rate_1 and eligibility no longer matter and are dropped).

Reference: Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011). Model-based
influences on humans' choices and striatal prediction errors. Neuron 69(6):1204-1215.
"""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.tasks.base import Reference, check_probability

TWO_STEP_TASKS = ("two_step", "two_step_wang2016", "two_step_wang2018")
N_STATES = 2
N_ACTIONS = 2
INITIAL_VALUE = 0.5

LEARNING_RATE_1 = Parameter(
    "learning_rate_1", 0.0, 1.0, Prior("beta", (2.0, 2.0)), 0.5, "learning rate of the first-stage model-free values"
)
LEARNING_RATE_2 = Parameter(
    "learning_rate_2", 0.0, 1.0, Prior("beta", (2.0, 2.0)), 0.5, "learning rate of the second-stage values"
)
ELIGIBILITY = Parameter(
    "eligibility", 0.0, 1.0, Prior("beta", (2.0, 2.0)), 0.5,
    "eligibility trace (lambda): share of the outcome prediction error passed to the first stage",
)
INVERSE_TEMPERATURE_1 = Parameter(
    "inverse_temperature_1", 0.0, 50.0, Prior("gamma", (2.0, 3.0)), 5.0, "first-stage softmax sensitivity"
)
INVERSE_TEMPERATURE_2 = Parameter(
    "inverse_temperature_2", 0.0, 50.0, Prior("gamma", (2.0, 3.0)), 5.0, "second-stage softmax sensitivity"
)
MB_WEIGHT = Parameter(
    "mb_weight", 0.0, 1.0, Prior("beta", (2.0, 2.0)), 0.5, "weight w of model-based over model-free first-stage values"
)
PERSEVERATION = Parameter(
    "perseveration", -5.0, 5.0, Prior("normal", (0.0, 1.0)), 0.0, "bonus for repeating the previous first-stage action"
)


@pytree_dataclass
class TwoStepLatent:
    """Values and the first-stage action of the latest trial."""

    model_free: Float[Array, "action"]
    second_stage: Float[Array, "state action"]
    #: first-stage action of the current trial (after its first decision), else of the
    #: previous one; -1 before the first trial (no perseveration bonus).
    first_action: Int[Array, ""]


class DawHybrid(Model):
    """Daw et al. (2011) hybrid of model-based and model-free (SARSA(lambda)) learning.

    Args:
        common_prob: probability of the common transition the model-based system
            assumes (0.7 in Daw et al. 2011; the ``two_step_wang2016`` and
            ``two_step_wang2018`` tasks use 0.75 and 0.8).

    Example:
        >>> model = DawHybrid()
        >>> model.n_params
        7
    """

    name = "daw_hybrid"
    description = "two-step hybrid: model-based and SARSA(lambda) model-free values, perseveration"
    reference = Reference(
        "Daw, Gershman, Seymour, Dayan & Dolan 2011, Model-based influences on humans' choices "
        "and striatal prediction errors, Neuron 69:1204",
        "10.1016/j.neuron.2011.02.027",
    )
    tasks = TWO_STEP_TASKS
    parameters = (
        LEARNING_RATE_1, LEARNING_RATE_2, ELIGIBILITY, INVERSE_TEMPERATURE_1, INVERSE_TEMPERATURE_2,
        MB_WEIGHT, PERSEVERATION,
    )
    #: parameters the special cases hold fixed (not free, not fitted).
    fixed: ClassVar[dict[str, float]] = {}

    def __init__(self, common_prob: float = 0.7):
        self.common_prob = check_probability("common_prob", common_prob)

    def _values(self, params):
        return {**params, **self.fixed}

    latent_names = (
        "value_mb_chosen", "value_mb_unchosen", "value_mf_chosen", "value_mf_unchosen",
        "value_net_chosen", "value_net_unchosen", "value_stage2_chosen", "rpe_stage1", "rpe_stage2",
    )

    def init_latent(self, params, n_actions):
        return TwoStepLatent(
            model_free=jnp.full((N_ACTIONS,), INITIAL_VALUE),
            second_stage=jnp.full((N_STATES, N_ACTIONS), INITIAL_VALUE),
            first_action=jnp.int32(-1),
        )

    def model_based_values(self, second_stage: Float[Array, "state action"]) -> Float[Array, "action"]:
        """Q_MB(a) = sum_s P(s | a) max_b Q2(s, b); action a commonly leads to state a."""
        transitions = jnp.where(jnp.eye(N_ACTIONS, N_STATES, dtype=bool), self.common_prob, 1.0 - self.common_prob)
        return transitions @ second_stage.max(axis=1)

    def log_policy(self, params, latent, obs):
        p = self._values(params)
        w = p["mb_weight"]
        net = w * self.model_based_values(latent.second_stage) + (1.0 - w) * latent.model_free
        first = p["inverse_temperature_1"] * net + p["perseveration"] * jax.nn.one_hot(
            latent.first_action, N_ACTIONS, dtype=net.dtype
        )
        second = p["inverse_temperature_2"] * latent.second_stage[obs["state"]]
        return jnp.where(obs["stage"] == 0, first, second)

    def decision_latents(self, params, latent, obs, action, reward):
        # Computed at the second decision of a trial, whose row the trial keeps: the
        # first-stage values have not changed since the first decision (which only
        # records a1), so they are the values that drove the first choice.
        p = self._values(params)
        a1 = jnp.clip(latent.first_action, 0, N_ACTIONS - 1)
        w = p["mb_weight"]
        model_based = self.model_based_values(latent.second_stage)
        net = w * model_based + (1.0 - w) * latent.model_free
        q2 = latent.second_stage[obs["state"], action]
        quantities = {"value_stage2_chosen": q2, "rpe_stage1": q2 - latent.model_free[a1], "rpe_stage2": reward - q2}
        for label, values in (("mb", model_based), ("mf", latent.model_free), ("net", net)):
            quantities[f"value_{label}_chosen"] = values[a1]
            quantities[f"value_{label}_unchosen"] = values[1 - a1]
        return quantities

    def update(self, params, latent, obs, action, reward):
        p = self._values(params)
        a1, state = latent.first_action, obs["state"]
        # Second stage: both first-stage updates (delta_1 uses Q2 before its own update).
        q2 = latent.second_stage[state, action]
        delta_1 = q2 - latent.model_free[a1]
        delta_2 = reward - q2
        model_free = latent.model_free.at[a1].add(p["learning_rate_1"] * (delta_1 + p["eligibility"] * delta_2))
        second_stage = latent.second_stage.at[state, action].add(p["learning_rate_2"] * delta_2)
        after_second = TwoStepLatent(model_free=model_free, second_stage=second_stage, first_action=a1)
        # First stage: only remember the action.
        after_first = latent.replace(first_action=jnp.asarray(action, jnp.int32))
        return jax.tree.map(lambda a, b: jnp.where(obs["stage"] == 0, a, b), after_first, after_second)


class ModelFree(DawHybrid):
    """The model-free special case of :class:`DawHybrid` (``mb_weight`` = 0).

    Example:
        >>> ModelFree().n_params
        6
    """

    name = "model_free"
    description = "two-step model-free SARSA(lambda) learner with perseveration (daw_hybrid, w = 0)"
    parameters = (
        LEARNING_RATE_1, LEARNING_RATE_2, ELIGIBILITY, INVERSE_TEMPERATURE_1, INVERSE_TEMPERATURE_2, PERSEVERATION,
    )
    fixed = {"mb_weight": 0.0}


class ModelBased(DawHybrid):
    """The model-based special case of :class:`DawHybrid` (``mb_weight`` = 1).

    The first-stage model-free values are unused, so ``learning_rate_1`` and
    ``eligibility`` are dropped.

    Example:
        >>> ModelBased().parameter_names
        ('learning_rate_2', 'inverse_temperature_1', 'inverse_temperature_2', 'perseveration')
    """

    name = "model_based"
    description = "two-step model-based learner with perseveration (daw_hybrid, w = 1)"
    parameters = (LEARNING_RATE_2, INVERSE_TEMPERATURE_1, INVERSE_TEMPERATURE_2, PERSEVERATION)
    fixed = {"mb_weight": 1.0, "learning_rate_1": 0.0, "eligibility": 0.0}
