"""Training runs on disk: chunked training with progress, checkpoints, resume and learning curves.

A run folder holds ``config.toml`` (the config used), ``checkpoint.npz`` (the latest
training state of every seed and the metrics so far), ``learning_curve.csv`` (one row
per seed and update) and ``learning_curve.png``. Training runs in chunks of
``checkpoint_every`` updates, each a jitted ``lax.scan`` vmapped over seeds; every
update takes its randomness from the state's own key, so a resumed run gives exactly the
numbers of an uninterrupted one.

Example:
    >>> run = train_agents(AgentConfig(task="bandit"), seeds=[0, 1], out="runs/bandit")  # doctest: +SKIP
    >>> run = load_trained("runs/bandit")                                                # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.agents.checkpoint import load_checkpoint, read_header, save_checkpoint
from cognax.agents.config import AgentConfig
from cognax.agents.train import Trainer, TrainState
from cognax.data.io import atomic_write, write_table
from cognax.errors import CognaxError
from cognax.tasks.base import check_count

CONFIG_FILE, CHECKPOINT_FILE, CURVE_FILE = "config.toml", "checkpoint.npz", "learning_curve.csv"


@dataclasses.dataclass(frozen=True)
class TrainedAgents:
    """Agents of one config, one per seed.

    Attributes:
        config: the config they were trained with.
        seeds: their seeds.
        trainer: the :class:`~cognax.agents.train.Trainer` of the config.
        state: the training state, stacked over seeds (``state.params`` are the weights).
        metrics: metric name -> ``[seed, update]`` array.
    """

    config: AgentConfig
    seeds: tuple[int, ...]
    trainer: Trainer
    state: TrainState
    metrics: dict[str, np.ndarray]

    def learning_curve(self) -> pd.DataFrame:
        """One row per seed and update: ``seed, update, episodes`` and every metric."""
        n_seeds, n_updates = next(iter(self.metrics.values())).shape
        env = self.trainer.environment
        episodes_per_update = self.config.n_envs * env.rollout_length / env.n_decisions
        data = {
            "seed": np.repeat(np.asarray(self.seeds, dtype=np.int64), n_updates),
            "update": np.tile(np.arange(1, n_updates + 1), n_seeds),
        }
        data["episodes"] = data["update"] * episodes_per_update
        for name in sorted(self.metrics):
            data[name] = np.asarray(self.metrics[name], dtype=np.float64).reshape(-1)
        if "regret_per_trial" in self.metrics:
            data["regret_per_episode"] = data["regret_per_trial"] * env.task.n_trials
        return pd.DataFrame(data)


@functools.lru_cache(maxsize=8)
def programs(config: AgentConfig) -> tuple[Trainer, Callable, Callable]:
    """The trainer of a config and its compiled programs, built once per config.

    ``init(keys)`` starts one run per key; ``run_updates(state, n)`` applies ``n``
    updates (``n`` is traced: one compile serves every chunk size) to every seed and
    returns metrics in a buffer of ``config.n_updates`` slots whose first ``n`` are filled.
    """
    trainer = Trainer(config)

    def run_updates(state: TrainState, n: jax.Array):
        with jax.enable_x64(False):
            _, shapes = jax.eval_shape(trainer.update, state)
            buffer = {k: jnp.zeros((config.n_updates, *v.shape), v.dtype) for k, v in shapes.items()}

            def body(i, carry):
                state, buffer = carry
                state, metrics = trainer.update(state)
                return state, {k: buffer[k].at[i].set(metrics[k]) for k in buffer}

            return jax.lax.fori_loop(0, n, body, (state, buffer))

    init = jax.jit(jax.vmap(trainer.init))
    return trainer, init, jax.jit(jax.vmap(run_updates, in_axes=(0, None)))


def _keys(seeds) -> jax.Array:
    return jnp.stack([jax.random.key(int(seed)) for seed in seeds])


def _check_seeds(seeds) -> tuple[int, ...]:
    seeds = tuple(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise CognaxError(f"seeds must be a non-empty list of integers >= 0; got {list(seeds)!r}")
    if len(set(seeds)) != len(seeds):
        raise CognaxError(f"seeds must be distinct; got {list(seeds)!r}")
    return tuple(int(s) for s in seeds)


def train_agents(
    config: AgentConfig,
    seeds=(0,),
    out: str | Path | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    progress: Callable[[int, int, dict], None] | None = None,
) -> TrainedAgents:
    """Train one agent per seed; with ``out``, write the run folder (see the module docs).

    Args:
        config: the run's config (``n_updates`` updates per seed).
        seeds: one agent per seed, trained together (vmapped).
        out: run folder (created); ``None`` keeps everything in memory.
        checkpoint_every: updates per chunk (a checkpoint after each); default: one chunk.
        resume: continue from ``out/checkpoint.npz`` (same config and seeds) if it exists.
        progress: called as ``progress(updates_done, n_updates, mean_metrics_of_last_chunk)``.
    """
    seeds = _check_seeds(seeds)
    chunk = config.n_updates if checkpoint_every is None else check_count("checkpoint_every", checkpoint_every)
    trainer, init, run_updates = programs(config)
    out = None if out is None else Path(out)
    if out is not None:
        if out.exists() and not out.is_dir():
            raise CognaxError(f"--out {str(out)!r} is a file; give a folder")
        out.mkdir(parents=True, exist_ok=True)
    with jax.enable_x64(False):
        keys = _keys(seeds)
        checkpoint = None if out is None else out / CHECKPOINT_FILE
        if resume and checkpoint is not None and checkpoint.exists():
            state, metrics = load_checkpoint(checkpoint, config, seeds, jax.eval_shape(init, keys))
        else:
            state, metrics = init(keys), {}
        done = int(np.asarray(state.update)[0])
        if out is not None:
            with atomic_write(out / CONFIG_FILE, "w") as handle:
                handle.write(config.to_toml())
        while done < config.n_updates:
            n = min(chunk, config.n_updates - done)
            state, buffer = run_updates(state, jnp.int32(n))
            chunk_metrics = {k: np.asarray(v)[:, :n] for k, v in jax.device_get(buffer).items()}
            metrics = {k: np.concatenate([metrics[k], v], axis=1) if k in metrics else v
                       for k, v in chunk_metrics.items()}
            done += n
            if checkpoint is not None:
                save_checkpoint(checkpoint, config, seeds, state, metrics)
            if progress is not None:
                progress(done, config.n_updates, {k: float(np.mean(v)) for k, v in chunk_metrics.items()})
    run = TrainedAgents(config, seeds, trainer, state, metrics)
    if out is not None and metrics:
        write_table(run.learning_curve(), out / CURVE_FILE)
        plot_learning_curve(run, out / "learning_curve.png")
    return run


def load_trained(folder: str | Path) -> TrainedAgents:
    """Read a run folder written by :func:`train_agents` (config and latest checkpoint)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CognaxError(f"run folder {str(folder)!r} does not exist")
    for name in (CONFIG_FILE, CHECKPOINT_FILE):
        if not (folder / name).is_file():
            raise CognaxError(f"{str(folder)!r} is not a training run folder: {name} is missing")
    config = AgentConfig.from_toml(folder / CONFIG_FILE)
    seeds = tuple(read_header(folder / CHECKPOINT_FILE)["seeds"])
    trainer, init, _ = programs(config)
    with jax.enable_x64(False):
        template = jax.eval_shape(init, _keys(seeds))
        state, metrics = load_checkpoint(folder / CHECKPOINT_FILE, config, seeds, template)
    return TrainedAgents(config, seeds, trainer, state, metrics)


def plot_learning_curve(run: TrainedAgents, path: Path) -> None:
    """Regret (bandits) or reward per episode against training episodes, one line per seed."""
    from cognax.analysis._figure import new_figure

    curve = run.learning_curve()
    name = "regret_per_episode" if "regret_per_episode" in curve else "reward_per_trial"
    figure, (ax,) = new_figure(1, panel=(4.0, 2.8))
    for seed, rows in curve.groupby("seed"):
        window = max(1, len(rows) // 50)
        smooth = rows[name].rolling(window, min_periods=1).mean()
        ax.plot(rows["episodes"], smooth, lw=1, label=f"seed {seed}")
    ax.set_xlabel("training episodes")
    ax.set_ylabel(name.replace("_", " "))
    ax.set_title(f"{run.config.task}: {run.config.architecture} {run.config.hidden_size}, {run.config.objective}")
    if len(run.seeds) <= 8:
        ax.legend()
    with atomic_write(path) as temporary:
        figure.savefig(temporary, dpi=120)


__all__ = ["TrainedAgents", "train_agents", "load_trained", "plot_learning_curve"]
