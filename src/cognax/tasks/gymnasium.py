"""Gymnasium adapter: any registered task as a ``gymnasium.Env`` (optional extra ``gym``).

The adapter is for users of Stable-Baselines3, NeuroGym-style training loops and other
Gymnasium code. It is a thin stateful facade over the pure task: one jitted ``reset`` and
one jitted ``step`` per environment (compiled on first use, then reused), a JAX key
seeded from ``reset(seed=...)``, and NumPy/Python values out.

- observation: ``task.encode_obs(obs)`` as a float32 vector in ``Box(0, 1)`` (the
  observation fields one-hot encoded); a task without observation fields (the bandits)
  gives a constant 1-element vector of zeros, since Gymnasium has no empty Box that
  agents accept;
- action: ``Discrete(task.n_actions)``; an action outside it raises :class:`CognaxError`
  (never clamped);
- an episode is ``task.n_decisions`` steps and ends with ``terminated=True``; call
  ``reset()`` before stepping again;
- ``info``: the task's per-step info (hidden quantities such as ``p_0``) as Python floats.

Example:
    >>> from cognax.tasks import gymnasium as cognax_gym
    >>> env = cognax_gym.make("two_step", n_trials=10)
    >>> obs, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

For fast simulation stay in JAX (``jax.vmap`` / ``lax.scan`` over ``task.step``): a
Python loop over this adapter pays a dispatch per step.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import cognax.tasks as tasks
from cognax.errors import CognaxError
from cognax.tasks.base import Task

__all__ = ["make", "TaskEnv", "env_id"]

#: entry point that Gymnasium's ``EnvSpec`` uses to rebuild an environment.
_ENTRY_POINT = "cognax.tasks.gymnasium:TaskEnv"


def _gymnasium():
    """Import gymnasium on first use, with an install hint if it is missing."""
    try:
        import gymnasium
    except ImportError:
        raise CognaxError(
            "the Gymnasium adapter needs the optional extra 'gym': pip install 'cognax[gym]'"
        ) from None
    return gymnasium


def env_id(task_name: str) -> str:
    """The Gymnasium id of a cognax task, e.g. ``"cognax/two_step-v0"``."""
    return f"cognax/{task_name}-v0"


def make(name: str, params: Any = None, **task_kwargs: Any):
    """Build a registered task as a Gymnasium environment.

    Goes through ``gymnasium.make`` with an ``EnvSpec``, so the environment carries a
    spec and Gymnasium's usual wrappers (order enforcing, passive checker); the raw
    environment is ``env.unwrapped``.

    Args:
        name: a task id from :func:`cognax.tasks.names`, e.g. ``"two_step"``.
        params: the task's parameters (a ``params`` pytree); ``None`` means
            ``task.default_params()``.
        **task_kwargs: passed to the task constructor, e.g. ``n_trials=50``.

    Returns:
        A ``gymnasium.Env``.

    Raises:
        CognaxError: gymnasium is not installed, or the task name or arguments are bad.

    Example:
        >>> env = make("bandit", n_arms=3, n_trials=20)
        >>> env.action_space
        Discrete(3)
    """
    gymnasium = _gymnasium()
    tasks.registry.factory(name)  # unknown names fail here, listing the valid ones
    spec = gymnasium.envs.registration.EnvSpec(
        id=env_id(name),
        entry_point=_ENTRY_POINT,
        kwargs={"task": name, "params": params, **task_kwargs},
    )
    return gymnasium.make(spec)


@functools.cache
def _env_class():
    """Define :class:`TaskEnv` on first use, so that importing this module needs no gymnasium."""
    gymnasium = _gymnasium()
    spaces = gymnasium.spaces

    class TaskEnv(gymnasium.Env):
        """A cognax task as a ``gymnasium.Env``; build it with :func:`make`.

        Args:
            task: a registered task id or a :class:`~cognax.tasks.Task` instance.
            params: the task's parameters; ``None`` means ``task.default_params()``.
            render_mode: must be ``None`` (tasks have nothing to draw).
            **task_kwargs: passed to the task constructor when ``task`` is an id.
        """

        metadata = {"render_modes": []}

        def __init__(self, task: str | Task, params: Any = None, render_mode: str | None = None, **task_kwargs):
            if render_mode is not None:
                raise CognaxError(f"render_mode must be None (cognax tasks do not render); got {render_mode!r}")
            if isinstance(task, Task):
                if task_kwargs:
                    raise CognaxError(
                        f"pass task arguments either to the task or here, not both; got {sorted(task_kwargs)}"
                    )
                self.task = task
            else:
                self.task = tasks.make(task, **task_kwargs)
            self.params = self.task.default_params() if params is None else params
            self.render_mode = None
            obs_size = max(self.task.obs_dim, 1)
            self.observation_space = spaces.Box(0.0, 1.0, shape=(obs_size,), dtype=np.float32)
            self.action_space = spaces.Discrete(self.task.n_actions)
            # Jitted per environment: compiled on the first reset/step, reused afterwards.
            self._reset_fn = jax.jit(self._reset_impl)
            self._step_fn = jax.jit(self._step_impl)
            self._key = None
            self._state = None
            self._info_layout = self._trace_info_layout()
            self._steps = 0
            self._done = True

        # ------------------------------------------------------------- pure parts (jitted)
        def _encode(self, obs):
            if self.task.obs_dim == 0:
                return jnp.zeros((1,), jnp.float32)
            return self.task.encode_obs(obs).astype(jnp.float32)

        def _reset_impl(self, key, params):
            key, reset_key = jax.random.split(key)
            obs, state = self.task.reset(reset_key, params)
            return key, self._encode(obs), state

        def _step_impl(self, key, state, action, params):
            key, step_key = jax.random.split(key)
            ts = self.task.step(step_key, state, action, params)
            # One flat array for everything the host needs: a single transfer per step.
            parts = [self._encode(ts.obs), ts.reward, ts.terminated, ts.truncated]
            parts += [ts.info[name] for name, _, _ in self._info_layout]
            floats = [p.dtype for p in parts if jnp.issubdtype(p.dtype, jnp.floating)]
            dtype = jnp.result_type(jnp.float32, *floats)
            packed = jnp.concatenate([jnp.ravel(p).astype(dtype) for p in parts])
            return key, ts.state, packed

        def _trace_info_layout(self) -> list[tuple[str, tuple[int, ...], slice]]:
            """Each info entry's name, shape and place in the packed step output.

            Found from shapes alone (``eval_shape``: no compile). The packed output is
            ``[obs..., reward, terminated, truncated, info...]``.
            """
            key = jax.random.key(0)
            _, state = jax.eval_shape(self.task.reset, key, self.params)
            ts = jax.eval_shape(self.task.step, key, state, jnp.int32(0), self.params)
            layout, start = [], self.observation_space.shape[0] + 3
            for name in sorted(ts.info):
                shape = tuple(ts.info[name].shape)
                size = math.prod(shape)
                layout.append((name, shape, slice(start, start + size)))
                start += size
            return layout

        # ------------------------------------------------------------- Gymnasium API
        def reset(self, *, seed: int | None = None, options: dict | None = None):
            """Start an episode. The same ``seed`` gives the same episode."""
            super().reset(seed=seed)
            if seed is not None or self._key is None:
                # np_random is seeded from ``seed`` (or fresh entropy when None); the JAX
                # key is drawn from it in uint32 range, which every JAX config accepts.
                self._key = jax.random.key(int(self.np_random.integers(0, 2**32)))
            self._key, obs, self._state = self._reset_fn(self._key, self.params)
            self._steps = 0
            self._done = False
            return np.array(obs), {}

        def step(self, action):
            """Apply ``action``; returns ``(obs, reward, terminated, truncated, info)``."""
            if self._done:
                what = "reset() has not been called" if self._state is None else (
                    f"the episode ended after {self._steps} steps"
                )
                raise CognaxError(f"{what}; call reset() before step()")
            if not self.action_space.contains(action):
                raise CognaxError(
                    f"action must be an integer in [0, {self.task.n_actions}); got {action!r}"
                )
            self._key, self._state, packed = self._step_fn(
                self._key, self._state, np.int32(action), self.params
            )
            packed = np.asarray(packed)
            n_obs = self.observation_space.shape[0]
            obs = packed[:n_obs].astype(np.float32)  # a fresh array on every call
            reward, terminated, truncated = float(packed[n_obs]), bool(packed[n_obs + 1]), bool(packed[n_obs + 2])
            info = {
                name: float(packed[where][0]) if shape == () else packed[where].reshape(shape).astype(float).tolist()
                for name, shape, where in self._info_layout
            }
            self._steps += 1
            self._done = terminated or truncated
            return obs, reward, terminated, truncated, info

        def __repr__(self) -> str:
            return f"TaskEnv({self.task!r})"

    TaskEnv.__module__ = __name__
    TaskEnv.__qualname__ = "TaskEnv"
    return TaskEnv


def __getattr__(name: str):
    if name == "TaskEnv":
        return _env_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
