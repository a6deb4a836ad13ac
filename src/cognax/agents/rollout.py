"""An agent acting on a task: the environment side of training and evaluation.

:class:`Environment` wraps a registered task for agents: it builds the task from the
config, draws the task parameters of each episode (meta-RL: every episode is a new task
draw), encodes the meta-RL input and runs a segment of decisions with :func:`unroll`, a
``lax.scan`` for one environment that training and evaluation ``vmap`` over episodes.

Episodes have a static length, and a roll-out segment always divides it, so every
episode starts at a segment start: the reset (task, hidden state, previous action and
reward) happens once per segment, before the scan, instead of at every step.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.agents.config import AgentConfig
from cognax.errors import CognaxError


@pytree_dataclass
class EnvCarry:
    """One environment between decisions."""

    env_state: Any
    obs: dict[str, Array]
    task_params: Any
    core_state: tuple
    #: previous action (-1 at the episode start: its one-hot is all zeros).
    prev_action: Int[Array, ""]
    prev_reward: Float[Array, ""]
    #: decisions taken in the current episode.
    decision: Int[Array, ""]


@pytree_dataclass
class Step:
    """What one decision leaves behind (the scan's output)."""

    logits: Float[Array, "action"]
    value: Float[Array, ""]
    action: Int[Array, ""]
    reward: Float[Array, ""]
    obs: dict[str, Array]
    info: dict[str, Array]
    hidden: Float[Array, "hidden"]
    #: expected regret of the decision (bandits: max_a p_a - p_action; else 0).
    regret: Float[Array, ""]
    #: the task's correct action (-1 where the task defines none).
    correct_action: Int[Array, ""]


class Environment:
    """A task as the agents see it (built from an :class:`AgentConfig`).

    Args:
        config: the run's config (task, task options, per-episode parameter choices,
            meta-RL inputs).
        task: use this task instead of the config's (testing on another task draw
            distribution; it must have the same number of actions and observations).
    """

    def __init__(self, config: AgentConfig, task=None):
        from cognax import tasks

        self.config = config
        self.task = task if task is not None else tasks.make(config.task, **dict(config.task_options))
        self.default_params = self.task.default_params()
        fields = set(getattr(self.default_params, "__dataclass_fields__", {}))
        for name, _ in config.task_param_choices:
            if name not in fields:
                raise CognaxError(
                    f"task_param_choices names {name!r}, not a parameter of task {self.task.name!r}; "
                    f"valid: {', '.join(sorted(fields)) or 'none'}"
                )
        self.n_decisions = self.task.n_decisions
        self.rollout_length = config.rollout_length or self.n_decisions
        if self.n_decisions % self.rollout_length:
            raise CognaxError(
                f"rollout_length must divide the episode length ({self.n_decisions} decisions of task "
                f"{self.task.name!r}); got {self.rollout_length}"
            )
        self.info_names = self._info_names()
        self.arm_names = tuple(f"p_{arm}" for arm in range(self.task.n_actions))
        self.is_bandit = self.task.decisions_per_trial == 1 and set(self.arm_names) <= set(self.info_names)
        self.has_correct_action = "correct_action" in self.info_names
        reward_low, reward_high = self.task.reward_range
        self._reward_offset, self._reward_scale = reward_low, max(reward_high - reward_low, 1e-12)

    def _info_names(self) -> tuple[str, ...]:
        key = jax.random.key(0)
        obs, state = jax.eval_shape(self.task.reset, key, self.default_params)
        timestep = jax.eval_shape(self.task.step, key, state, jnp.int32(0), self.default_params)
        return tuple(timestep.info)

    @property
    def input_size(self) -> int:
        config = self.config
        return (
            self.task.obs_dim
            + (self.task.n_actions if config.action_input else 0)
            + (1 if config.reward_input else 0)
            + (1 if config.trial_input else 0)
        )

    # ------------------------------------------------------------------ episodes
    def sample_params(self, key: jax.Array):
        """The task parameters of one episode: each listed choice drawn uniformly."""
        params = self.default_params
        changes = {}
        for (name, values), subkey in zip(self.config.task_param_choices,
                                          jax.random.split(key, max(1, len(self.config.task_param_choices)))):
            changes[name] = jnp.asarray(values)[jax.random.randint(subkey, (), 0, len(values))]
        # Arrays throughout, so that per-episode parameters carry, vmap and ``where`` alike.
        return jax.tree.map(jnp.asarray, params.replace(**changes) if changes else params)

    def reset(self, key: jax.Array, initial_core_state: tuple) -> EnvCarry:
        """A fresh episode of one environment."""
        params_key, reset_key = jax.random.split(key)
        task_params = self.sample_params(params_key)
        obs, env_state = self.task.reset(reset_key, task_params)
        return EnvCarry(
            env_state=env_state,
            obs=obs,
            task_params=task_params,
            core_state=initial_core_state,
            prev_action=jnp.int32(-1),
            prev_reward=jnp.float32(0.0),
            decision=jnp.int32(0),
        )

    def reset_finished(self, key: jax.Array, carry: EnvCarry, initial_core_state: tuple) -> EnvCarry:
        """Start a new episode where the current one is over (called at segment starts)."""
        fresh = self.reset(key, initial_core_state)
        finished = carry.decision >= self.n_decisions
        return jax.tree.map(lambda new, old: jnp.where(finished, new, old), fresh, carry)

    # ------------------------------------------------------------------ one decision
    def encode(self, carry: EnvCarry) -> Float[Array, "input"]:
        """The meta-RL input: observation, previous action and reward, trial index."""
        parts = [self.task.encode_obs(carry.obs).astype(jnp.float32)]
        if self.config.action_input:
            parts.append(jax.nn.one_hot(carry.prev_action, self.task.n_actions))
        if self.config.reward_input:
            parts.append(((carry.prev_reward - self._reward_offset) / self._reward_scale)[None])
        if self.config.trial_input:
            trial = carry.decision // self.task.decisions_per_trial
            parts.append((trial / self.task.n_trials)[None].astype(jnp.float32))
        return jnp.concatenate(parts)

    def regret(self, info, action) -> Float[Array, ""]:
        if not self.is_bandit:
            return jnp.float32(0.0)
        p = jnp.stack([info[name] for name in self.arm_names])
        return (jnp.max(p) - p[action]).astype(jnp.float32)


def unroll(agent, environment: Environment, carry: EnvCarry, keys: jax.Array, greedy: bool = False):
    """Run one environment for ``len(keys)`` decisions; returns ``(carry, Step [decision])``.

    Actions are sampled from the policy (``greedy``: its mode); the sampling does not
    carry gradients, the log-probabilities of the taken actions do (via ``Step.logits``).
    """
    task = environment.task

    def body(carry: EnvCarry, key):
        action_key, step_key = jax.random.split(key)
        logits, value, core_state = agent(environment.encode(carry), carry.core_state)
        if greedy:
            action = jnp.argmax(logits).astype(jnp.int32)
        else:
            action = jax.random.categorical(action_key, jax.lax.stop_gradient(logits)).astype(jnp.int32)
        timestep = task.step(step_key, carry.env_state, action, carry.task_params)
        correct = timestep.info["correct_action"] if environment.has_correct_action else -1
        step = Step(
            logits=logits,
            value=value,
            action=action,
            reward=timestep.reward.astype(jnp.float32),
            obs=carry.obs,
            info=timestep.info,
            hidden=core_state[0],
            regret=environment.regret(timestep.info, action),
            correct_action=jnp.asarray(correct, jnp.int32),
        )
        carry = carry.replace(
            env_state=timestep.state,
            obs=timestep.obs,
            core_state=core_state,
            prev_action=action,
            prev_reward=timestep.reward.astype(jnp.float32),
            decision=carry.decision + 1,
        )
        return carry, step

    return jax.lax.scan(body, carry, keys)


__all__ = ["Environment", "EnvCarry", "Step", "unroll"]
