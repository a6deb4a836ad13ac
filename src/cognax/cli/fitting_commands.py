"""``cognax fit``, ``cognax recover`` and ``cognax analyze``: the neuroscience direction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cognax.errors import CognaxError

console = Console()


def _prepare_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise CognaxError(f"--out {str(out)!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CognaxError(f"cannot create the output folder {str(out)!r}: {error.strerror}") from None
    return out


def _resolve_task(table: pd.DataFrame, task_name: str | None) -> str:
    bundled_task = table.attrs.get("task")
    if task_name is None:
        if bundled_task is None:
            raise CognaxError("--task is required for a data file (e.g. --task bandit; see `cognax tasks`)")
        return bundled_task
    return task_name


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    from cognax.data.io import atomic_write

    with atomic_write(path, mode="w") as handle:
        frame.to_csv(handle, index=False, float_format="%.10g")


def _print_frame(frame: pd.DataFrame, title: str, digits: int = 3) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


def _load(data_spec: str, task_name: str | None, max_subjects: int | None = None):
    from cognax import tasks
    from cognax.cli._common import load_data
    from cognax.data.batch import to_batch
    from cognax.data.validate import validate_table

    table = load_data(data_spec)
    task_name = _resolve_task(table, task_name)
    task = tasks.make(task_name)
    table = validate_table(table, task, source=data_spec)
    if max_subjects is not None:
        keep = _balanced_subjects(table, max_subjects)
        table = table[table["subject"].isin(keep)].reset_index(drop=True)
    return table, task, to_batch(table, task)


def _balanced_subjects(table: pd.DataFrame, n: int) -> list:
    """The first ``n`` subjects, drawn in turn from each group when there is a group column."""
    subjects = table.drop_duplicates("subject")
    if "group" not in table.columns:
        return subjects["subject"].tolist()[:n]
    per_group = [g["subject"].tolist() for _, g in subjects.groupby("group", sort=True)]
    chosen = []
    for i in range(max(len(g) for g in per_group)):
        for group in per_group:
            if i < len(group) and len(chosen) < n:
                chosen.append(group[i])
    return chosen


def _fit_models(batch, model_names, method, starts, seed, cv):
    import jax

    from cognax import models
    from cognax.cli._common import enable_compilation_cache
    from cognax.cli._progress import progress_bar
    from cognax.fitting import compare, cross_validate, fit

    enable_compilation_cache()
    chosen = [models.make(name) for name in model_names]
    for model in chosen:
        model.check_task(batch.task)
    results, cv_scores = [], {}
    key = jax.random.key(seed)
    for model in chosen:
        with progress_bar(console, f"fitting {model.name}") as update:
            results.append(fit(model, batch, key, n_starts=starts, method=method, progress=update))
        if cv:
            with progress_bar(console, f"cross-validating {model.name} ({cv} folds)") as update:
                cv_scores[model.name] = float(np.mean(cross_validate(model, batch, key, n_folds=cv, n_starts=starts, progress=update)))
    comparison = compare(results, cv_scores if cv else None)
    params = pd.concat([r.to_frame() for r in results], ignore_index=True)
    return results, params, comparison


def fit_command(
    data: Annotated[str, typer.Argument(help="trial-table file (.csv/.tsv/.parquet) or bundled name (dezfouli2019, collins_rlwm:N)")],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    task: Annotated[Optional[str], typer.Option("--task", help="task id (default: the bundled data set's task)")] = None,
    model: Annotated[Optional[list[str]], typer.Option("--model", help="model id; repeat for several")] = None,
    method: Annotated[str, typer.Option("--method", help="mle or map")] = "mle",
    starts: Annotated[int, typer.Option("--starts", help="starting points per subject")] = 10,
    cv: Annotated[Optional[int], typer.Option("--cv", help="K-fold cross-validation over blocks/sessions")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    chains: Annotated[int, typer.Option("--chains", help="hierarchical: MCMC chains")] = 4,
    warmup: Annotated[int, typer.Option("--warmup", help="hierarchical: warm-up iterations per chain")] = 500,
    samples: Annotated[int, typer.Option("--samples", help="hierarchical: draws per chain")] = 500,
    data_format: Annotated[Optional[str], typer.Option("--format", help="'hbayesdm': an hBayesDM tab-separated file")] = None,
) -> None:
    """Fit models to every subject; write params.csv, comparison.csv and plots.

    With --method hierarchical: a hierarchical Bayesian fit (NUTS) writing posterior.nc,
    group.csv, subjects.csv, ic.csv, diagnostics.txt and a predictive-check plot.
    """
    from cognax.analysis import plots
    from cognax.tasks.base import check_count

    if method not in ("mle", "map", "hierarchical"):
        raise CognaxError(f"--method must be 'mle', 'map' or 'hierarchical'; got {method!r}")
    if data_format not in (None, "hbayesdm"):
        raise CognaxError(f"--format must be 'hbayesdm' (or left out for a trial table); got {data_format!r}")
    check_count("--starts", starts)
    if cv is not None:
        check_count("--cv", cv, minimum=2)
    if not model:
        raise CognaxError("give at least one --model (see `cognax models`)")
    if method == "hierarchical":
        if cv is not None:
            raise CognaxError("--cv applies to --method mle or map; hierarchical fits report LOO and WAIC")
        for name, value in (("--chains", chains), ("--warmup", warmup), ("--samples", samples)):
            check_count(name, value)
    out = _prepare_out(out)
    table, task_object, batch = _load_hbayesdm(data, task) if data_format == "hbayesdm" else _load(data, task)
    if method == "hierarchical":
        _fit_hierarchical(table, task_object, batch, model, chains, warmup, samples, seed, out, data)
        return
    results, params, comparison = _fit_models(batch, model, method, starts, seed, cv)
    _write_csv(params, out / "params.csv")
    _write_csv(comparison, out / "comparison.csv")
    if len(results) >= 2:
        plots.plot_model_comparison(comparison, path=out / "comparison.png")
    shown = [c for c in ("model", "n_params", "nll", "bic", "n_best", "protected_exceedance_prob", "cv_normalized_likelihood") if c in comparison]
    _print_frame(comparison[shown], f"model comparison on {data} ({batch.n_subjects} subjects)", digits=2)
    not_converged = int(sum((~r.converged).sum() for r in results))
    if not_converged:
        console.print(f"[yellow]{not_converged} subject fit(s) did not converge: see the 'converged' column[/]")
    console.print(f"wrote {out / 'params.csv'} and {out / 'comparison.csv'}")


def _load_hbayesdm(path: str, task_name: str | None):
    from cognax import tasks
    from cognax.data.batch import to_batch
    from cognax.data.hbayesdm import read_hbayesdm

    if task_name is None:
        raise CognaxError("--format hbayesdm needs --task (e.g. --task bandit, two_step or go_nogo)")
    task = tasks.make(task_name)
    table = read_hbayesdm(path, task)
    return table, task, to_batch(table, task)


def _fit_hierarchical(table, task, batch, model_names, chains, warmup, samples, seed, out: Path, data: str) -> None:
    """``--method hierarchical``: one folder of results per model (``out`` itself for one model)."""
    import jax
    from rich.markup import escape

    from cognax import models
    from cognax.cli._common import enable_compilation_cache
    from cognax.cli._progress import progress_bar
    from cognax.data.io import atomic_write
    from cognax.fitting import diagnose, fit_hierarchical, information_criteria, posterior_predictive_check
    from cognax.fitting.information_criteria import pareto_k_message

    chosen = [models.make(name) for name in model_names]
    for m in chosen:
        m.check_task(batch.task)
    enable_compilation_cache()
    fit_key, check_key = jax.random.split(jax.random.key(seed))
    criteria = []
    for m in chosen:
        folder = out if len(chosen) == 1 else out / m.name
        folder.mkdir(exist_ok=True)
        with progress_bar(console, f"sampling {m.name} ({chains} chains x {warmup}+{samples})") as update:
            result = fit_hierarchical(m, batch, fit_key, chains=chains, warmup=warmup, samples=samples, progress=update)
        result.to_netcdf(folder / "posterior.nc")
        group = result.group_summary()
        _write_csv(group, folder / "group.csv")
        _write_csv(result.subject_summary(), folder / "subjects.csv")
        ic = information_criteria(result.idata, m.name)
        criteria.append(ic)
        _write_csv(ic, folder / "ic.csv")
        report = diagnose(result.idata)
        with atomic_write(folder / "diagnostics.txt", mode="w") as handle:
            handle.write(report.to_text())
        check = posterior_predictive_check(result, table, task, check_key, n_draws=min(50, chains * samples))
        written = ["posterior.nc", "group.csv", "subjects.csv", "ic.csv", "diagnostics.txt"]
        if check is not None:
            _write_csv(check.table(), folder / "ppc.csv")
            written.append("ppc.csv")
            if check.can_plot:
                check.plot(folder / "ppc.png", title=f"{m.name}: posterior predictive check")
                written.append("ppc.png")
        _print_frame(group, f"{m.name}: group level on {data} ({batch.n_subjects} subjects)")
        for message in report.messages:
            console.print(f"[yellow]{escape(message)}[/]", highlight=False)
        console.print(f"wrote {', '.join(written)} in {folder}")
    criteria = pd.concat(criteria, ignore_index=True)
    if len(chosen) > 1:
        _write_csv(criteria, out / "ic.csv")
    shown = ["model", "observations", "looic", "looic_se", "waic", "p_loo", "n_pareto_k_gt_0.7"]
    _print_frame(criteria[shown], "LOO and WAIC (deviance scale: lower is better)", digits=1)
    for row in criteria.to_dict("records"):
        if row["n_pareto_k_gt_0.7"]:
            note = pareto_k_message(row["n_pareto_k_gt_0.7"], row["n_observations"], row["observations"])
            console.print(f"[yellow]{row['model']}: {escape(note)}[/]", highlight=False)


def recover_command(
    task: Annotated[str, typer.Option("--task", help="task id")],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    model: Annotated[Optional[str], typer.Option("--model", help="model for parameter recovery")] = None,
    models_list: Annotated[Optional[str], typer.Option("--models", help="comma-separated models for model recovery")] = None,
    subjects: Annotated[int, typer.Option("--subjects", help="simulated subjects (per model)")] = 50,
    trials: Annotated[Optional[int], typer.Option("--trials", help="trials per subject")] = None,
    starts: Annotated[int, typer.Option("--starts", help="starting points per subject")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Parameter recovery (--model) or model recovery (--models M1,M2,...)."""
    import jax

    from cognax import models
    from cognax.analysis import plots
    from cognax.cli._common import build_task, enable_compilation_cache
    from cognax.cli._progress import progress_bar
    from cognax.fitting import model_recovery, parameter_recovery
    from cognax.tasks.base import check_count

    if (model is None) == (models_list is None):
        raise CognaxError("give either --model M (parameter recovery) or --models M1,M2,... (model recovery)")
    check_count("--subjects", subjects, minimum=3)
    check_count("--starts", starts)
    if trials is not None:
        check_count("--trials", trials)
    task_object, _ = build_task(task, trials, {})
    out = _prepare_out(out)
    enable_compilation_cache()
    key = jax.random.key(seed)
    if model is not None:
        chosen = models.make(model)
        chosen.check_task(task_object.name)
        with progress_bar(console, f"recovering {chosen.name}") as update:
            summary, estimates = parameter_recovery(chosen, task_object, key, n_subjects=subjects, n_starts=starts, progress=update)
        _write_csv(summary, out / "parameter_recovery.csv")
        _write_csv(estimates, out / "parameter_estimates.csv")
        plots.plot_parameter_recovery(estimates, path=out / "parameter_recovery.png")
        _print_frame(summary, f"parameter recovery: {chosen.name} on {task_object.name} ({subjects} subjects)")
        return
    names = [n.strip() for n in models_list.split(",") if n.strip()]
    chosen = [models.make(n) for n in names]
    for m in chosen:
        m.check_task(task_object.name)
    with progress_bar(console, "model recovery") as update:
        confusion, inversion = model_recovery(chosen, task_object, key, n_subjects=subjects, n_starts=starts, progress=update)
    _write_csv(confusion.reset_index(), out / "model_recovery.csv")
    _write_csv(inversion.reset_index(), out / "model_inversion.csv")
    plots.plot_confusion(confusion, title="P(best fit | generating model)", path=out / "model_recovery.png")
    _print_frame(confusion.reset_index(), "model recovery: P(best fit by BIC | generating model)", digits=2)
