"""From a trial table and recorded activity to model-to-brain results (``cognax signatures``).

:func:`latents_for_table` fits (or takes) a model's parameters and returns its latents
row-aligned with the trial table; :func:`analyse` runs the encoding regression, RSA
and decoding of the chosen latents on the activity; :func:`write_results` writes the
tables and figures.

Example:
    >>> results = analyse(table, activity, "bandit", "q_learning", latent_names=["rpe"])  # doctest: +SKIP
    >>> write_results(results, "out/")                                                    # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import jax
import numpy as np
import pandas as pd

from cognax.errors import CognaxError, unknown_name
from cognax.signatures import decoding, regression, rsa


def fitted_params(model, batch, params: pd.DataFrame | None, key) -> tuple[dict, pd.DataFrame]:
    """Per-subject parameters in batch order: from ``params`` (one row per subject) or an MLE fit."""
    if params is None:
        from cognax.fitting import fit

        result = fit(model, batch, key, n_starts=5, standard_errors=False)
        return {k: np.asarray(v, dtype=float) for k, v in result.params.items()}, result.to_frame()
    if "subject" not in params.columns:
        raise CognaxError("the parameters file needs a 'subject' column (as written by `cognax fit`)")
    if "model" in params.columns:
        params = params[params["model"] == model.name]
        if params.empty:
            raise CognaxError(f"the parameters file has no rows for model {model.name!r}")
    by_subject = params.assign(subject=params["subject"].astype(str)).drop_duplicates("subject").set_index("subject")
    missing = [s for s in batch.subjects if str(s) not in by_subject.index]
    if missing:
        raise CognaxError(f"the parameters file has no row for subject {missing[0]!r}")
    names = list(model.parameter_names) + [n for n in model.discrete_parameters if n in by_subject.columns]
    for name in model.parameter_names:
        if name not in by_subject.columns:
            raise CognaxError(f"the parameters file lacks column {name!r} of model {model.name!r}")
    rows = by_subject.loc[[str(s) for s in batch.subjects]]
    return {name: rows[name].to_numpy(dtype=float) for name in names}, rows.reset_index()


def latents_for_table(model, params: dict, table: pd.DataFrame, task) -> pd.DataFrame:
    """:func:`cognax.models.latents`, in the row order of ``table`` (the batch groups by subject)."""
    from cognax import models
    from cognax.data.batch import to_batch

    batch = to_batch(table, task)
    latents = models.latents(model, params, batch)
    codes, _ = pd.factorize(table["subject"], sort=False)
    order = np.argsort(codes, kind="stable")  # row i of ``latents`` is row order[i] of ``table``
    aligned = latents.iloc[np.argsort(order)].reset_index(drop=True)
    return aligned


def analyse(
    table: pd.DataFrame,
    activity,
    task,
    model,
    params: pd.DataFrame | None = None,
    latent_names: Sequence[str] | None = None,
    rsa_latent: str | None = None,
    n_conditions: int = 6,
    n_permutations: int = 1000,
    fdr: float = 0.05,
    seed: int = 0,
    times: Sequence[float] | None = None,
    family: str = "gaussian",
) -> dict:
    """Fit the model, compute its latents and relate them to the activity.

    Args:
        table: a trial table (validated against ``task``); one activity row per table row.
        activity: ``[trial, unit]`` or ``[trial, unit, time]``.
        task, model: a task / model or their registry ids.
        params: fitted parameters (one row per subject); ``None`` fits by MLE.
        latent_names: regressors (default: ``rpe`` and ``value_chosen`` where the model
            has them, else all its latents).
        rsa_latent: the latent whose quantile bins are the RSA conditions (default:
            the first regressor); the model RDM uses every regressor.
        n_conditions: quantile bins for RSA.
        n_permutations, fdr, seed: for the permutation tests.
        times: labels of the time bins of 3-D activity.
        family: ``"gaussian"`` (OLS) or ``"poisson"`` (spike counts) for the regression.

    Returns:
        ``{"latents", "params", "regression", "rsa", "decoding", "rdms"}``.
    """
    from cognax import models, tasks
    from cognax.data.validate import validate_table

    task = tasks.make(task) if isinstance(task, str) else task
    model = models.make(model) if isinstance(model, str) else model
    model.check_task(task.name)
    table = validate_table(table, task)
    activity = regression.check_activity(activity, len(table))
    available = list(models.latent_columns(model))
    if latent_names is None:
        latent_names = [n for n in ("rpe", "value_chosen") if n in available] or list(model.latent_names) or available
    for name in latent_names:
        if name not in available:
            raise unknown_name(f"latent of model {model.name!r}", name, available)
    rsa_latent = latent_names[0] if rsa_latent is None else rsa_latent
    if rsa_latent not in available:
        raise unknown_name(f"latent of model {model.name!r}", rsa_latent, available)

    from cognax.data.batch import to_batch

    key = jax.random.key(seed)
    batch = to_batch(table, task)
    param_values, param_table = fitted_params(model, batch, params, key)
    latents = latents_for_table(model, param_values, table, task)
    keep = np.isfinite(latents[list(dict.fromkeys([*latent_names, rsa_latent]))].to_numpy(dtype=float)).all(1)
    kept_latents, kept_activity = latents[keep].reset_index(drop=True), activity[keep]

    encoding = regression.encoding_regression(
        kept_activity, kept_latents, latent_names, n_permutations=n_permutations, seed=seed, fdr=fdr, times=times,
        family=family,
    )
    flat = kept_activity if kept_activity.ndim == 2 else kept_activity.mean(axis=2)
    conditions = rsa.condition_labels(kept_latents[rsa_latent], n_conditions)
    rsa_result = rsa.rsa(flat, kept_latents, conditions, latent_names, n_permutations=n_permutations, seed=seed)
    halves = _reliability_splits(kept_latents)
    neural_rdms = [rsa.neural_rdm(flat[split], conditions[split]) for split in halves]
    lower, upper = rsa.noise_ceiling(neural_rdms)
    rsa_row = pd.DataFrame([{
        "conditions": f"{n_conditions} quantile bins of {rsa_latent}", "model_latents": ",".join(latent_names),
        "distance": "euclidean", "comparison": "spearman", "correlation": rsa_result["correlation"],
        "p_value": rsa_result["p_value"], "noise_ceiling_lower": lower, "noise_ceiling_upper": upper,
        "reliability_split": "subjects" if kept_latents["subject"].nunique() > 1 else "first vs second half",
    }])
    decoded = []
    for name in latent_names:
        if kept_activity.ndim == 2:
            result = decoding.decode(kept_activity, kept_latents[name].to_numpy(), kind="continuous",
                                     n_permutations=min(n_permutations, 200), seed=seed)
            decoded.append({"latent": name, **{k: v for k, v in result.items() if k != "predictions"}})
        else:
            frame = decoding.decode_over_time(kept_activity, kept_latents[name].to_numpy(), times=times,
                                              kind="continuous", n_permutations=min(n_permutations, 200), seed=seed)
            decoded += [{"latent": name, **row} for row in frame.to_dict("records")]
    return {
        "latents": latents, "params": param_table, "regression": encoding, "rsa": rsa_row,
        "decoding": pd.DataFrame(decoded),
        "rdms": {"model": rsa_result["model_rdm"], "neural": rsa_result["neural_rdm"]},
    }


def _reliability_splits(latents: pd.DataFrame) -> list[np.ndarray]:
    """Independent parts of the data for the noise ceiling: subjects, else two halves of the trials."""
    subjects = latents["subject"].to_numpy()
    if len(pd.unique(subjects)) > 1:
        return [subjects == s for s in pd.unique(subjects)]
    middle = len(latents) // 2
    first = np.arange(len(latents)) < middle
    return [first, ~first]


def write_results(results: dict, out: str | Path) -> list[Path]:
    """Write ``latents.csv``, ``params.csv``, ``regression.csv``, ``rsa.csv``, ``decoding.csv``
    and the figures ``regression.png``, ``rsa.png`` into ``out`` (atomically, file by file)."""
    from cognax.data.io import write_table
    from cognax.signatures.reproductions._common import save_figure

    out = Path(out)
    written = []
    for name in ("latents", "params", "regression", "rsa", "decoding"):
        written.append(write_table(results[name], out / f"{name}.csv"))
    written.append(save_figure(lambda: _regression_figure(results["regression"]), out / "regression.png"))
    written.append(save_figure(lambda: _rsa_figure(results["rdms"], results["rsa"]), out / "rsa.png"))
    return written


def _regression_figure(table: pd.DataFrame):
    from cognax.signatures.reproductions._common import new_figure

    names = list(pd.unique(table["regressor"]))
    figure, axes = new_figure(len(names) + 1, panel=(2.6, 2.2))
    for ax, name in zip(axes, names):
        rows = table[table["regressor"] == name]
        ax.hist(rows["t"], bins=30, color="grey")
        ax.hist(rows.loc[rows["significant"], "t"], bins=30, color="tab:red", label="FDR significant")
        ax.set(xlabel="t", ylabel="units", title=f"activity ~ {name}")
    axes[0].legend()
    summary = axes[-1]
    if "time" in table.columns:
        for name in names:
            share = table[table["regressor"] == name].groupby("time")["significant"].mean()
            summary.plot(share.index, share.to_numpy(), marker="o", label=name)
        summary.set(xlabel="time bin", ylabel="fraction significant", title="over time")
        summary.legend()
    else:
        shares = [table.loc[table["regressor"] == n, "significant"].mean() for n in names]
        summary.bar(range(len(names)), shares, color="tab:red")
        summary.set(xticks=range(len(names)), xticklabels=names, ylabel="fraction significant", title="units")
    return figure


def _rsa_figure(rdms: dict, row: pd.DataFrame):
    from cognax.signatures.reproductions._common import new_figure

    figure, (model_ax, neural_ax) = new_figure(2, panel=(2.6, 2.4))
    for ax, key in ((model_ax, "model"), (neural_ax, "neural")):
        image = ax.imshow(rdms[key], cmap="viridis")
        ax.set(title=f"{key} RDM", xlabel="condition", ylabel="condition")
        figure.colorbar(image, ax=ax, shrink=0.8)
    result = row.iloc[0]
    figure.suptitle(f"Spearman r = {result['correlation']:.2f} (p = {result['p_value']:.3g}); "
                    f"noise ceiling {result['noise_ceiling_lower']:.2f}-{result['noise_ceiling_upper']:.2f}")
    return figure


__all__ = ["analyse", "latents_for_table", "fitted_params", "write_results"]
