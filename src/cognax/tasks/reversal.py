"""Probabilistic reversal learning: two options whose reward probabilities swap.

The good option pays 1 with probability ``p_high`` (default 0.8), the other with
``1 - p_high``. Which option is good is drawn at random at the start of an episode
and reverses from time to time, on one of three schedules:

``"criterion"`` (default)
    Performance-dependent, as in Cools et al. (2002). Once the subject has chosen
    the good option on ``criterion`` (default 10) consecutive trials, the options
    reverse after that trial and after each later one with probability
    ``delay_probability`` (default 0.25), so the extra delay is geometric on
    {0, 1, ...} with mean (1 - 0.25) / 0.25 = 3 trials; this keeps the moment of the
    reversal unpredictable, as the paper's 10 to 15 correct choices did. Errors
    during the delay do not reset it.
``"hazard"``
    The options reverse after each trial with probability ``hazard`` (default 0.05).
``"fixed"``
    The options reverse after every ``block_length`` (default 40) trials.

A choice is correct when it picks the good option, whatever its outcome. The
step's ``info`` holds ``correct_action`` (the good option on that trial) and
``reversal`` (true when the options reverse after that trial).

Reference: Cools R, Clark L, Owen AM, Robbins TW (2002). Defining the neural
mechanisms of probabilistic reversal learning using event-related functional
magnetic resonance imaging. J Neurosci 22(11):4563-4567.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import unknown_name
from cognax.tasks.base import Reference, Task, Timestep, check_count, check_probability

SCHEDULES = ("criterion", "hazard", "fixed")


@pytree_dataclass
class ReversalParams:
    """Reward probability and the numbers of the reversal schedules.

    ``criterion`` and ``delay_probability`` serve the ``"criterion"`` schedule,
    ``hazard`` the ``"hazard"`` one and ``block_length`` the ``"fixed"`` one.
    """

    p_high: float = 0.8
    criterion: int = 10
    delay_probability: float = 0.25
    hazard: float = 0.05
    block_length: int = 40


@pytree_dataclass
class ReversalState:
    trial: Int[Array, ""]
    good_option: Int[Array, ""]
    #: consecutive correct choices since the last error or reversal.
    correct_streak: Int[Array, ""]
    #: whether the criterion was met since the last reversal (the delay is running).
    criterion_met: Bool[Array, ""]


class Reversal(Task):
    """Two-option probabilistic reversal learning task.

    Args:
        schedule: ``"criterion"``, ``"hazard"`` or ``"fixed"`` (see the module docs).
        n_trials: trials per episode.
        p_high: reward probability of the good option; the other pays with 1 - p_high.
        criterion: consecutive correct choices needed before a reversal (``"criterion"``).
        delay_probability: per-trial reversal probability once the criterion is met.
        hazard: per-trial reversal probability (``"hazard"``).
        block_length: trials between reversals (``"fixed"``).

    The numbers are the defaults of :meth:`default_params`; pass other
    ``ReversalParams`` to ``reset``/``step`` to vmap or sweep them.

    Example:
        >>> task = Reversal(schedule="hazard", hazard=0.1)
        >>> params = task.default_params()
        >>> obs, state = task.reset(jax.random.key(0), params)
        >>> timestep = task.step(jax.random.key(1), state, state.good_option, params)
        >>> sorted(timestep.info)
        ['correct_action', 'reversal']
    """

    name = "reversal"
    description = "two-option probabilistic reversal learning (criterion, hazard or fixed reversals)"
    reference = Reference(
        "Cools, Clark, Owen & Robbins 2002, Defining the neural mechanisms of probabilistic "
        "reversal learning using event-related fMRI, J Neurosci 22:4563",
        "10.1523/JNEUROSCI.22-11-04563.2002",
    )

    def __init__(
        self,
        schedule: str = "criterion",
        n_trials: int = 200,
        p_high: float = 0.8,
        criterion: int = 10,
        delay_probability: float = 0.25,
        hazard: float = 0.05,
        block_length: int = 40,
    ):
        if not isinstance(schedule, str) or schedule not in SCHEDULES:
            raise unknown_name("schedule", str(schedule), SCHEDULES)
        self.schedule = schedule
        self.n_actions = 2
        self.n_trials = check_count("n_trials", n_trials)
        self._default_params = ReversalParams(
            p_high=check_probability("p_high", p_high),
            criterion=check_count("criterion", criterion),
            delay_probability=check_probability("delay_probability", delay_probability),
            hazard=check_probability("hazard", hazard),
            block_length=check_count("block_length", block_length),
        )

    def default_params(self) -> ReversalParams:
        return self._default_params

    def reset(self, key, params):
        state = ReversalState(
            trial=jnp.int32(0),
            good_option=jax.random.randint(key, (), 0, 2, dtype=jnp.int32),
            correct_streak=jnp.int32(0),
            criterion_met=jnp.bool_(False),
        )
        return {}, state

    def reverses(
        self, key: jax.Array, state: ReversalState, criterion_met: Bool[Array, ""], params: ReversalParams
    ) -> Bool[Array, ""]:
        """Whether the options reverse after the trial ``state.trial``."""
        if self.schedule == "criterion":
            return criterion_met & jax.random.bernoulli(key, params.delay_probability)
        if self.schedule == "hazard":
            return jax.random.bernoulli(key, params.hazard)
        return (state.trial + 1) % params.block_length == 0

    def step(self, key, state, action, params):
        reward_key, reversal_key = jax.random.split(key)
        correct = action == state.good_option
        reward_probability = jnp.where(correct, params.p_high, 1.0 - params.p_high)
        reward = jax.random.bernoulli(reward_key, reward_probability).astype(jnp.float32)

        correct_streak = jnp.where(correct, state.correct_streak + 1, 0)
        criterion_met = state.criterion_met | (correct_streak >= params.criterion)
        reversal = self.reverses(reversal_key, state, criterion_met, params)
        trial = state.trial + 1
        next_state = state.replace(
            trial=trial,
            good_option=jnp.where(reversal, 1 - state.good_option, state.good_option),
            correct_streak=jnp.where(reversal, 0, correct_streak).astype(jnp.int32),
            criterion_met=criterion_met & ~reversal,
        )
        return Timestep(
            obs={},
            state=next_state,
            reward=reward,
            terminated=trial >= self.n_trials,
            truncated=jnp.bool_(False),
            info={"correct_action": state.good_option, "reversal": reversal},
        )

    def __repr__(self) -> str:
        return f"Reversal(schedule={self.schedule!r}, n_trials={self.n_trials})"
