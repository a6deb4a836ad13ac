"""Orthogonalised go/no-go task (Guitart-Masip et al. 2012).

Four cues cross action (go / no-go) with valence (win / avoid loss):

====  ======================  ==============  =================================
cue   condition               correct action  outcomes
====  ======================  ==============  =================================
0     go to win               1 (go)          +1 or 0
1     go to avoid losing      1 (go)          0 or -1
2     no-go to win            0 (no-go)       +1 or 0
3     no-go to avoid losing   0 (no-go)       0 or -1
====  ======================  ==============  =================================

Feedback is probabilistic: the correct action earns the better outcome (+1 for win
cues, 0 for avoid-loss cues) with probability ``feedback_validity`` (0.8), the
incorrect action with probability ``1 - feedback_validity``; otherwise the worse
outcome (0 for win cues, -1 for avoid-loss cues). An episode shows each cue
``trials_per_cue`` times (60, so 240 trials) in an order drawn afresh at reset (a
random permutation of the balanced cue list).

Reference: Guitart-Masip M, Huys QJM, Fuentemilla L, Dayan P, Duzel E, Dolan RJ
(2012). Go and no-go learning in reward and punishment: interactions between affect
and effect. NeuroImage 62(1):154-166.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Int

from cognax._pytree import pytree_dataclass
from cognax.tasks.base import Reference, Task, Timestep, check_count, check_probability

N_CUES = 4
GO = 1


@pytree_dataclass
class GoNoGoParams:
    feedback_validity: float = 0.8


@pytree_dataclass
class GoNoGoState:
    trial: Int[Array, ""]
    cues: Int[Array, "trial"]


def correct_action(cue: Int[Array, "..."]) -> Int[Array, "..."]:
    """Go (1) for cues 0 and 1, no-go (0) for cues 2 and 3."""
    return jnp.where(cue < 2, GO, 1 - GO).astype(jnp.int32)


def is_win_cue(cue: Int[Array, "..."]) -> Array:
    """Cues 0 and 2 are played for wins, 1 and 3 to avoid losses."""
    return cue % 2 == 0


class GoNoGo(Task):
    """Orthogonalised go/no-go task: action (go/no-go) crossed with valence (win/avoid loss).

    Actions: 0 = no-go, 1 = go. Observation: ``cue`` in 0..3.

    Args:
        trials_per_cue: presentations of each of the 4 cues per episode.
        feedback_validity: probability that the correct action gets the better outcome.

    Example:
        >>> import jax
        >>> task = GoNoGo(trials_per_cue=60)
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
        >>> task.n_trials
        240
    """

    name = "go_nogo"
    description = "orthogonalised go/no-go: go/no-go crossed with win/avoid-loss, 80% valid feedback"
    reference = Reference(
        "Guitart-Masip, Huys, Fuentemilla, Dayan, Duzel & Dolan 2012, Go and no-go learning in "
        "reward and punishment: interactions between affect and effect, NeuroImage 62:154",
        "10.1016/j.neuroimage.2012.04.024",
    )
    obs_sizes = {"cue": N_CUES}

    def __init__(self, trials_per_cue: int = 60, feedback_validity: float = GoNoGoParams.feedback_validity):
        self.trials_per_cue = check_count("trials_per_cue", trials_per_cue)
        self.n_actions = 2
        self.n_trials = N_CUES * self.trials_per_cue
        feedback_validity = check_probability("feedback_validity", feedback_validity)
        self._default_params = GoNoGoParams(feedback_validity=feedback_validity)

    @property
    def reward_range(self) -> tuple[float, float]:
        return (-1.0, 1.0)

    def default_params(self) -> GoNoGoParams:
        return self._default_params

    def reset(self, key, params):
        balanced = jnp.repeat(jnp.arange(N_CUES, dtype=jnp.int32), self.trials_per_cue)
        cues = jax.random.permutation(key, balanced)
        return {"cue": cues[0]}, GoNoGoState(trial=jnp.int32(0), cues=cues)

    def step(self, key, state, action, params):
        cue = state.cues[state.trial]
        correct = correct_action(cue)
        valid = jax.random.bernoulli(key, params.feedback_validity)
        # Better outcome: correct action with valid feedback, or incorrect with invalid.
        better = (action == correct) == valid
        reward = jnp.where(is_win_cue(cue), jnp.where(better, 1.0, 0.0), jnp.where(better, 0.0, -1.0))
        trial = state.trial + 1
        return Timestep(
            # After the last trial the observation repeats the last cue; it is never acted on.
            obs={"cue": state.cues[jnp.minimum(trial, self.n_trials - 1)]},
            state=state.replace(trial=trial),
            reward=reward.astype(jnp.float32),
            terminated=trial >= self.n_trials,
            truncated=jnp.bool_(False),
            info={"correct_action": correct},
        )
