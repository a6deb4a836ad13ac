"""Two-step task (Daw et al. 2011) and its meta-RL variants (Wang et al. 2016, 2018).

Each trial has two decisions. At the first stage (observation ``stage=0, state=0``)
the subject picks action a in {0, 1}. It leads to second-stage state a with
probability ``common_prob`` (a *common* transition) and to the other state otherwise
(a *rare* one); by convention action a commonly leads to state a. At the second
stage (observation ``stage=1, state=s``) the subject picks action b, which pays 1
with probability ``p[s, b]``, else 0. The first-stage decision earns 0.

The variants differ in how the four reward probabilities ``p[s, b]`` evolve:

- ``two_step`` (Daw et al. 2011): each starts at U[0.25, 0.75] and, after every
  trial, takes a Gaussian step (SD 0.025) reflected at 0.25 and 0.75.
- ``two_step_wang2016``: one second-stage state is rich (both its actions pay 0.9),
  the other poor (0.1); which one is drawn at reset and kept for the episode. The
  common transition has probability 0.75.
- ``two_step_wang2018``: as ``two_step_wang2016`` with a common transition of 0.8,
  and the rich and poor states swap with probability 0.025 after every trial.

In the trial table a trial is one row: ``choice`` (first-stage action), ``choice2``
(second-stage action), ``state`` (second-stage state), ``common``, ``reward`` and the
hidden ``p_{s}_{b}`` in effect on that trial.

References:
    Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011). Model-based influences
    on humans' choices and striatal prediction errors. Neuron 69(6):1204-1215.

    Wang JX, Kurth-Nelson Z, Tirumala D, et al. (2016). Learning to reinforcement
    learn. arXiv:1611.05763.

    Wang JX, Kurth-Nelson Z, Kumaran D, et al. (2018). Prefrontal cortex as a
    meta-reinforcement learning system. Nat Neurosci 21:860-868.
"""

from __future__ import annotations

import abc
import math

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.schema import Column
from cognax.tasks.base import Obs, Reference, Task, Timestep, check_count, check_probability

N_STATES = 2
N_ACTIONS = 2


@pytree_dataclass
class TwoStepParams:
    common_prob: float = 0.7
    drift_sd: float = 0.025
    p_low: float = 0.25
    p_high: float = 0.75


@pytree_dataclass
class TwoStepWang2016Params:
    common_prob: float = 0.75
    rich_prob: float = 0.9
    poor_prob: float = 0.1


@pytree_dataclass
class TwoStepWang2018Params:
    common_prob: float = 0.8
    rich_prob: float = 0.9
    poor_prob: float = 0.1
    reversal_prob: float = 0.025


@pytree_dataclass
class TwoStepState:
    trial: Int[Array, ""]
    #: 0 before the first-stage decision, 1 before the second-stage one.
    stage: Int[Array, ""]
    #: second-stage state reached on this trial (meaningful when ``stage == 1``).
    second_state: Int[Array, ""]
    #: reward probability of each (second-stage state, action) on every trial of the
    #: episode, drawn at reset (the drift does not depend on the subject's actions).
    p: Float[Array, "trial state action"]


def _obs(stage, state) -> Obs:
    return {"stage": jnp.asarray(stage, jnp.int32), "state": jnp.asarray(state, jnp.int32)}


def _interleave(first: Array, second: Array) -> Array:
    """[..., trial] and [..., trial] -> [..., 2 * trial], alternating first and second."""
    return jnp.stack([first, second], axis=-1).reshape(*jnp.shape(first)[:-1], -1)


def reflect(x: Array, low, high) -> Array:
    """Fold ``x`` back into [low, high] by reflecting at the bounds (any number of times)."""
    width = high - low
    # Reflection is periodic with period 2 * width: map into one period, then fold.
    phase = jnp.mod(x - low, 2 * jnp.where(width > 0, width, 1.0))
    return jnp.where(width > 0, low + width - jnp.abs(width - phase), low)


