"""Reinforcement learning and working memory task (Collins & Frank 2012).

An episode is a sequence of blocks. In a block of set size ns, ns new stimuli
(numbered 0..ns-1 within the block) each get a correct action drawn uniformly and
independently from the 3 actions, fixed for the block. Each stimulus is shown
``repetitions`` times, in a random order (a random permutation of the balanced list
of ns x repetitions presentations). The correct action pays 1, any other action 0;
with ``reward_prob`` < 1 the correct action pays 1 with probability
``reward_prob`` and the others with probability ``1 - reward_prob``.

The blocks' set sizes are ``set_sizes`` (default 2, 3, 4, 5, 6, one block each),
played in an order shuffled afresh at every reset. The paper showed each stimulus
9 to 15 times; here ``repetitions`` is one number so that the episode length,
``sum(set_sizes) * repetitions``, is static. The whole schedule is drawn at reset.

Observation: ``stimulus`` (0-based, within the block), ``set_size`` and ``block``
(0-based block index within the episode, so that models can reset per block).
``info``: ``correct_action`` and ``iteration`` (how many times the stimulus has been
shown in the block, counting this trial, so 1-based).

Reference: Collins AGE, Frank MJ (2012). How much of reinforcement learning is
working memory, not reinforcement learning? A behavioral, computational, and
neurogenetic analysis. Eur J Neurosci 35(7):1024-1035.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jaxtyping import Array, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.schema import Column
from cognax.tasks.base import Reference, Task, Timestep, check_count, check_probability

MAX_SET_SIZE = 6
N_ACTIONS = 3


@pytree_dataclass
class RLWMParams:
    reward_prob: float = 1.0


@pytree_dataclass
class RLWMState:
    """The episode's schedule, one entry per trial, and the current trial."""

    trial: Int[Array, ""]
    stimulus: Int[Array, "trial"]
    set_size: Int[Array, "trial"]
    block: Int[Array, "trial"]
    correct_action: Int[Array, "trial"]
    iteration: Int[Array, "trial"]


def check_set_sizes(set_sizes) -> tuple[int, ...]:
    """Validate the blocks' set sizes given by the user."""
    allowed = f"a non-empty sequence of integers in [1, {MAX_SET_SIZE}]"
    if isinstance(set_sizes, (str, bytes)) or not hasattr(set_sizes, "__len__") or len(set_sizes) == 0:
        raise CognaxError(f"set_sizes must be {allowed}; got {set_sizes!r}")
    for index, size in enumerate(set_sizes):
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SET_SIZE:
            raise CognaxError(f"set_sizes must be {allowed}; set_sizes[{index}] is {size!r}")
    return tuple(int(size) for size in set_sizes)


@functools.partial(jax.jit, static_argnames=("set_sizes", "repetitions"))
def draw_schedule(key: jax.Array, set_sizes: tuple[int, ...], repetitions: int) -> dict[str, Int[Array, "trial"]]:
    """Draw an RLWM episode: per trial, its stimulus, set size, block, correct action and iteration.

    Jitted as a whole because it is many small operations (one compile, not one per op
    when called outside ``jit``); blocks come in a random order of ``set_sizes``.
    """
    n_blocks = len(set_sizes)
    n_trials = sum(set_sizes) * repetitions
    longest = max(set_sizes) * repetitions
    # One draw for the whole schedule: every random call adds compile time.
    uniforms = jax.random.uniform(key, (n_blocks, 1 + longest + MAX_SET_SIZE))
    order_keys, sort_keys, action_keys = jnp.split(uniforms, [1, 1 + longest], axis=1)

    # One row per block of the episode, in the shuffled order, padded to ``longest``.
    block_order = jnp.argsort(order_keys[:, 0])
    set_size = jnp.asarray(set_sizes, jnp.int32)[block_order]
    length = set_size * repetitions
    in_block = jnp.arange(longest) < length[:, None]
    # Sorting random keys, with the padding sorted last, puts a random permutation
    # of 0..length-1 first in each row; modulo the set size, that is a random order
    # of the balanced list of presentations.
    order = jnp.argsort(jnp.where(in_block, sort_keys, 2.0), axis=1)
    stimulus = (order % set_size[:, None]).astype(jnp.int32)
    action_map = jnp.floor(action_keys * N_ACTIONS).astype(jnp.int32)  # uniform on 0..2
    correct_action = jnp.take_along_axis(action_map, stimulus, axis=1)
    seen = jnp.cumsum(jax.nn.one_hot(stimulus, MAX_SET_SIZE, dtype=jnp.int32), axis=1)
    iteration = jnp.take_along_axis(seen, stimulus[..., None], axis=2)[..., 0]

    # Concatenate the rows' first ``length`` entries: find each trial's block and slot.
    ends = jnp.cumsum(length)
    trial = jnp.arange(n_trials)
    block = jnp.sum(trial[:, None] >= ends, axis=1)
    within = trial - (ends - length)[block]
    return {
        "stimulus": stimulus[block, within],
        "set_size": set_size[block],
        "block": block.astype(jnp.int32),
        "correct_action": correct_action[block, within],
        "iteration": iteration[block, within].astype(jnp.int32),
    }


