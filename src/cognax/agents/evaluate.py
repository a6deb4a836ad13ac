"""Frozen-weight testing: roll-outs on new task draws become a trial table and hidden states.

The trial table has the same format as people's data (``subject`` is the agent's seed,
``session`` the test episode, ``trial`` the trial within it), so every analysis and fit
of cognax applies unchanged. Bandit tables also hold each episode's hidden arm
probabilities ``p_0, p_1, ...`` and the regret can be recomputed from the table alone
(:func:`regret_from_table`). Task parameters drawn per episode (``task_param_choices``)
become columns too (e.g. ``hazard``).

Example:
    >>> trainer, state, _ = train_seeds(config, seeds=[0, 1])                    # doctest: +SKIP
    >>> result = evaluate(trainer, state.params, [0, 1], jax.random.key(9), 300)  # doctest: +SKIP
    >>> result.table.groupby("subject").size()                                   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from cognax.agents.rollout import Environment, unroll
from cognax.data.io import atomic_write, write_table
from cognax.errors import CognaxError
from cognax.tasks.base import check_count

_ARM = re.compile(r"^p_(\d+)$")


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """Test roll-outs of one or more trained agents.

    Attributes:
        table: the trial table (one row per trial).
        hidden: recorded hidden states ``[seed, episode, decision, unit]``.
        metrics: summary numbers (``reward_per_trial``; ``regret_at_end`` and
            ``regret_at_end_by_seed`` for bandits; ``accuracy`` where the task defines a
            correct action).
    """

    table: pd.DataFrame
    hidden: np.ndarray
    metrics: dict


def _episodes(trainer, params, key, n_episodes: int, environment: Environment, greedy: bool):
    """One agent's test episodes: trial columns ``[episode, trial]``, hidden, task params."""
    agent = trainer.agent(params)
    task = environment.task
    reset_key, step_key = jax.random.split(key)
    carry = jax.vmap(environment.reset, in_axes=(0, None))(
        jax.random.split(reset_key, n_episodes), trainer.initial_core_state
    )
    keys = jax.random.split(step_key, (n_episodes, environment.n_decisions))
    _, steps = jax.vmap(lambda c, k: unroll(agent, environment, c, k, greedy))(carry, keys)
    columns = jax.vmap(task.trial_columns)(steps.obs, steps.action, steps.reward, steps.info)
    return columns, steps.hidden, carry.task_params


def evaluate(trainer, params, seeds, key: jax.Array, n_episodes: int, task=None, greedy: bool = False) -> Evaluation:
    """Test trained agents with frozen weights on ``n_episodes`` new task draws each.

    Args:
        trainer: the :class:`~cognax.agents.train.Trainer` the agents were trained with.
        params: their trainable parameters, stacked over seeds (leading axis).
        seeds: the seed of each agent (the table's ``subject``).
        key: JAX key of the test episodes (the same for every agent, so agents are
            compared on the same draws).
        n_episodes: test episodes per agent.
        task: test on this task instead of the training task (same actions and inputs).
        greedy: take the policy's most probable action instead of sampling.
    """
    check_count("episodes", n_episodes)
    if task is not None:
        environment = Environment(trainer.config, task=task)
        if (environment.input_size, task.n_actions) != (trainer.environment.input_size, trainer.environment.task.n_actions):
            raise CognaxError(
                f"cannot test on task {task.name!r}: the agent was trained on {trainer.environment.task.name!r} "
                "with a different number of inputs or actions"
            )
    environment, run = _program(trainer, task, n_episodes, greedy)
    with jax.enable_x64(False):
        columns, hidden, task_params = jax.device_get(run(params, key))
    table = _table(columns, seeds, task_params, trainer.config)
    return Evaluation(table=table, hidden=np.asarray(hidden), metrics=summary_metrics(table, environment))


@functools.lru_cache(maxsize=16)
def _program(trainer, task, n_episodes: int, greedy: bool):
    """The compiled test roll-out, built once per trainer, test task and size."""
    environment = trainer.environment if task is None else Environment(trainer.config, task=task)
    run = jax.jit(jax.vmap(lambda p, key: _episodes(trainer, p, key, n_episodes, environment, greedy),
                           in_axes=(0, None)))
    return environment, run


