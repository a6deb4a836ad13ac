"""``cognax reproduce NAME --out DIR``: run a classic result and print its checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def reproduce_command(
    name: Annotated[Optional[str], typer.Argument(metavar="NAME", help="reproduction id; omit to list them")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="output folder (checks.json, figures, tables)")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="the small, fast version used in CI")] = False,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Reproduce a classic result; writes DIR/checks.json (name, expected, obtained, tolerance, passed)."""
    from cognax import reproduce
    from cognax.cli._common import enable_compilation_cache
    from cognax.errors import CognaxError

    if name is None:
        table = Table(title="cognax reproductions")
        table.add_column("id")
        table.add_column("description")
        for key, description in reproduce.describe().items():
            table.add_row(key, description)
        console.print(table)
        return
    if name not in reproduce.names():
        reproduce.run(name, ".")  # raises the unknown-name error listing the valid ids
    if out is None:
        raise CognaxError("--out is required: the folder for checks.json and figures")
    enable_compilation_cache()
    checks = reproduce.run(name, out, quick=quick, seed=seed)
    table = Table(title=f"{name}{' (quick)' if quick else ''}")
    for column in ("check", "expected", "obtained", "tolerance", "passed"):
        table.add_column(column)
    for check in checks:
        obtained = f"{check.obtained:.4g}" if isinstance(check.obtained, float) else str(check.obtained)
        expected = f"{check.expected:.4g}" if isinstance(check.expected, float) else str(check.expected)
        tolerance = "" if check.tolerance is None else str(check.tolerance)
        table.add_row(check.name, expected, obtained, tolerance, "[green]yes[/]" if check.passed else "[red]NO[/]")
    console.print(table)
    failed = sum(not check.passed for check in checks)
    console.print(f"{len(checks) - failed}/{len(checks)} checks passed -> {out / 'checks.json'}")
    if failed:
        raise typer.Exit(1)
