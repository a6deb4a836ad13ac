"""``cognax analyze``: the whole loop for one data set (the README's main job).

Fit the task's model zoo to every subject, compare the models, test the winning
model's parameters between groups, recover the winner at the data's design, and run
a predictive check, writing every table and figure to one folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from cognax.cli.fitting_commands import _fit_models, _load, _prepare_out, _print_frame, _write_csv, console
from cognax.errors import CognaxError


def _zoo(task_name: str) -> list[str]:
    """The task's own model zoo: no chance baseline, and hBayesDM's ports only where the
    zoo has nothing else (they repeat zoo models in hBayesDM's parameterisation)."""
    from cognax import models
    from cognax.models.hbayesdm import HBayesDMModel

    candidates = [name for name in models.for_task(task_name) if name != "random"]
    native = [name for name in candidates if not isinstance(models.make(name), HBayesDMModel)]
    return native or candidates


def _group_tests(params: pd.DataFrame, table: pd.DataFrame, parameter_names) -> pd.DataFrame | None:
    from cognax.analysis import group_comparison

    if "group" not in table.columns:
        return None
    groups = table.drop_duplicates("subject").set_index("subject")["group"]
    frame = params.assign(group=params["subject"].map(groups))
    tests = []
    for name in parameter_names:
        result = group_comparison(frame, name)
        tests.append(result.assign(parameter=name))
    return pd.concat(tests, ignore_index=True)


def analyze_command(
    data: Annotated[str, typer.Argument(help="trial-table file or bundled name (dezfouli2019, collins_rlwm:N)")],
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("cognax-analysis"),
    task: Annotated[Optional[str], typer.Option("--task", help="task id (default: the bundled data set's task)")] = None,
    starts: Annotated[int, typer.Option("--starts", help="starting points per subject")] = 4,
    max_subjects: Annotated[Optional[int], typer.Option("--max-subjects", help="analyse only this many subjects (balanced over groups)")] = None,
    recovery_subjects: Annotated[int, typer.Option("--recovery-subjects", help="simulated subjects for parameter recovery")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Fit the task's model zoo, compare, test groups, recover the winner, check predictions."""
    import time

    import jax

    from cognax import data as data_module
    from cognax import models, tasks
    from cognax.analysis import plots
    from cognax.fitting import parameter_recovery
    from cognax.tasks.base import check_count

    started = time.perf_counter()
    check_count("--starts", starts)
    check_count("--recovery-subjects", recovery_subjects, minimum=3)
    if max_subjects is not None:
        check_count("--max-subjects", max_subjects, minimum=2)
    out = _prepare_out(out)
    table, task_object, batch = _load(data, task, max_subjects)
    console.print(data_module.describe(table))
    zoo = _zoo(task_object.name)
    if not zoo:
        raise CognaxError(f"no cognitive model applies to task {task_object.name!r} yet")
    results, params, comparison = _fit_models(batch, zoo, "mle", starts, seed, None)
    winner_name = comparison.iloc[0]["model"]
    winner_fit = next(r for r in results if r.model == winner_name)
    winner = models.make(winner_name)
    _write_csv(params, out / "params.csv")
    _write_csv(comparison, out / "comparison.csv")
    plots.plot_model_comparison(comparison, path=out / "comparison.png")
    _print_frame(
        comparison[["model", "n_params", "nll", "bic", "n_best", "protected_exceedance_prob"]],
        f"model comparison ({batch.n_subjects} subjects, {starts} starts)", digits=2,
    )
    console.print(f"winning model by summed BIC: [bold]{winner_name}[/]")

    winner_params = params[params["model"] == winner_name]
    try:
        tests = _group_tests(winner_params, table, winner.parameter_names)
    except CognaxError as reason:  # too few subjects per group: report, don't stop the analysis
        console.print(f"[yellow]group comparison skipped: {reason}[/]")
        tests = None
    if tests is not None:
        _write_csv(tests, out / "group_tests.csv")
        with_group = winner_params.assign(group=winner_params["subject"].map(table.drop_duplicates("subject").set_index("subject")["group"]))
        plots.plot_group_parameters(with_group, "group", path=out / "group_parameters.png", parameters=list(winner.parameter_names))
        omnibus = tests[tests["test"] == "kruskal_wallis"] if "test" in tests.columns else tests
        shown = [c for c in ("parameter", "n", "statistic", "p_value") if c in omnibus.columns]
        _print_frame(omnibus[shown], f"{winner_name} parameters by group (Kruskal-Wallis; pairwise tests in group_tests.csv)")

    n_trials = int(table.groupby("subject").size().median())
    design = tasks.make(task_object.name, n_trials=n_trials) if "n_trials" in _constructor_args(task_object.name) else task_object
    summary, estimates = parameter_recovery(winner, design, jax.random.key(seed + 1), n_subjects=recovery_subjects, n_starts=starts)
    _write_csv(summary, out / "parameter_recovery.csv")
    _write_csv(estimates, out / "parameter_estimates.csv")
    plots.plot_parameter_recovery(estimates, path=out / "parameter_recovery.png")
    _print_frame(summary, f"parameter recovery of {winner_name} ({recovery_subjects} simulated subjects x {design.n_trials} trials)")

    from cognax.fitting.predictive import plot_predictive_check

    checked = plot_predictive_check(
        winner, winner_fit, table, task_object.name, jax.random.key(seed + 2), out / "predictive_check.png"
    )
    if checked is not None:
        console.print(f"predictive check (data vs {winner_name} simulations): {checked}")
    console.print(f"done in {time.perf_counter() - started:.0f} s; tables and figures in {out}/")


def _constructor_args(task_name: str) -> set[str]:
    import inspect

    from cognax import tasks

    return set(inspect.signature(tasks.registry.factory(task_name)).parameters)
