"""Harlow's learning-to-learn task, abstract form (Harlow 1949; Wang et al. 2018).

Each episode shows two stimuli never seen together before, drawn from a large pool;
one of them is rewarded for the whole episode. On every trial the two stimuli appear
at random left/right positions and the subject picks a side (action 0: left, 1: right);
it earns 1 if it picked the rewarded stimulus, else 0. A subject that has "learned to
learn" is at chance on trial 1 and nearly always right from trial 2 on (one-shot
learning), whatever the stimuli.

Stimuli are integer ids (observation fields ``left`` and ``right``); for networks each
id stands for a fixed random vector (``stimulus_dim`` features uniform in [0, 1], drawn once from
``stimulus_seed``), so that :meth:`Harlow.encode_obs` gives the two vectors side by side
instead of a one-hot code over the whole pool. The step's ``info`` holds
``correct_action`` (the side of the rewarded stimulus) and ``rewarded_stimulus``.

References:
    Harlow HF (1949). The formation of learning sets. Psychol Rev 56(1):51-65.

    Wang JX, Kurth-Nelson Z, Kumaran D, et al. (2018). Prefrontal cortex as a
    meta-reinforcement learning system. Nat Neurosci 21:860-868.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Int

from cognax._pytree import pytree_dataclass
from cognax.schema import Column
from cognax.tasks.base import Reference, Task, Timestep, check_count


@pytree_dataclass
class HarlowParams:
    """Reward for picking the rewarded stimulus (the other pays 0)."""

    reward_value: float = 1.0


@pytree_dataclass
class HarlowState:
    trial: Int[Array, ""]
    #: the episode's two stimulus ids; the first is the rewarded one.
    stimuli: Int[Array, "2"]
    #: per trial: whether the rewarded stimulus is on the right.
    rewarded_right: Bool[Array, "trial"]


class Harlow(Task):
    """Two new stimuli per episode, one rewarded, sides shuffled every trial.

    Args:
        n_trials: trials per episode (6 in Wang et al. 2018).
        n_stimuli: size of the stimulus pool (two distinct ones are drawn per episode).
        stimulus_dim: features of each stimulus vector seen by networks.
        stimulus_seed: seed of the fixed stimulus vectors.

    Example:
        >>> task = Harlow()
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
        >>> task.encode_obs(obs).shape
        (16,)
    """

    name = "harlow"
    description = "Harlow learning-to-learn: two new stimuli per episode, one rewarded, random sides"
    reference = Reference(
        "Harlow 1949, The formation of learning sets, Psychol Rev 56:51; abstract form of Wang et al. 2018, "
        "Prefrontal cortex as a meta-reinforcement learning system, Nat Neurosci 21:860",
        "10.1038/s41593-018-0147-8",
    )

    def __init__(self, n_trials: int = 6, n_stimuli: int = 1000, stimulus_dim: int = 8, stimulus_seed: int = 0):
        self.n_actions = 2
        self.n_trials = check_count("n_trials", n_trials)
        self.n_stimuli = check_count("n_stimuli", n_stimuli, minimum=2)
        self.stimulus_dim = check_count("stimulus_dim", stimulus_dim)
        self.stimulus_seed = check_count("stimulus_seed", stimulus_seed, minimum=0)
        self.obs_sizes = {"left": self.n_stimuli, "right": self.n_stimuli}

    def default_params(self) -> HarlowParams:
        return HarlowParams()

    def stimulus_vectors(self) -> jax.Array:
        """The fixed ``[n_stimuli, stimulus_dim]`` feature vectors, uniform in [0, 1]."""
        rng = np.random.default_rng(self.stimulus_seed)
        return jnp.asarray(rng.uniform(size=(self.n_stimuli, self.stimulus_dim)), dtype=jnp.float32)

    def reset(self, key, params):
        pair_key, side_key = jax.random.split(key)
        first = jax.random.randint(pair_key, (), 0, self.n_stimuli)
        # A second, different stimulus: an offset in [1, n_stimuli) from the first.
        offset = jax.random.randint(jax.random.fold_in(pair_key, 1), (), 1, self.n_stimuli)
        stimuli = jnp.stack([first, (first + offset) % self.n_stimuli]).astype(jnp.int32)
        state = HarlowState(
            trial=jnp.int32(0),
            stimuli=stimuli,
            rewarded_right=jax.random.bernoulli(side_key, 0.5, (self.n_trials,)),
        )
        return self._obs(state), state

    def _obs(self, state: HarlowState):
        right_is_rewarded = state.rewarded_right[jnp.minimum(state.trial, self.n_trials - 1)]
        rewarded, other = state.stimuli[0], state.stimuli[1]
        return {
            "left": jnp.where(right_is_rewarded, other, rewarded).astype(jnp.int32),
            "right": jnp.where(right_is_rewarded, rewarded, other).astype(jnp.int32),
        }

    def step(self, key, state, action, params):
        correct = state.rewarded_right[jnp.minimum(state.trial, self.n_trials - 1)].astype(jnp.int32)
        reward = jnp.where(action == correct, params.reward_value, 0.0).astype(jnp.float32)
        next_state = state.replace(trial=state.trial + 1)
        return Timestep(
            obs=self._obs(next_state),
            state=next_state,
            reward=reward,
            terminated=next_state.trial >= self.n_trials,
            truncated=jnp.bool_(False),
            info={"correct_action": correct, "rewarded_stimulus": state.stimuli[0]},
        )

    # ----------------------------------------------------------------- networks and tables
    @property
    def obs_dim(self) -> int:
        return 2 * self.stimulus_dim

    def encode_obs(self, obs):
        """The left and the right stimulus vectors, concatenated."""
        vectors = self.stimulus_vectors()
        return jnp.concatenate([vectors[obs["left"]], vectors[obs["right"]]])

    def extra_columns(self) -> tuple[Column, ...]:
        return (
            Column("left", "int", 0, self.n_stimuli, description="stimulus shown on the left"),
            Column("right", "int", 0, self.n_stimuli, description="stimulus shown on the right"),
        )

    def __repr__(self) -> str:
        return f"Harlow(n_trials={self.n_trials}, n_stimuli={self.n_stimuli})"
