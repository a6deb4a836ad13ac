"""Pavlovian (classical) conditioning in time steps: a cue, then a reward after a fixed delay.

Each trial lasts ``n_steps`` time steps. A cue (conditioned stimulus) appears at step
``cue_step``; a reward of ``reward_size`` follows ``reward_delay`` steps after the cue,
with probability ``reward_probability`` (1: every trial; below 1: partial
reinforcement, Fiorillo et al. 2003). Nothing the subject does changes what happens:
there is a single action ("wait"), and each time step is one decision, so that
learners of the temporal-difference family see the trial unfold step by step.

Observation: ``time_step`` (0 .. n_steps - 1) within the trial; with the cue at a fixed
step this is all a learner needs to build a tapped-delay-line (complete serial
compound) representation (:func:`cognax.signatures.td.complete_serial_compound`).

Trial-table columns: ``choice`` (always 0) and ``reward`` (the reward of the trial:
``reward_size`` or 0); :meth:`Pavlovian.decisions` rebuilds the step-by-step sequence
from them.

References: Schultz W, Dayan P, Montague PR (1997). A neural substrate of prediction and
reward. Science 275:1593-1599. Fiorillo CD, Tobler PN, Schultz W (2003). Discrete coding
of reward probability and uncertainty by dopamine neurons. Science 299:1898-1902.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.schema import Column
from cognax.tasks.base import Reference, Task, Timestep, check_count


@pytree_dataclass
class PavlovianParams:
    reward_probability: float = 1.0


@pytree_dataclass
class PavlovianState:
    decision: Int[Array, ""]


class Pavlovian(Task):
    """Cue -> delayed reward conditioning, one decision per time step.

    Args:
        n_trials: conditioning trials per episode.
        n_steps: time steps per trial (40).
        cue_step: step of cue onset (9).
        reward_delay: steps from cue to reward (10).
        reward_size: reward delivered on a rewarded trial (10).

    Example:
        >>> task = Pavlovian(n_trials=5)
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
        >>> int(obs["time_step"]), task.n_decisions
        (0, 200)
    """

    name = "pavlovian"
    description = "Pavlovian conditioning in time steps: cue, reward after a fixed delay (p = reward_probability)"
    reference = Reference(
        "Schultz, Dayan & Montague 1997, A neural substrate of prediction and reward, Science 275:1593",
        "10.1126/science.275.5306.1593",
    )

    def __init__(
        self, n_trials: int = 200, n_steps: int = 40, cue_step: int = 9, reward_delay: int = 10,
        reward_size: float = 10.0,
    ):
        self.n_trials = check_count("n_trials", n_trials)
        self.n_steps = check_count("n_steps", n_steps, minimum=2)
        self.cue_step = check_count("cue_step", cue_step, minimum=0)
        self.reward_delay = check_count("reward_delay", reward_delay)
        if self.cue_step + self.reward_delay >= self.n_steps:
            raise CognaxError(
                f"cue_step + reward_delay must be < n_steps ({n_steps}); got {cue_step} + {reward_delay}"
            )
        try:
            self.reward_size = float(reward_size)
        except (TypeError, ValueError):
            raise CognaxError(f"reward_size must be a positive number; got {reward_size!r}") from None
        if not 0.0 < self.reward_size < float("inf"):
            raise CognaxError(f"reward_size must be a positive number; got {reward_size!r}")
        self.n_actions = 1
        self.obs_sizes = {"time_step": self.n_steps}
        self.decisions_per_trial = self.n_steps

    @property
    def reward_step(self) -> int:
        """Time step of the reward within a trial."""
        return self.cue_step + self.reward_delay

    @property
    def reward_range(self) -> tuple[float, float]:
        return (0.0, self.reward_size)

    def default_params(self) -> PavlovianParams:
        return PavlovianParams()

    def reset(self, key, params):
        return {"time_step": jnp.int32(0)}, PavlovianState(decision=jnp.int32(0))

    def step(self, key, state, action, params):
        time_step = state.decision % self.n_steps
        # One uniform draw per step, kept in ``info``: with the same key, episodes at
        # different reward probabilities share their draws (common random numbers).
        draw = jax.random.uniform(key)
        rewarded = draw < params.reward_probability
        at_reward = time_step == self.reward_step
        reward = jnp.where(at_reward & rewarded, self.reward_size, 0.0).astype(jnp.float32)
        decision = state.decision + 1
        return Timestep(
            obs={"time_step": (decision % self.n_steps).astype(jnp.int32)},
            state=state.replace(decision=decision),
            reward=reward,
            terminated=decision >= self.n_decisions,
            truncated=jnp.bool_(False),
            info={"reward_draw": draw},
        )

    # ----------------------------------------------------------------- the trial table
    def extra_columns(self) -> tuple[Column, ...]:
        return ()

    def trial_columns(self, obs, actions, rewards, infos):
        per_trial = rewards.reshape(rewards.shape[:-1] + (self.n_trials, self.n_steps))
        choices = actions.reshape(per_trial.shape)[..., 0]
        return {"choice": choices, "reward": per_trial.sum(-1)}

    def decisions(self, columns):
        reward = jnp.asarray(columns["reward"])
        steps = jnp.arange(self.n_steps)
        per_step = jnp.where(steps == self.reward_step, reward[..., None], 0.0)
        rewards = per_step.reshape(reward.shape[:-1] + (-1,))
        time_step = jnp.broadcast_to(steps, reward.shape + (self.n_steps,)).reshape(rewards.shape)
        choice = jnp.asarray(columns["choice"]).astype(jnp.int32)
        actions = jnp.repeat(choice, self.n_steps, axis=-1)
        return {"time_step": time_step.astype(jnp.int32)}, actions, rewards
