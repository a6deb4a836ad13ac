"""``cognax`` CLI entry point. Errors in user input print one line and exit with 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cognax.errors import CognaxError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="cognax: tasks, cognitive models and agents in JAX.")
data_app = typer.Typer(no_args_is_help=True, help="The bundled real data sets.")
app.add_typer(data_app, name="data")
console = Console()
err_console = Console(stderr=True)


@app.command("tasks")
def tasks_command() -> None:
    """List the registered tasks with a description and their parameters."""
    from cognax import tasks

    table = Table(title="cognax tasks")
    for column in ("id", "description", "actions", "trials", "parameters", "source"):
        table.add_column(column)
    for name in tasks.names():
        task = tasks.make(name)
        params = ", ".join(f"{k}={_short(v)}" for k, v in task.describe_params().items())
        table.add_row(name, task.description, str(task.n_actions), str(task.n_trials), params, task.reference.citation)
    console.print(table)


def _short(value) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


@app.command("simulate")
def simulate_command(
    task_name: Annotated[str, typer.Argument(metavar="TASK", help="task id (see `cognax tasks`)")],
    out: Annotated[Path, typer.Option("--out", help="output trial table (.csv or .parquet)")],
    model_name: Annotated[str, typer.Option("--model", help="model id")] = "q_learning",
    param: Annotated[Optional[list[str]], typer.Option("--param", help="model parameter NAME=VALUE")] = None,
    task_param: Annotated[Optional[list[str]], typer.Option("--task-param", help="task option NAME=VALUE")] = None,
    subjects: Annotated[int, typer.Option("--subjects", help="number of simulated subjects")] = 10,
    trials: Annotated[Optional[int], typer.Option("--trials", help="trials per subject")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Simulate a model on a task and write the trial table (same seed, same bytes)."""
    import jax

    from cognax import models
    from cognax.cli._common import build_task, check_output_path, enable_compilation_cache, parse_assignments
    from cognax.data.io import write_table
    from cognax.simulation import simulate
    from cognax.tasks.base import check_count

    check_output_path(out, (".csv", ".parquet"))
    check_count("--subjects", subjects)
    if trials is not None:
        check_count("--trials", trials)
    model = models.make(model_name)
    task, task_params = build_task(task_name, trials, parse_assignments(task_param, "--task-param"))
    model.check_task(task.name)
    params = model.check_params(parse_assignments(param, "--param"))
    enable_compilation_cache()
    table = simulate(jax.random.key(seed), model, task, params, n_subjects=subjects, task_params=task_params)
    write_table(table, out)
    mean_reward = table["reward"].mean()
    console.print(
        f"simulated {subjects} subject(s) x {task.n_trials} trials of {task.name} with {model.name} "
        f"(mean reward {mean_reward:.3f}) -> {out}"
    )


from cognax.cli.analyze_command import analyze_command  # noqa: E402
from cognax.cli.fitting_commands import fit_command, recover_command  # noqa: E402
from cognax.cli.reproduce_command import reproduce_command  # noqa: E402
from cognax.cli.signatures_command import signatures_command  # noqa: E402
from cognax.cli.circuits_command import circuits_app  # noqa: E402
from cognax.cli.agents_commands import evaluate_command, train_command  # noqa: E402

app.command("fit")(fit_command)
app.command("recover")(recover_command)
app.command("analyze")(analyze_command)
app.command("reproduce")(reproduce_command)
app.command("signatures")(signatures_command)
app.add_typer(circuits_app, name="circuits")
app.command("train")(train_command)
app.command("evaluate")(evaluate_command)


@app.command("models")
def models_command() -> None:
    """List the registered cognitive models, their tasks and parameters."""
    from cognax import models

    table = Table(title="cognax models")
    for column in ("id", "description", "tasks", "parameters"):
        table.add_column(column)
    for name in models.names():
        model = models.make(name)
        parameters = ", ".join(f"{p.name} {p.bounds_text()}" for p in model.parameters)
        discrete = ", ".join(f"{k} in {set(v)}" for k, v in model.discrete_parameters.items())
        table.add_row(name, model.description, ", ".join(model.tasks or ("any",)), ", ".join(filter(None, [parameters, discrete])))
    console.print(table)


@data_app.command("list")
def data_list() -> None:
    """List the bundled data sets."""
    from cognax import data

    table = Table(title="bundled data sets")
    table.add_column("name")
    table.add_column("description")
    for name, description in data.list_datasets().items():
        table.add_row(name, description)
    console.print(table)


@data_app.command("describe")
def data_describe(
    name: Annotated[str, typer.Argument(help="bundled name (dezfouli2019, collins_rlwm:N) or a trial-table file")],
) -> None:
    """Summarise a bundled data set or a trial-table file."""
    from cognax import data
    from cognax.cli._common import load_data

    console.print(data.describe(load_data(name)))


def main() -> None:
    """Run the CLI; user errors print one line to stderr and exit with status 2."""
    from cognax.devices import use_cpu_cores

    try:
        use_cpu_cores()
        app()
    except CognaxError as error:
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
