"""The task interface: a pure JAX environment with a trial-table mapping.

A task is a pair of pure functions in the style of gymnax::

    obs, state = task.reset(key, params)
    timestep = task.step(key, state, action, params)

Static structure (number of arms, trials per episode) goes into the constructor;
numbers one may vmap or sweep over go into the frozen ``params`` pytree.

Observations are dicts of integer scalars named after trial-table columns
(``stage``, ``state``, ``stimulus``, ``set_size``, ``cue``); ``obs_sizes`` gives the
number of values of each, so that :meth:`Task.encode_obs` can one-hot them for
networks. An episode is ``n_trials`` trials of ``decisions_per_trial`` decisions
each (2 for the two-step task), so its length is static and ``lax.scan`` runs it.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.schema import BLOCK, SESSION, SUBJECT, TRIAL, VALID, Column

Obs = dict[str, Int[Array, ""]]


@pytree_dataclass
class Timestep:
    """What :meth:`Task.step` returns (Gymnasium's five values, as a pytree)."""

    obs: Obs
    state: Any
    reward: Float[Array, ""]
    terminated: Bool[Array, ""]
    truncated: Bool[Array, ""]
    info: dict[str, Array]


@dataclasses.dataclass(frozen=True)
class Reference:
    """Where a task or model comes from."""

    citation: str
    doi: str = ""


class Task(abc.ABC):
    """Base class of every task.

    Subclasses set the class attributes, implement ``default_params``, ``reset``,
    ``step`` and, when a trial has extra columns, ``trial_columns``.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    reference: ClassVar[Reference]
    decisions_per_trial: ClassVar[int] = 1
    #: names of the integer observation fields and their number of values.
    obs_sizes: ClassVar[dict[str, int]] = {}

    n_actions: int
    n_trials: int

    # ----------------------------------------------------------------- the environment
    @abc.abstractmethod
    def default_params(self) -> Any:
        """The task's default parameters (a frozen pytree)."""

    @abc.abstractmethod
    def reset(self, key: jax.Array, params: Any) -> tuple[Obs, Any]:
        """Start an episode: draw its hidden quantities, return the first observation."""

    @abc.abstractmethod
    def step(self, key: jax.Array, state: Any, action: Int[Array, ""], params: Any) -> Timestep:
        """Apply ``action`` and return the next observation, reward and flags."""

    @property
    def n_decisions(self) -> int:
        """Number of ``step`` calls in one episode."""
        return self.n_trials * self.decisions_per_trial

    @property
    def reward_range(self) -> tuple[float, float]:
        return (0.0, 1.0)

    # ----------------------------------------------------------------- the trial table
    def columns(self) -> tuple[Column, ...]:
        """The trial-table schema of this task (canonical column names)."""
        return (
            SUBJECT,
            SESSION,
            BLOCK,
            TRIAL,
            Column("choice", "int", 0, self.n_actions, description="action chosen (0-based)"),
            Column("reward", "float", *self.reward_range, description="outcome of the trial"),
            VALID,
            *self.extra_columns(),
        )

    def extra_columns(self) -> tuple[Column, ...]:
        """Task-specific columns (observation fields and the like)."""
        return tuple(
            Column(name, "int", 0, size, description=f"observation field {name!r}")
            for name, size in self.obs_sizes.items()
        )

    def trial_columns(
        self, obs: Obs, actions: Int[Array, "decision"], rewards: Float[Array, "decision"],
        infos: dict[str, Array],
    ) -> dict[str, Array]:
        """Turn one episode's decisions into trial-table columns (leading axis: trial).

        ``obs`` holds the observation each decision was taken on. The default is one
        decision per trial: ``choice``, ``reward``, every observation field and every
        ``info`` entry (hidden quantities such as ``p_0``) become columns.
        """
        columns = {"choice": actions, "reward": rewards}
        columns.update(obs)
        columns.update(infos)
        return columns

    def decisions(self, columns: dict[str, Array]) -> tuple[Obs, Int[Array, "decision"], Float[Array, "decision"]]:
        """Map trial-table columns (last axis: trial) to the decision sequence models see.

        Returns the observation of each decision, the action taken and the reward that
        followed. The inverse of :meth:`trial_columns` for the observed quantities.
        """
        obs = {name: jnp.asarray(columns[name]).astype(jnp.int32) for name in self.obs_sizes}
        return obs, jnp.asarray(columns["choice"]).astype(jnp.int32), jnp.asarray(columns["reward"])

    def trial_mask_to_decisions(self, mask: Bool[Array, "trial"]) -> Bool[Array, "decision"]:
        """Expand a per-trial mask to a per-decision mask."""
        return jnp.repeat(mask, self.decisions_per_trial, axis=-1)

    # ----------------------------------------------------------------- for networks
    @property
    def obs_dim(self) -> int:
        return sum(self.obs_sizes.values())

    def encode_obs(self, obs: Obs) -> Float[Array, "obs_dim"]:
        """One-hot encode the observation fields into one vector (for agents)."""
        parts = [jax.nn.one_hot(obs[name], size) for name, size in self.obs_sizes.items()]
        return jnp.concatenate(parts) if parts else jnp.zeros((0,))

    # ----------------------------------------------------------------- documentation
    def describe_params(self) -> dict[str, Any]:
        """Default parameter values by name (for ``cognax tasks``)."""
        params = self.default_params()
        return {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_actions={self.n_actions}, n_trials={self.n_trials})"

    # Equal settings -> equal tasks, so jitted functions with a task as a static
    # argument compile once per configuration rather than once per instance.
    def _identity(self):
        return (type(self), tuple(sorted((k, repr(v)) for k, v in vars(self).items())))

    def __eq__(self, other) -> bool:
        return isinstance(other, Task) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


def check_count(name: str, value: int, minimum: int = 1) -> int:
    """Validate a positive integer count given by the user."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CognaxError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return value


def check_probability(name: str, value: float) -> float:
    """Validate a probability given by the user."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CognaxError(f"{name} must be a number in [0, 1]; got {value!r}") from None
    if not 0.0 <= value <= 1.0:
        raise CognaxError(f"{name} must be a number in [0, 1]; got {value!r}")
    return value
