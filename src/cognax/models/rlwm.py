"""Reinforcement learning + working memory (RLWM) models for the RLWM task.

Specification of Collins (2024). Each block starts afresh (nothing carries over,
not even the previous choice) with Q(s, a) = W(s, a) = 1/3 for every stimulus s and
action a. In a block of set size n the working-memory weight is
w = wm_weight * min(1, capacity / n). After a trial with stimulus s, action a and
reward r (0 or 1):

1. working memory decays: W <- W + wm_forgetting * (1/3 - W) (every entry);
2. RL update: Q(s, a) += eta * (y - m), with eta = learning_rate if r = 1 and
   learning_rate * rl_learning_rate_multiplier_negative if r = 0; target y = 1 if
   r = 1, y = rl_target_negative if r = 0 (y = 1 whatever r for an outcome-insensitive
   habit learner, ``value = False``); prediction m = omega W(s, a) + (1 - omega) Q(s, a)
   with omega = w if ``interact`` else 0 (W after the decay, before step 3);
3. WM update: W(s, a) += rate * (r - W(s, a)), rate 1 if r = 1 and
   wm_learning_rate_negative if r = 0.

Choice on stimulus s', with c = perseveration * onehot(previous action in the block)
(0 on the block's first trial), beta = 25 and 3 actions:

    pi_RL = lapse / 3 + (1 - lapse) softmax(beta (Q(s', .) + c))
    pi_WM = lapse / 3 + (1 - lapse) softmax(beta (W(s', .) + c))
    pi = w pi_WM + (1 - w) pi_RL

Q never decays. Working-memory capacity is a discrete parameter (``capacity`` in
{2, 3, 4, 5}, fitted by profiling); it defaults to ``DEFAULT_CAPACITY`` when absent
from ``params`` (e.g. when simulating).

Variants: ``rlwm`` (negative-outcome rates 1, target 0), ``rlwm_r0`` (free target
after no reward), ``rlwm_rl0`` (RL ignores no-reward trials, free WM rate after
them), ``rlwm_shared_bias`` (one ``negative_learning_bias`` scales both rates after
no reward) and ``wmh`` (as ``rlwm_shared_bias`` with an outcome-insensitive habit
learner in place of RL).

References:
    Collins AGE (2024). RL or not RL? Parsing the processes that support human
    reward-based learning. (Specification of the model family.)

    Collins AGE, Frank MJ (2012). How much of reinforcement learning is working
    memory, not reinforcement learning? Eur J Neurosci 35(7):1024-1035.
"""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.models.base import Model
from cognax.models.parameters import Parameter, Prior
from cognax.tasks.base import Reference
from cognax.tasks.rlwm import MAX_SET_SIZE, N_ACTIONS

INVERSE_TEMPERATURE = 25.0
INITIAL_VALUE = 1.0 / N_ACTIONS
CAPACITIES = (2, 3, 4, 5)
DEFAULT_CAPACITY = 3

_FLAT = Prior("beta", (1.1, 1.1))
LEARNING_RATE = Parameter("learning_rate", 0.0, 1.0, _FLAT, 0.1, "RL learning rate after a reward")
PERSEVERATION = Parameter(
    "perseveration", -1.0, 1.0, Prior("uniform"), 0.0, "bonus (kappa) added to the previous action's value"
)
WM_WEIGHT = Parameter("wm_weight", 0.0, 1.0, _FLAT, 0.9, "reliance (rho) on working memory within its capacity")
WM_FORGETTING = Parameter("wm_forgetting", 0.0, 1.0, _FLAT, 0.1, "per-trial decay (phi) of working memory to 1/3")
LAPSE = Parameter("lapse", 0.0, 1.0, _FLAT, 0.05, "probability (epsilon) of a uniformly random choice")
WM_LEARNING_RATE_NEGATIVE = Parameter(
    "wm_learning_rate_negative", 0.0, 1.0, _FLAT, 0.5, "working-memory learning rate after no reward (b_WM)"
)
RL_LEARNING_RATE_MULTIPLIER_NEGATIVE = Parameter(
    "rl_learning_rate_multiplier_negative", 0.0, 1.0, _FLAT, 0.5,
    "multiplier of the RL learning rate after no reward (b_RL)",
)
RL_TARGET_NEGATIVE = Parameter(
    "rl_target_negative", 0.0, 1.0, _FLAT, 0.0, "value the RL system learns towards after no reward (r0)"
)
NEGATIVE_LEARNING_BIAS = Parameter(
    "negative_learning_bias", 0.0, 1.0, _FLAT, 0.5,
    "scales both the WM learning rate and the RL learning rate after no reward (b_WM = b_RL)",
)