class _TwoStepBase(Task):
    """The two-stage structure shared by all variants; subclasses say how ``p`` evolves."""

    decisions_per_trial = 2
    obs_sizes = {"stage": 2, "state": N_STATES}

    def __init__(self, n_trials: int):
        self.n_actions = N_ACTIONS
        self.n_trials = check_count("n_trials", n_trials)

    def default_params(self):
        return self._default_params

    @abc.abstractmethod
    def probability_trajectory(self, key: jax.Array, params) -> Float[Array, "trial state action"]:
        """The reward probabilities of every trial of an episode.

        They evolve independently of the subject's actions, so the whole trajectory is
        drawn at reset in one vectorised call; a step only looks its trial up.
        """

    def reset(self, key, params):
        state = TwoStepState(
            trial=jnp.int32(0),
            stage=jnp.int32(0),
            second_state=jnp.int32(0),
            p=self.probability_trajectory(key, params),
        )
        return _obs(0, 0), state

    def step(self, key, state, action, params):
        # One draw of uniforms per step: the transition and the reward.
        uniforms = jax.random.uniform(key, (2,))
        action = jnp.asarray(action, jnp.int32)
        first_stage = state.stage == 0
        p = state.p[jnp.minimum(state.trial, self.n_trials - 1)]

        # Both stages are computed and one is selected: a branch-free step vmaps cheaply.
        common = uniforms[0] < params.common_prob
        reached = jnp.where(common, action, 1 - action).astype(jnp.int32)
        paid = uniforms[1] < p[state.second_state, action]

        trial = state.trial + jnp.where(first_stage, 0, 1).astype(jnp.int32)
        new_state = state.replace(
            trial=trial,
            stage=1 - state.stage,
            second_state=jnp.where(first_stage, reached, state.second_state),
        )
        info = {f"p_{s}_{b}": p[s, b] for s in range(N_STATES) for b in range(N_ACTIONS)}
        return Timestep(
            obs=_obs(1 - state.stage, jnp.where(first_stage, reached, 0)),
            state=new_state,
            reward=(paid & ~first_stage).astype(jnp.float32),
            terminated=~first_stage & (trial >= self.n_trials),
            truncated=jnp.bool_(False),
            info=info,
        )

    # ----------------------------------------------------------------- the trial table
    def extra_columns(self) -> tuple[Column, ...]:
        return (
            Column("choice2", "int", 0, N_ACTIONS, description="second-stage action (0-based)"),
            Column("state", "int", 0, N_STATES, description="second-stage state reached (0-based)"),
            # Derivable from choice and state (action a commonly leads to state a).
            Column("common", "bool", required=False, description="whether the transition was the common one"),
        )

    def trial_columns(self, obs, actions, rewards, infos):
        """Two decisions per trial -> one row per trial.

        The first-stage decision gives ``choice``; the second-stage decision gives
        ``choice2``, ``state`` (its observation) and ``reward``.
        """

        def by_stage(x):  # [..., decision] -> [..., trial, stage]
            x = jnp.asarray(x)
            return x.reshape(*x.shape[:-1], self.n_trials, self.decisions_per_trial)

        choice = by_stage(actions)[..., 0]
        state = by_stage(obs["state"])[..., 1]
        columns = {
            "choice": choice,
            "choice2": by_stage(actions)[..., 1],
            "state": state,
            "common": choice == state,
            "reward": by_stage(rewards)[..., 1],
        }
        # The hidden probabilities are the same at both decisions of a trial.
        columns.update({name: by_stage(values)[..., 1] for name, values in infos.items()})
        return columns

    def decisions(self, columns):
        """One row per trial -> two decisions per trial.

        Decision 2t is the first stage of trial t (obs ``stage=0, state=0``, action
        ``choice``, reward 0); decision 2t+1 is its second stage (obs ``stage=1,
        state=state``, action ``choice2``, reward ``reward``).
        """
        choice = jnp.asarray(columns["choice"]).astype(jnp.int32)
        choice2 = jnp.asarray(columns["choice2"]).astype(jnp.int32)
        state = jnp.asarray(columns["state"]).astype(jnp.int32)
        reward = jnp.asarray(columns["reward"])
        obs = {
            "stage": _interleave(jnp.zeros_like(state), jnp.ones_like(state)),
            "state": _interleave(jnp.zeros_like(state), state),
        }
        return obs, _interleave(choice, choice2), _interleave(jnp.zeros_like(reward), reward)


class TwoStep(_TwoStepBase):
    """Daw et al. (2011) two-step task with drifting reward probabilities.

    Args:
        n_trials: trials per episode (two decisions each); 201 as in the paper.
        common_prob: probability that first-stage action a leads to state a.
        drift_sd: SD of the Gaussian step each reward probability takes per trial.
        p_low, p_high: reflecting bounds of the reward probabilities (also the range
            of their uniform initial values).

    Example:
        >>> import jax
        >>> task = TwoStep(n_trials=201)
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
        >>> int(obs["stage"]), int(obs["state"])
        (0, 0)
    """

    name = "two_step"
    description = "two-step task: common/rare transitions, drifting second-stage reward probabilities"
    reference = Reference(
        "Daw, Gershman, Seymour, Dayan & Dolan 2011, Model-based influences on humans' choices "
        "and striatal prediction errors, Neuron 69:1204",
        "10.1016/j.neuron.2011.02.027",
    )

    def __init__(
        self,
        n_trials: int = 201,
        common_prob: float = TwoStepParams.common_prob,
        drift_sd: float = TwoStepParams.drift_sd,
        p_low: float = TwoStepParams.p_low,
        p_high: float = TwoStepParams.p_high,
    ):
        super().__init__(n_trials)
        p_low = check_probability("p_low", p_low)
        p_high = check_probability("p_high", p_high)
        if p_low > p_high:
            raise CognaxError(f"p_low must be <= p_high; got p_low={p_low!r}, p_high={p_high!r}")
        if isinstance(drift_sd, bool) or not isinstance(drift_sd, (int, float)) or not (
            math.isfinite(drift_sd) and drift_sd >= 0
        ):
            raise CognaxError(f"drift_sd must be a finite number >= 0; got {drift_sd!r}")
        self._default_params = TwoStepParams(
            common_prob=check_probability("common_prob", common_prob),
            drift_sd=float(drift_sd),
            p_low=p_low,
            p_high=p_high,
        )

    def probability_trajectory(self, key, params):
        # A Gaussian walk reflected at both bounds has the law of the free walk folded
        # into [p_low, p_high] (reflection is a symmetry of the Gaussian step), so the
        # trajectory is a cumulative sum folded once.
        start_key, step_key = jax.random.split(key)
        start = jax.random.uniform(start_key, (N_STATES, N_ACTIONS), minval=params.p_low, maxval=params.p_high)
        steps = params.drift_sd * jax.random.normal(step_key, (self.n_trials - 1, N_STATES, N_ACTIONS), start.dtype)
        free = start + jnp.concatenate([jnp.zeros((1, N_STATES, N_ACTIONS), start.dtype), jnp.cumsum(steps, axis=0)])
        return reflect(free, params.p_low, params.p_high)