def _table(columns: dict, seeds, task_params, config) -> pd.DataFrame:
    """``[seed, episode, trial]`` arrays -> a trial table (subject = seed, session = episode)."""
    columns = {name: np.asarray(values) for name, values in columns.items()}
    n_seeds, n_episodes, n_trials = columns["choice"].shape
    size = n_seeds * n_episodes * n_trials
    data = {
        "subject": np.repeat(np.asarray(seeds, dtype=np.int64), n_episodes * n_trials),
        "session": np.tile(np.repeat(np.arange(n_episodes), n_trials), n_seeds),
        "trial": np.tile(np.arange(n_trials), n_seeds * n_episodes),
    }
    for name in ["choice", "reward"] + [n for n in columns if n not in ("choice", "reward")]:
        flat = columns[name].reshape(size)
        data[name] = flat.astype(np.int64) if flat.dtype.kind in "iu" else (
            flat.astype(np.float64) if flat.dtype.kind == "f" else flat)
    for name, _ in config.task_param_choices:
        per_episode = np.asarray(getattr(task_params, name)).reshape(n_seeds, n_episodes)
        data[name] = np.repeat(per_episode.reshape(-1), n_trials).astype(np.float64)
    return pd.DataFrame(data)


def regret_from_table(table: pd.DataFrame) -> pd.DataFrame:
    """Expected cumulative regret of every episode, from a bandit trial table alone.

    Regret of a trial: ``max_a p_a - p_choice``. Returns ``subject, session, trial,
    regret, cumulative_regret`` (one row per trial).
    """
    arms = sorted(int(m.group(1)) for name in table.columns if (m := _ARM.match(str(name))))
    if len(arms) < 2:
        raise CognaxError("regret needs the arms' reward probabilities as columns 'p_0', 'p_1', ...")
    p = table[[f"p_{arm}" for arm in arms]].to_numpy(dtype=float)
    choice = table["choice"].to_numpy(dtype=int)
    regret = p.max(axis=1) - p[np.arange(len(p)), choice]
    frame = table[["subject", "session", "trial"]].copy()
    frame["regret"] = regret
    frame["cumulative_regret"] = frame.groupby(["subject", "session"], sort=False)["regret"].cumsum()
    return frame


def regret_curve(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Mean expected cumulative regret by trial over all episodes, and its standard error."""
    frame = regret_from_table(table)
    grouped = frame.groupby("trial")["cumulative_regret"]
    return grouped.mean().to_numpy(), (grouped.std(ddof=1) / np.sqrt(grouped.count())).to_numpy()


def summary_metrics(table: pd.DataFrame, environment: Environment) -> dict:
    metrics = {"n_episodes": int(table.groupby(["subject", "session"]).ngroups),
               "reward_per_trial": float(table["reward"].mean())}
    if environment.is_bandit:
        frame = regret_from_table(table)
        last = frame[frame["trial"] == frame["trial"].max()]
        metrics["regret_at_end"] = float(last["cumulative_regret"].mean())
        metrics["regret_at_end_se"] = float(last["cumulative_regret"].std(ddof=1) / np.sqrt(max(len(last), 1)))
        metrics["regret_at_end_by_seed"] = {
            str(seed): float(v) for seed, v in last.groupby("subject")["cumulative_regret"].mean().items()
        }
    if "correct_action" in table.columns:
        metrics["accuracy"] = float((table["choice"] == table["correct_action"]).mean())
    return metrics


def save_evaluation(result: Evaluation, out: Path) -> None:
    """Write ``trials.csv``, ``hidden.npz`` (no pickle) and ``metrics.json`` into ``out``, atomically."""
    out = Path(out)
    write_table(result.table, out / "trials.csv")
    with atomic_write(out / "hidden.npz", "wb") as handle:
        np.savez(handle, hidden=result.hidden.astype(np.float32),
                 subject=np.unique(result.table["subject"].to_numpy()))
    with atomic_write(out / "metrics.json", "w") as handle:
        json.dump(result.metrics, handle, indent=2, sort_keys=True)
        handle.write("\n")


def load_hidden(path: str | Path) -> np.ndarray:
    """Read ``hidden.npz`` back (``[seed, episode, decision, unit]``), without pickle."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return np.asarray(archive["hidden"])
    except (OSError, ValueError, KeyError) as error:
        raise CognaxError(f"{path}: not a cognax hidden-state file ({error})") from None


__all__ = ["Evaluation", "evaluate", "regret_from_table", "regret_curve", "summary_metrics", "save_evaluation",
           "load_hidden"]