_BASE_PARAMETERS = (LEARNING_RATE, PERSEVERATION, WM_WEIGHT, WM_FORGETTING, LAPSE)


@pytree_dataclass
class RLWMLatent:
    """Values of the current block and what the next trial needs to know about it."""

    rl_values: Float[Array, "stimulus action"]
    wm_values: Float[Array, "stimulus action"]
    #: previous action in the block; -1 at a block's start (no perseveration bonus).
    previous_action: Int[Array, ""]
    #: block the values belong to; -1 before the first trial.
    block: Int[Array, ""]


def _fresh(block) -> RLWMLatent:
    return RLWMLatent(
        rl_values=jnp.full((MAX_SET_SIZE, N_ACTIONS), INITIAL_VALUE),
        wm_values=jnp.full((MAX_SET_SIZE, N_ACTIONS), INITIAL_VALUE),
        previous_action=jnp.int32(-1),
        block=jnp.asarray(block, jnp.int32),
    )


class RLWMModel(Model):
    """Collins (2024) RL + working-memory model (``rlwm``: no bias after no reward).

    Args:
        interact: whether the RL prediction is the WM-weighted mixture
            omega W + (1 - omega) Q, omega = w (False in all registered variants).

    Example:
        >>> model = RLWMModel()
        >>> model.parameter_names
        ('learning_rate', 'perseveration', 'wm_weight', 'wm_forgetting', 'lapse')
        >>> model.discrete_parameters
        {'capacity': (2, 3, 4, 5)}
    """

    name = "rlwm"
    description = "RL + capacity-limited decaying working memory, perseveration, lapse"
    reference = Reference(
        "Collins 2024, RL or not RL? (RLWM model family); Collins & Frank 2012, Eur J Neurosci 35:1024"
    )
    tasks = ("rlwm",)
    parameters = _BASE_PARAMETERS
    discrete_parameters = {"capacity": CAPACITIES}
    #: parameters the variant holds fixed (not free, not fitted).
    fixed: ClassVar[dict[str, float]] = {
        "wm_learning_rate_negative": 1.0,
        "rl_learning_rate_multiplier_negative": 1.0,
        "rl_target_negative": 0.0,
    }
    #: True: reward-driven RL; False: outcome-insensitive habit (target 1 whatever r).
    value: ClassVar[bool] = True

    def __init__(self, interact: bool = False):
        if not isinstance(interact, bool):
            raise CognaxError(f"interact must be True or False; got {interact!r}")
        self.interact = interact

    def _values(self, params):
        return {**params, **self.fixed}

    def _block_values(self, latent: RLWMLatent, obs) -> RLWMLatent:
        """The latent state for this trial's block: fresh when the block changed."""
        new_block = obs["block"] != latent.block
        fresh = _fresh(obs["block"])
        return jax.tree.map(lambda a, b: jnp.where(new_block, a, b), fresh, latent)

    def wm_weight(self, params, set_size) -> Float[Array, ""]:
        """w = wm_weight * min(1, capacity / set_size)."""
        capacity = params.get("capacity", DEFAULT_CAPACITY)
        return params["wm_weight"] * jnp.minimum(1.0, capacity / jnp.maximum(set_size, 1))

    latent_names = ("working_memory_weight", "rl_value_chosen", "wm_value_chosen", "rpe", "wm_prediction_error")

    def init_latent(self, params, n_actions):
        return _fresh(-1)

    def decision_latents(self, params, latent, obs, action, reward):
        p = self._values(params)
        latent = self._block_values(latent, obs)
        stimulus = obs["stimulus"]
        wm = self._decayed_wm(p, latent)
        return {
            "working_memory_weight": self.wm_weight(p, obs["set_size"]),
            "rl_value_chosen": latent.rl_values[stimulus, action],
            "wm_value_chosen": latent.wm_values[stimulus, action],
            "rpe": self._rl_prediction_error(p, latent, wm, obs, action, reward),
            "wm_prediction_error": reward - wm[stimulus, action],
        }

    def _decayed_wm(self, p, latent: RLWMLatent):
        return latent.wm_values + p["wm_forgetting"] * (INITIAL_VALUE - latent.wm_values)

    def _rl_prediction_error(self, p, latent: RLWMLatent, wm, obs, action, reward):
        """Target minus prediction of the RL (or habit) update (step 2 of the module docstring)."""
        stimulus = obs["stimulus"]
        mixing = self.wm_weight(p, obs["set_size"]) if self.interact else 0.0
        prediction = mixing * wm[stimulus, action] + (1.0 - mixing) * latent.rl_values[stimulus, action]
        target = jnp.where(reward > 0, 1.0, p["rl_target_negative"]) if self.value else 1.0
        return target - prediction

    normalized_policy = True

    def log_policy(self, params, latent, obs):
        p = self._values(params)
        latent = self._block_values(latent, obs)
        stimulus = obs["stimulus"]
        bias = p["perseveration"] * jax.nn.one_hot(latent.previous_action, N_ACTIONS, dtype=latent.rl_values.dtype)
        rl = jax.nn.softmax(INVERSE_TEMPERATURE * (latent.rl_values[stimulus] + bias))
        wm = jax.nn.softmax(INVERSE_TEMPERATURE * (latent.wm_values[stimulus] + bias))
        # Both systems share the lapse: pi = lapse / 3 + (1 - lapse) (w sm_WM + (1 - w) sm_RL).
        # In probabilities, not logs: values and bias span at most 3, so with beta = 25 no
        # probability falls below exp(-75), and a fit evaluates this ~10^9 times.
        weight = self.wm_weight(p, obs["set_size"])
        mixed = weight * wm + (1.0 - weight) * rl
        return jnp.log(p["lapse"] / N_ACTIONS + (1.0 - p["lapse"]) * mixed)

    def update(self, params, latent, obs, action, reward):
        p = self._values(params)
        latent = self._block_values(latent, obs)
        stimulus = obs["stimulus"]
        rewarded = reward > 0
        wm = self._decayed_wm(p, latent)
        rate = p["learning_rate"] * jnp.where(rewarded, 1.0, p["rl_learning_rate_multiplier_negative"])
        prediction_error = self._rl_prediction_error(p, latent, wm, obs, action, reward)
        rl = latent.rl_values.at[stimulus, action].add(rate * prediction_error)

        wm_rate = jnp.where(rewarded, 1.0, p["wm_learning_rate_negative"])
        wm = wm.at[stimulus, action].add(wm_rate * (reward - wm[stimulus, action]))
        return RLWMLatent(
            rl_values=rl, wm_values=wm, previous_action=jnp.asarray(action, jnp.int32), block=latent.block
        )


