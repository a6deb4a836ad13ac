"""Simulate a cognitive model on a task: the generative half of "one model, two uses".

Example:
    >>> import jax, cognax
    >>> from cognax import models, tasks
    >>> table = cognax.simulate(jax.random.key(0), models.make("q_learning"),
    ...                         tasks.make("bandit", n_trials=50), n_subjects=3)
    >>> table.shape[0]
    150
"""

from __future__ import annotations

from typing import Any, Mapping

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.models.base import Model
from cognax.tasks.base import Task, check_count


def _session(model: Model, task: Task, params, task_params, key):
    """One simulated episode: per-decision observations, actions, rewards and infos."""
    reset_key, key = jax.random.split(key)
    obs, state = task.reset(reset_key, task_params)
    latent = model.init_latent(params, task.n_actions)

    def body(carry, key):
        obs, state, latent = carry
        action_key, step_key = jax.random.split(key)
        action = jax.random.categorical(action_key, model.log_policy(params, latent, obs))
        ts = task.step(step_key, state, action, task_params)
        latent = model.update(params, latent, obs, action, ts.reward)
        return (ts.obs, ts.state, latent), (obs, action, ts.reward, ts.info)

    keys = jax.random.split(key, task.n_decisions)
    _, (obs_seq, actions, rewards, infos) = jax.lax.scan(body, (obs, state, latent), keys)
    return task.trial_columns(obs_seq, actions, rewards, infos)


def simulate_columns(key, model: Model, task: Task, params: Mapping[str, Any], n_subjects: int, task_params=None):
    """Simulate ``n_subjects`` sessions; returns trial columns as ``[subject, trial]`` arrays.

    ``params`` maps parameter names to scalars (shared) or ``[subject]`` arrays.
    """
    task_params = task.default_params() if task_params is None else task_params
    params = {k: jnp.broadcast_to(jnp.asarray(v, dtype=float), (n_subjects,)) for k, v in params.items()}
    keys = jax.random.split(key, n_subjects)
    run = jax.vmap(lambda p, k: _session(model, task, p, task_params, k))
    return run(params, keys)


def simulate(
    key: jax.Array,
    model: Model,
    task: Task,
    params: Mapping[str, Any] | None = None,
    n_subjects: int = 1,
    task_params: Any = None,
) -> pd.DataFrame:
    """Simulate subjects with a model on a task and return their trial table.

    Args:
        key: a JAX PRNG key; the same key gives the same table.
        model: a cognitive model that applies to ``task``.
        task: the task (its ``n_trials`` sets the session length).
        params: parameter values by name, scalars or one value per subject; missing
            ones take the model's defaults.
        n_subjects: number of simulated subjects (one session each).
        task_params: the task's parameters (default: ``task.default_params()``).

    Returns:
        A trial table with ``subject``, ``session``, ``trial``, ``choice``, ``reward``,
        the task's extra columns and its hidden quantities (e.g. ``p_0``).
    """
    check_count("n_subjects", n_subjects)
    model.check_task(task.name)
    given = dict(params or {})
    per_subject = {k: v for k, v in given.items() if np.ndim(v) > 0}
    for name, values in per_subject.items():
        if np.shape(values) != (n_subjects,):
            raise CognaxError(f"parameter {name!r} has {np.shape(values)} values; expected one per subject ({n_subjects})")
    checked = model.check_params({k: v for k, v in given.items() if np.ndim(v) == 0})
    for name, values in per_subject.items():
        for value in np.asarray(values):
            model.check_params({name: float(value)})
        checked[name] = values
    columns = jax.jit(simulate_columns, static_argnums=(1, 2, 4))(key, model, task, checked, n_subjects, task_params)
    return columns_to_table(columns)


def columns_to_table(columns: Mapping[str, Any]) -> pd.DataFrame:
    """``[subject, trial]`` arrays -> a trial table with canonical column order and dtypes."""
    columns = {name: np.asarray(values) for name, values in columns.items()}
    n_subjects, n_trials = columns["choice"].shape
    data = {
        "subject": np.repeat(np.arange(n_subjects), n_trials),
        "session": np.zeros(n_subjects * n_trials, dtype=np.int64),
        "trial": np.tile(np.arange(n_trials), n_subjects),
    }
    ordered = ["choice", "reward"] + [name for name in columns if name not in ("choice", "reward")]
    for name in ordered:
        values = columns[name]
        flat = values.reshape(n_subjects * n_trials)
        if flat.dtype.kind in "iu":
            flat = flat.astype(np.int64)
        elif flat.dtype.kind == "f":
            flat = flat.astype(np.float64)
        data[name] = flat
    return pd.DataFrame(data)
