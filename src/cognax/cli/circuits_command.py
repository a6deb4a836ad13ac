"""``cognax circuits``: compare learning rules on real data; list rules and data sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
circuits_app = typer.Typer(no_args_is_help=True, help="Learning circuits: biologically plausible learning rules.")


def _sizes(text: str) -> tuple[int, ...]:
    from cognax.errors import CognaxError

    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise CognaxError(f"--hidden expects comma-separated layer sizes such as 128 or 256,128; got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise CognaxError(f"--hidden sizes must be positive; got {text!r}")
    return sizes


@circuits_app.command("compare")
def compare_command(
    dataset: Annotated[str, typer.Option("--dataset", help="digits, mnist5k, mnist1d, or an .npz file (x_train, y_train, x_test, y_test)")],
    rule_list: Annotated[str, typer.Option("--rules", help="comma-separated rule ids (see `cognax circuits rules`)")],
    out: Annotated[Path, typer.Option("--out", help="output folder: results.csv, learning_curves.csv, learning_curves.png")],
    hidden: Annotated[str, typer.Option("--hidden", help="hidden-layer sizes, comma-separated")] = "128",
    activation: Annotated[str, typer.Option("--activation", help="tanh, relu, sigmoid or linear")] = "tanh",
    epochs: Annotated[int, typer.Option("--epochs", help="passes over the training set")] = 20,
    batch_size: Annotated[int, typer.Option("--batch-size", help="examples per update")] = 32,
    optimizer: Annotated[str, typer.Option("--optimizer", help="adam or sgd (the same for every rule)")] = "adam",
    learning_rate: Annotated[float, typer.Option("--learning-rate", help="the optimiser's step size")] = 1e-3,
    max_train: Annotated[int, typer.Option("--max-train", help="use only the first N training examples (0: all)")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="random seed: the same start and minibatches for every rule")] = 0,
) -> None:
    """Train the same network with each learning rule; write results, learning curves and a plot."""
    from cognax.circuits.compare import check_rule_names, compare_rules, plot_curves
    from cognax.cli._common import enable_compilation_cache
    from cognax.data.io import atomic_write
    from cognax.errors import CognaxError

    names = check_rule_names(rule_list.split(","))
    if out.exists() and not out.is_dir():
        raise CognaxError(f"--out {str(out)!r} is a file; give a folder")
    enable_compilation_cache()
    results, curves = compare_rules(
        dataset, names, hidden=_sizes(hidden), activation=activation, epochs=epochs, batch_size=batch_size,
        optimizer=optimizer, learning_rate=learning_rate, seed=seed, max_train=max_train or None,
        on_rule=lambda name: console.print(f"training with {name} ..."),
    )
    out.mkdir(parents=True, exist_ok=True)
    for table, name in ((results, "results.csv"), (curves, "learning_curves.csv")):
        with atomic_write(out / name, "w") as handle:
            table.to_csv(handle, index=False, lineterminator="\n")
    plot_curves(curves, out / "learning_curves.png")
    summary = Table(title=f"{results.network.iloc[0]} on {results.dataset.iloc[0]}, {epochs} epochs")
    for column in ("rule", "test accuracy", "train accuracy", "train seconds"):
        summary.add_column(column)
    for row in results.itertuples():
        summary.add_row(row.rule, f"{row.test_accuracy:.3f}", f"{row.train_accuracy:.3f}", f"{row.train_seconds:.2f}")
    console.print(summary)
    console.print(f"-> {out / 'results.csv'}, {out / 'learning_curves.csv'}, {out / 'learning_curves.png'}")


@circuits_app.command("rules")
def rules_command() -> None:
    """List the learning rules and the data sets."""
    from cognax.circuits import datasets, rules

    table = Table(title="learning rules")
    table.add_column("id")
    table.add_column("description")
    for name in rules.RULE_NAMES:
        table.add_row(name, (rules.RULES.factory(name).__doc__ or "").strip().splitlines()[0])
    console.print(table)
    data_table = Table(title="data sets")
    data_table.add_column("id")
    data_table.add_column("description")
    for name, description in datasets.DESCRIPTIONS.items():
        data_table.add_row(name, description)
    console.print(data_table)