class RLWMTargetNegative(RLWMModel):
    """``rlwm`` with a free RL target after no reward (``rl_target_negative``, r0)."""

    name = "rlwm_r0"
    description = "rlwm with a free RL target after no reward"
    parameters = _BASE_PARAMETERS + (RL_TARGET_NEGATIVE,)
    fixed = {"wm_learning_rate_negative": 1.0, "rl_learning_rate_multiplier_negative": 1.0}


class RLWMNoNegativeRL(RLWMModel):
    """``rlwm`` whose RL ignores no-reward trials; free WM learning rate after them."""

    name = "rlwm_rl0"
    description = "rlwm with no RL learning after no reward and a free WM rate after no reward"
    parameters = _BASE_PARAMETERS + (WM_LEARNING_RATE_NEGATIVE,)
    fixed = {"rl_learning_rate_multiplier_negative": 0.0, "rl_target_negative": 0.0}


class RLWMSharedBias(RLWMModel):
    """``rlwm`` with one ``negative_learning_bias`` for both WM and RL after no reward."""

    name = "rlwm_shared_bias"
    description = "rlwm with one learning-rate bias after no reward shared by WM and RL"
    parameters = _BASE_PARAMETERS + (NEGATIVE_LEARNING_BIAS,)
    fixed = {"rl_target_negative": 0.0}

    def _values(self, params):
        bias = params["negative_learning_bias"]
        return {
            **params, **self.fixed, "wm_learning_rate_negative": bias, "rl_learning_rate_multiplier_negative": bias,
        }


class WorkingMemoryHabit(RLWMSharedBias):
    """Working memory + an outcome-insensitive habit learner (``wmh``).

    As ``rlwm_shared_bias``, but the slow system learns towards 1 for the chosen
    action whatever the outcome (it tracks choice frequency, not reward).
    """

    name = "wmh"
    description = "working memory + outcome-insensitive habit learner (rlwm_shared_bias with value = 0)"
    value = False
