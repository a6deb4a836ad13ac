"""``cognax train`` and ``cognax evaluate``: train agents on a task, test them with frozen weights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

console = Console()


def train_command(
    out: Annotated[Path, typer.Option("--out", help="run folder: config.toml, checkpoint.npz, learning curves")],
    task: Annotated[Optional[str], typer.Option("--task", help="task id (see `cognax tasks`)")] = None,
    architecture: Annotated[Optional[str], typer.Option("--architecture", help="rnn, gru or lstm")] = None,
    hidden: Annotated[Optional[int], typer.Option("--hidden", help="units of the recurrent core")] = None,
    objective: Annotated[Optional[str], typer.Option("--objective", help="a2c, reinforce or supervised")] = None,
    learning_rule: Annotated[Optional[str], typer.Option("--learning-rule", help="how updates are formed (bptt, or a rule registered in cognax.agents.learning_rules)")] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="TOML file with AgentConfig keys")] = None,
    episodes: Annotated[Optional[int], typer.Option("--episodes", help="training episodes per seed")] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="number of agents (seeds 0..S-1), trained together")] = 1,
    checkpoint_every: Annotated[Optional[int], typer.Option("--checkpoint-every", help="updates between checkpoints")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue from OUT/checkpoint.npz")] = False,
) -> None:
    """Train recurrent agents (architecture x learning rule x objective x task); writes the run folder."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cognax.agents.config import AgentConfig
    from cognax.agents.rollout import Environment
    from cognax.agents.runs import train_agents
    from cognax.cli._common import enable_compilation_cache
    from cognax.errors import CognaxError
    from cognax.tasks.base import check_count

    config = AgentConfig.from_toml(config_file) if config_file is not None else AgentConfig()
    changes = {"task": task, "architecture": architecture, "hidden_size": hidden, "objective": objective,
               "learning_rule": learning_rule}
    if task is not None and task != config.task:
        changes["task_options"], changes["task_param_choices"] = (), ()
    config = config.replace(**{k: v for k, v in changes.items() if v is not None})
    check_count("--seeds", seeds)
    if episodes is not None:
        check_count("--episodes", episodes)
        config = config.with_episodes(episodes, Environment(config).n_decisions)
    if out.exists() and not out.is_dir():
        raise CognaxError(f"--out {str(out)!r} is a file; give a folder")
    enable_compilation_cache()

    columns = [TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} updates"),
               TimeElapsedColumn(), TextColumn("{task.fields[metrics]}")]
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task(f"training {config.task}", total=config.n_updates, metrics="compiling...")

        def report(done: int, total: int, metrics: dict) -> None:
            shown = {k: metrics[k] for k in ("reward_per_trial", "regret_per_trial", "accuracy", "entropy") if k in metrics}
            progress.update(bar, completed=done, metrics="  ".join(f"{k} {v:.3f}" for k, v in shown.items()))

        run = train_agents(config, seeds=range(seeds), out=out, checkpoint_every=checkpoint_every, resume=resume,
                           progress=report)
    final = {k: float(v[:, -max(1, v.shape[1] // 10):].mean()) for k, v in run.metrics.items()}
    summary = ", ".join(f"{k} {final[k]:.3f}" for k in ("reward_per_trial", "regret_per_trial", "accuracy") if k in final)
    console.print(f"trained {seeds} agent(s), {config.n_updates} updates each ({summary}) -> {out}")


def evaluate_command(
    run_folder: Annotated[Path, typer.Argument(metavar="DIR", help="run folder written by `cognax train`")],
    out: Annotated[Path, typer.Option("--out", help="output folder: trials.csv, hidden.npz, metrics.json, plots")],
    episodes: Annotated[int, typer.Option("--episodes", help="test episodes per agent")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="seed of the test episodes")] = 12345,
    greedy: Annotated[bool, typer.Option("--greedy", help="take the most probable action instead of sampling")] = False,
) -> None:
    """Test trained agents with frozen weights on new task draws; writes their behaviour as a trial table."""
    import jax

    from cognax.agents.evaluate import evaluate, save_evaluation
    from cognax.agents.plots import plot_evaluation
    from cognax.agents.runs import load_trained
    from cognax.cli._common import enable_compilation_cache
    from cognax.errors import CognaxError
    from cognax.tasks.base import check_count

    check_count("--episodes", episodes)
    if out.exists() and not out.is_dir():
        raise CognaxError(f"--out {str(out)!r} is a file; give a folder")
    enable_compilation_cache()
    run = load_trained(run_folder)
    result = evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(seed), episodes, greedy=greedy)
    out.mkdir(parents=True, exist_ok=True)
    save_evaluation(result, out)
    plot_evaluation(result.table, run.trainer.environment, out)
    shown = {k: result.metrics[k] for k in ("reward_per_trial", "regret_at_end", "accuracy") if k in result.metrics}
    console.print(
        f"tested {len(run.seeds)} agent(s) x {episodes} episodes ("
        + ", ".join(f"{k} {v:.3f}" for k, v in shown.items()) + f") -> {out}"
    )