class RLWM(Task):
    """Collins & Frank (2012) RLWM task: blocks of 1-6 stimulus-action associations.

    Args:
        set_sizes: set size of each block (each in 1..6); the block order is shuffled
            at every reset.
        repetitions: presentations of each stimulus per block.
        reward_prob: probability that the correct action pays (and 1 minus it, that
            another action pays); 1 in the paper.

    The numbers are the defaults of :meth:`default_params`; pass other
    ``RLWMParams`` to ``reset``/``step`` to vmap or sweep them.

    Example:
        >>> import jax
        >>> task = RLWM(set_sizes=(2, 6), repetitions=12)
        >>> obs, state = task.reset(jax.random.key(0), task.default_params())
        >>> task.n_trials, sorted(obs)
        (96, ['block', 'set_size', 'stimulus'])
    """

    name = "rlwm"
    description = "RL and working memory: blocks of 1-6 stimuli, 3 actions, deterministic feedback"
    reference = Reference(
        "Collins & Frank 2012, How much of reinforcement learning is working memory, not "
        "reinforcement learning?, Eur J Neurosci 35:1024",
        "10.1111/j.1460-9568.2011.07980.x",
    )

    def __init__(
        self,
        set_sizes: tuple[int, ...] = (2, 3, 4, 5, 6),
        repetitions: int = 12,
        reward_prob: float = RLWMParams.reward_prob,
    ):
        self.set_sizes = check_set_sizes(set_sizes)
        self.repetitions = check_count("repetitions", repetitions)
        self.n_actions = N_ACTIONS
        self.n_trials = sum(self.set_sizes) * self.repetitions
        # Per instance: the number of blocks depends on the constructor.
        self.obs_sizes = {"stimulus": MAX_SET_SIZE, "set_size": MAX_SET_SIZE + 1, "block": len(self.set_sizes)}
        self._default_params = RLWMParams(reward_prob=check_probability("reward_prob", reward_prob))

    def default_params(self) -> RLWMParams:
        return self._default_params

    def schedule(self, key: jax.Array) -> dict[str, Int[Array, "trial"]]:
        """Draw an episode: per trial, its stimulus, set size, block, correct action and iteration."""
        return draw_schedule(key, self.set_sizes, self.repetitions)

    def _obs(self, state: RLWMState, trial: Int[Array, ""]):
        return {"stimulus": state.stimulus[trial], "set_size": state.set_size[trial], "block": state.block[trial]}

    def reset(self, key, params):
        state = RLWMState(trial=jnp.int32(0), **self.schedule(key))
        return self._obs(state, 0), state

    def step(self, key, state, action, params):
        correct = state.correct_action[state.trial]
        reward_prob = jnp.where(action == correct, params.reward_prob, 1.0 - params.reward_prob)
        reward = jax.random.bernoulli(key, reward_prob).astype(jnp.float32)
        trial = state.trial + 1
        return Timestep(
            # After the last trial the observation repeats the last one; it is never acted on.
            obs=self._obs(state, jnp.minimum(trial, self.n_trials - 1)),
            state=state.replace(trial=trial),
            reward=reward,
            terminated=trial >= self.n_trials,
            truncated=jnp.bool_(False),
            info={"correct_action": correct, "iteration": state.iteration[state.trial]},
        )

    # ----------------------------------------------------------------- the trial table
    def columns(self) -> tuple[Column, ...]:
        # The block column is required here: models reset their memory at each block.
        block = Column("block", "int", 0, len(self.set_sizes), description="block within the episode (0-based)")
        return tuple(block if column.name == "block" else column for column in super().columns())

    def extra_columns(self) -> tuple[Column, ...]:
        return (
            Column("stimulus", "int", 0, MAX_SET_SIZE, description="stimulus within the block (0-based)"),
            Column("set_size", "int", 1, MAX_SET_SIZE + 1, description="number of stimuli in the block"),
        )

    def __repr__(self) -> str:
        return f"RLWM(set_sizes={self.set_sizes}, repetitions={self.repetitions})"