class TwoStepWang2016(_TwoStepBase):
    """Two-step task with one rich and one poor second-stage state (Wang et al. 2016).

    Both actions in the rich state pay ``rich_prob``, both in the poor state
    ``poor_prob``; which state is rich is drawn uniformly at reset and kept.

    Args:
        n_trials: trials per episode (two decisions each); 100 by default.
        common_prob: probability that first-stage action a leads to state a.
        rich_prob, poor_prob: reward probability in the rich and the poor state.

    Example:
        >>> import jax
        >>> task = TwoStepWang2016()
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
    """

    name = "two_step_wang2016"
    description = "two-step task, one rich (0.9) and one poor (0.1) second-stage state per episode"
    reference = Reference("Wang et al. 2016, Learning to reinforcement learn (two-step task)", "arXiv:1611.05763")

    def __init__(
        self,
        n_trials: int = 100,
        common_prob: float = TwoStepWang2016Params.common_prob,
        rich_prob: float = TwoStepWang2016Params.rich_prob,
        poor_prob: float = TwoStepWang2016Params.poor_prob,
    ):
        super().__init__(n_trials)
        self._default_params = TwoStepWang2016Params(
            common_prob=check_probability("common_prob", common_prob),
            rich_prob=check_probability("rich_prob", rich_prob),
            poor_prob=check_probability("poor_prob", poor_prob),
        )

    def rich_state_trajectory(self, key, params) -> Int[Array, "trial"]:
        """The rich second-stage state on every trial: drawn once, kept for the episode."""
        return jnp.full((self.n_trials,), jax.random.randint(key, (), 0, N_STATES))

    def probability_trajectory(self, key, params):
        rich = self.rich_state_trajectory(key, params)
        is_rich = (jnp.arange(N_STATES)[None, :] == rich[:, None])[:, :, None]
        p = jnp.where(is_rich, params.rich_prob, params.poor_prob)
        return jnp.broadcast_to(p, (self.n_trials, N_STATES, N_ACTIONS)).astype(float)


class TwoStepWang2018(TwoStepWang2016):
    """Two-step task whose rich and poor states swap at random (Wang et al. 2018).

    As :class:`TwoStepWang2016`; in addition, after every trial the rich and poor
    states swap with probability ``reversal_prob``.

    Args:
        n_trials: trials per episode (two decisions each); 100 by default.
        common_prob: probability that first-stage action a leads to state a.
        rich_prob, poor_prob: reward probability in the rich and the poor state.
        reversal_prob: per-trial probability that the rich and poor states swap.

    Example:
        >>> import jax
        >>> task = TwoStepWang2018()
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
    """

    name = "two_step_wang2018"
    description = "two-step task, rich (0.9) and poor (0.1) second-stage states that swap w.p. 0.025 per trial"
    reference = Reference(
        "Wang et al. 2018, Prefrontal cortex as a meta-reinforcement learning system, Nat Neurosci 21:860",
        "10.1038/s41593-018-0147-8",
    )

    def __init__(
        self,
        n_trials: int = 100,
        common_prob: float = TwoStepWang2018Params.common_prob,
        rich_prob: float = TwoStepWang2018Params.rich_prob,
        poor_prob: float = TwoStepWang2018Params.poor_prob,
        reversal_prob: float = TwoStepWang2018Params.reversal_prob,
    ):
        super().__init__(n_trials, common_prob, rich_prob, poor_prob)
        self._default_params = TwoStepWang2018Params(
            common_prob=self._default_params.common_prob,
            rich_prob=self._default_params.rich_prob,
            poor_prob=self._default_params.poor_prob,
            reversal_prob=check_probability("reversal_prob", reversal_prob),
        )

    def rich_state_trajectory(self, key, params):
        # The rich state swaps after a trial with probability reversal_prob.
        start_key, swap_key = jax.random.split(key)
        swaps = jax.random.bernoulli(swap_key, params.reversal_prob, (self.n_trials - 1,)).astype(jnp.int32)
        parity = jnp.concatenate([jnp.zeros((1,), jnp.int32), jnp.cumsum(swaps)]) % 2
        return (jax.random.randint(start_key, (), 0, N_STATES) + parity) % N_STATES
