"""Publication-style figures of behavioural summaries, fits and model comparisons.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through pyplot,
so they need no GUI backend and leave the user's interactive backend alone. Each
function writes its figure atomically (a temporary file, then :func:`os.replace`) as
PNG, and with ``pdf=True`` also as PDF next to it, and returns the paths written.

Example:
    >>> from cognax import analysis
    >>> observed = analysis.learning_curve(table)                         # doctest: +SKIP
    >>> simulated = [analysis.learning_curve(t) for t in simulated_tables]  # doctest: +SKIP
    >>> analysis.plot_predictive_check(observed, simulated, "learning_curve",
    ...                                path="curve.png")                  # doctest: +SKIP
    [PosixPath('curve.png')]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from cognax.analysis._figure import DATA_COLOUR, MODEL_COLOUR, draw_and_save, jitter, new_figure, require
from cognax.errors import CognaxError

__all__ = [
    "plot_predictive_check",
    "plot_group_parameters",
    "plot_parameter_recovery",
    "plot_confusion",
    "plot_model_comparison",
]

#: Columns of a fit's table that are not parameters.
_NOT_PARAMETERS = {"subject", "session", "model", "nll", "aic", "bic", "n_trials", "converged", "degenerate"}

# ----------------------------------------------------------------------------- predictive checks
#: kind -> (condition columns, value column)
_KINDS = {
    "learning_curve": (None, "p_correct"),
    "rlwm_accuracy": (["set_size", "iteration"], "p_correct"),
    "stay_probabilities": (["previous_reward", "previous_transition"], "stay_probability"),
    "lagged_regression": (["regressor", "lag"], "coefficient"),
}


def _replicates(simulated) -> pd.DataFrame:
    if isinstance(simulated, pd.DataFrame):
        require(simulated, ["replicate"], "plot_predictive_check (a single simulated frame)")
        return simulated
    frames = list(simulated)
    if not frames:
        raise CognaxError("plot_predictive_check needs at least one simulated summary")
    return pd.concat([frame.assign(replicate=i) for i, frame in enumerate(frames)], ignore_index=True)


def _observed(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    stats = frame.groupby(keys, sort=True)[value].agg(["mean", "std", "count"]).reset_index()
    stats["sem"] = np.nan_to_num(stats["std"] / np.sqrt(stats["count"]))
    return stats


def _band(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Mean over subjects per replicate, then mean and 95% interval across replicates."""
    per_replicate = frame.groupby(["replicate"] + keys, sort=True)[value].mean().reset_index()
    grouped = per_replicate.groupby(keys, sort=True)[value]
    stats = grouped.mean().rename("mean").to_frame()
    stats["low"], stats["high"] = grouped.quantile(0.025), grouped.quantile(0.975)
    return stats.reset_index()


def _curve(ax, observed, band, x: str, colour, label: str | None = None):
    ax.fill_between(band[x], band["low"], band["high"], color=colour, alpha=0.25, linewidth=0)
    ax.plot(band[x], band["mean"], color=colour, label=f"model{label or ''}")
    ax.errorbar(observed[x], observed["mean"], observed["sem"], color=colour if label else DATA_COLOUR, marker="o",
                markersize=3, linestyle="none", label=f"data{label or ''}")


def plot_predictive_check(
    observed_summary: pd.DataFrame,
    simulated_summaries: Sequence[pd.DataFrame] | pd.DataFrame,
    kind: str,
    *,
    path: str | os.PathLike,
    title: str = "",
    pdf: bool = False,
    dpi: int = 300,
) -> list[Path]:
    """Overlay the data's summary with the model's simulated mean and 95% band.

    The data are shown as the mean across subjects +- SEM; the model as the mean of
    replicate data sets (each averaged across its subjects) with the 2.5-97.5%
    interval across replicates: a posterior (or prior) predictive check (Gelman et al.
    1996; for behaviour, Palminteri, Wyart & Koechlin 2017).

    Args:
        observed_summary: a summary of the data from :mod:`cognax.analysis.behaviour`.
        simulated_summaries: the same summary of each simulated replicate (a list, or one
            frame with a ``replicate`` column).
        kind: ``"learning_curve"`` (by ``trial`` or ``iteration``), ``"rlwm_accuracy"``
            (a line per set size), ``"stay_probabilities"`` (2 x 2 bars) or
            ``"lagged_regression"`` (reward and choice weights by lag).
        path: the ``.png`` (or ``.pdf``) file to write.
        title: figure title.
        pdf: also write a PDF beside the PNG.
        dpi: resolution of the PNG.

    Returns:
        The paths written.

    Reference: Palminteri S, Wyart V, Koechlin E (2017). The importance of
    falsification in computational cognitive modeling. Trends Cogn Sci 21:425-433.
    """
    what = "plot_predictive_check"
    if kind not in _KINDS:
        raise CognaxError(f"{what}: unknown kind {kind!r}; valid: {', '.join(_KINDS)}")
    keys, value = _KINDS[kind]
    if keys is None:
        by_trial = isinstance(observed_summary, pd.DataFrame) and "trial" in observed_summary.columns
        keys = ["trial"] if by_trial else ["iteration"]
    require(observed_summary, keys + [value], f"{what} ({kind}, observed)")
    simulated = _replicates(simulated_summaries)
    require(simulated, keys + [value], f"{what} ({kind}, simulated)")
    if kind == "lagged_regression":
        observed_summary = observed_summary[observed_summary["regressor"] != "intercept"]
        simulated = simulated[simulated["regressor"] != "intercept"]
    observed, band = _observed(observed_summary, keys, value), _band(simulated, keys, value)

    def draw():
        if kind == "stay_probabilities":
            return _draw_stay(observed, band, title)
        if kind == "lagged_regression":
            return _draw_lagged(observed, band, title)
        figure, (ax,) = new_figure(1, (3.2, 2.6))
        if kind == "rlwm_accuracy":
            from matplotlib import colormaps

            sizes = sorted(observed["set_size"].unique())
            colours = colormaps["viridis"](np.linspace(0, 0.9, len(sizes)))
            for size, colour in zip(sizes, colours):
                _curve(ax, observed[observed["set_size"] == size], band[band["set_size"] == size], "iteration",
                       colour, f" ns={size}")
            ax.set_xlabel("stimulus iteration")
        else:
            _curve(ax, observed, band, keys[0], MODEL_COLOUR)
            ax.set_xlabel(keys[0])
        ax.set_ylabel("P(correct)")
        ax.set_ylim(0, 1.02)
        ax.legend(ncols=2 if kind == "rlwm_accuracy" else 1)
        ax.set_title(title)
        return figure

    return draw_and_save(draw, path, pdf, dpi)


def _draw_stay(observed, band, title):
    figure, (ax,) = new_figure(1, (3.0, 2.6))
    colours = {"common": "tab:blue", "rare": "tab:red"}
    for i, reward in enumerate(("rewarded", "unrewarded")):
        for offset, transition in ((-0.2, "common"), (0.2, "rare")):
            data = observed[(observed["previous_reward"] == reward) & (observed["previous_transition"] == transition)]
            model = band[(band["previous_reward"] == reward) & (band["previous_transition"] == transition)]
            first = i == 0
            if len(data):
                ax.bar(i + offset, data["mean"].iloc[0], 0.38, yerr=data["sem"].iloc[0], color=colours[transition],
                       alpha=0.8, capsize=2, label=transition if first else None)
            if len(model):
                centre = model["mean"].iloc[0]
                spread = [[centre - model["low"].iloc[0]], [model["high"].iloc[0] - centre]]
                ax.errorbar(i + offset, centre, spread, color=MODEL_COLOUR, marker="D", markersize=4, capsize=0,
                            linestyle="none", label="model" if first and transition == "common" else None)
    ax.set_xticks([0, 1], ["rewarded", "unrewarded"])
    ax.set_ylabel("P(stay)")
    ax.set_ylim(0, 1.02)
    ax.legend()
    ax.set_title(title)
    return figure


def _draw_lagged(observed, band, title):
    figure, axes = new_figure(2, (2.6, 2.4))
    for ax, regressor in zip(axes, ("reward", "choice")):
        data, model = observed[observed["regressor"] == regressor], band[band["regressor"] == regressor]
        _curve(ax, data, model, "lag", MODEL_COLOUR)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_xlabel("lag (trials back)")
        ax.set_title(f"{regressor} weights")
    axes[0].set_ylabel("regression weight")
    axes[0].legend()
    if title:
        figure.suptitle(title)
    return figure


# ----------------------------------------------------------------------------- parameters
def plot_group_parameters(
    params_frame: pd.DataFrame,
    group_column: str = "group",
    *,
    path: str | os.PathLike,
    parameters: Sequence[str] | None = None,
    pdf: bool = False,
    dpi: int = 300,
) -> list[Path]:
    """Box plot with every subject as a dot, one panel per parameter, by group.

    Args:
        params_frame: one row per subject (e.g. ``FitResult.to_frame()`` joined with
            the subjects' groups), one column per parameter.
        group_column: the subject's group.
        path: the ``.png`` (or ``.pdf``) file to write.
        parameters: columns to show (default: every numeric column except bookkeeping
            such as ``subject``, ``nll``, ``aic``, ``bic``, ``n_trials``).
        pdf: also write a PDF beside the PNG.
        dpi: resolution of the PNG.

    Returns:
        The paths written.
    """
    what = "plot_group_parameters"
    require(params_frame, [group_column], what)
    if parameters is None:
        parameters = [
            name for name in params_frame.columns
            if name not in _NOT_PARAMETERS and name != group_column
            and pd.api.types.is_numeric_dtype(params_frame[name]) and not pd.api.types.is_bool_dtype(params_frame[name])
        ]
    parameters = list(parameters)
    require(params_frame, parameters, what)
    if not parameters:
        raise CognaxError(f"{what}: no numeric parameter columns to plot; name them with parameters=")
    labels = sorted(pd.unique(params_frame[group_column].dropna()), key=str)

    def draw():
        figure, axes = new_figure(len(parameters), (max(1.8, 0.7 * len(labels) + 0.8), 2.4))
        for ax, name in zip(axes, parameters):
            samples = [pd.to_numeric(params_frame.loc[params_frame[group_column] == g, name], errors="coerce")
                       .dropna().to_numpy() for g in labels]
            ax.boxplot(samples, positions=range(len(labels)), widths=0.55, showfliers=False,
                       medianprops={"color": DATA_COLOUR}, tick_labels=[str(g) for g in labels])
            for i, sample in enumerate(samples):
                ax.scatter(i + jitter(len(sample)), sample, s=8, alpha=0.6, color=f"C{i}", linewidths=0, zorder=3)
            ax.set_title(name)
        axes[0].set_ylabel("estimate")
        return figure

    return draw_and_save(draw, path, pdf, dpi)


def _columns(values, what: str) -> dict[str, np.ndarray]:
    if isinstance(values, pd.DataFrame):
        return {str(name): values[name].to_numpy(dtype=float) for name in values.columns
                if name not in _NOT_PARAMETERS and pd.api.types.is_numeric_dtype(values[name])
                and not pd.api.types.is_bool_dtype(values[name])}
    if isinstance(values, Mapping):
        return {str(name): np.asarray(v, dtype=float).ravel() for name, v in values.items()}
    raise CognaxError(f"{what} needs DataFrames or mappings of parameter name to values; got {type(values).__name__}")


def plot_parameter_recovery(
    true: pd.DataFrame | Mapping[str, np.ndarray],
    fitted: pd.DataFrame | Mapping[str, np.ndarray] | None = None,
    *,
    path: str | os.PathLike,
    pdf: bool = False,
    dpi: int = 300,
) -> list[Path]:
    """Fitted against true value of each parameter, with the identity line and Pearson r.

    Args:
        true: the generating parameters by name (columns of a frame, or a mapping);
            alone, a frame with ``true_<name>`` and ``fitted_<name>`` columns (the
            estimates of :func:`cognax.fitting.parameter_recovery`).
        fitted: the recovered parameters, same names and subjects.
        path: the ``.png`` (or ``.pdf``) file to write.
        pdf: also write a PDF beside the PNG.
        dpi: resolution of the PNG.

    Returns:
        The paths written.

    Reference: Wilson RC, Collins AGE (2019). Ten simple rules for the computational
    modeling of behavioral data. eLife 8:e49547.
    """
    what = "plot_parameter_recovery"
    if fitted is None:
        columns = _columns(true, what)
        names = [name[5:] for name in columns if name.startswith("true_") and f"fitted_{name[5:]}" in columns]
        if not names:
            raise CognaxError(f"{what}: give fitted=, or one frame with 'true_<name>' and 'fitted_<name>' columns")
        truth, estimates = {n: columns[f"true_{n}"] for n in names}, {n: columns[f"fitted_{n}"] for n in names}
    else:
        truth, estimates = _columns(true, what), _columns(fitted, what)
        names = [name for name in truth if name in estimates]
        missing = [name for name in truth if name not in estimates]
        if missing or not names:
            raise CognaxError(f"{what}: fitted has no column {(missing or list(truth) or ['?'])[0]!r} to match true")
    for name in names:
        if len(truth[name]) != len(estimates[name]):
            raise CognaxError(f"{what}: parameter {name!r} has {len(truth[name])} true and "
                              f"{len(estimates[name])} fitted values; they must match")

    def draw():
        figure, axes = new_figure(len(names), (2.4, 2.4))
        for ax, name in zip(axes, names):
            x, y = truth[name], estimates[name]
            finite = np.isfinite(x) & np.isfinite(y)
            x, y = x[finite], y[finite]
            ok = len(x) > 1 and np.ptp(x) > 0 and np.ptp(y) > 0
            r = np.corrcoef(x, y)[0, 1] if ok else np.nan
            ax.scatter(x, y, s=8, alpha=0.6, linewidths=0)
            if len(x):
                low, high = min(x.min(), y.min()), max(x.max(), y.max())
                ax.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--")
            ax.set_title(f"{name}   r = {r:.2f}")
            ax.set_xlabel("true")
        axes[0].set_ylabel("fitted")
        return figure

    return draw_and_save(draw, path, pdf, dpi)


# ----------------------------------------------------------------------------- models
def plot_confusion(
    matrix: pd.DataFrame | np.ndarray,
    labels: Sequence[str] | None = None,
    title: str = "",
    *,
    path: str | os.PathLike,
    pdf: bool = False,
    dpi: int = 300,
) -> list[Path]:
    """Heat map with the value in each cell (e.g. a model-recovery confusion matrix).

    Args:
        matrix: ``[generating, recovered]`` values; a DataFrame supplies its own labels
            (index: rows, columns: columns) and axis names.
        labels: names of the rows and columns of an array (default 0, 1, ...).
        title: figure title.
        path: the ``.png`` (or ``.pdf``) file to write.
        pdf: also write a PDF beside the PNG.
        dpi: resolution of the PNG.

    Returns:
        The paths written.

    Reference: Wilson RC, Collins AGE (2019). Ten simple rules for the computational
    modeling of behavioral data. eLife 8:e49547.
    """
    what = "plot_confusion"
    if isinstance(matrix, pd.DataFrame):
        rows = [str(v) for v in (matrix.index if labels is None else labels)]
        columns = [str(v) for v in (matrix.columns if labels is None else labels)]
        row_name, column_name = matrix.index.name or "simulated", matrix.columns.name or "fitted (best)"
        values = matrix.to_numpy(dtype=float)
    else:
        values = np.asarray(matrix, dtype=float)
        if values.ndim != 2:
            raise CognaxError(f"{what} needs a 2-D matrix; got shape {values.shape}")
        rows = [str(v) for v in (labels if labels is not None else range(values.shape[0]))]
        columns = [str(v) for v in (labels if labels is not None else range(values.shape[1]))]
        row_name, column_name = "simulated", "fitted (best)"
    if values.ndim != 2 or (len(rows), len(columns)) != values.shape:
        raise CognaxError(f"{what}: {len(rows)} row and {len(columns)} column labels for a matrix of shape "
                          f"{values.shape}")

    def draw():
        size = 0.55 * max(values.shape) + 1.6
        figure, (ax,) = new_figure(1, (size + 0.6, size))
        top = max(1.0, float(np.nanmax(values))) if np.isfinite(values).any() else 1.0
        image = ax.imshow(values, cmap="Blues", vmin=0, vmax=top)
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if value > 0.6 * top else "black")
        ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xlabel(column_name)
        ax.set_ylabel(row_name)
        ax.spines[:].set_visible(False)
        figure.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title(title)
        return figure

    return draw_and_save(draw, path, pdf, dpi)


def plot_model_comparison(
    comparison_frame: pd.DataFrame, *, path: str | os.PathLike, pdf: bool = False, dpi: int = 300
) -> list[Path]:
    """Summed BIC/AIC difference from the best model, and exceedance probabilities.

    Args:
        comparison_frame: one row per model with ``model`` and ``bic`` and/or ``aic``
            (summed over subjects), and optionally ``protected_exceedance_prob`` or
            ``exceedance_prob`` (as from :func:`cognax.fitting.compare`).
        path: the ``.png`` (or ``.pdf``) file to write.
        pdf: also write a PDF beside the PNG.
        dpi: resolution of the PNG.

    Returns:
        The paths written.

    Reference: Stephan KE, Penny WD, Daunizeau J, Moran RJ, Friston KJ (2009). Bayesian
    model selection for group studies. NeuroImage 46:1004-1017. Rigoux L, Stephan KE,
    Friston KJ, Daunizeau J (2014). NeuroImage 84:971-985.
    """
    what = "plot_model_comparison"
    require(comparison_frame, ["model"], what)
    criteria = [name for name in ("bic", "aic") if name in comparison_frame.columns]
    if not criteria:
        raise CognaxError(f"{what} needs column 'bic' or 'aic'; the frame has: "
                          f"{', '.join(map(str, comparison_frame.columns))}")
    exceedance = next((name for name in ("protected_exceedance_prob", "exceedance_prob")
                       if name in comparison_frame.columns), None)
    frame = comparison_frame.sort_values(criteria[0], kind="stable").reset_index(drop=True)
    models = frame["model"].astype(str).tolist()

    def draw():
        figure, axes = new_figure(2 if exceedance else 1, (3.0, 0.35 * len(models) + 1.2))
        positions = np.arange(len(models))
        height = 0.8 / len(criteria)
        for k, name in enumerate(criteria):
            values = frame[name].to_numpy(dtype=float)
            axes[0].barh(positions + (k - (len(criteria) - 1) / 2) * height, values - np.nanmin(values), height,
                         label=f"Δ{name.upper()}", color=f"C{k}")
        axes[0].set_yticks(positions, models)
        axes[0].invert_yaxis()
        axes[0].set_xlabel("difference from the best model (summed)")
        axes[0].legend()
        if exceedance:
            axes[1].barh(positions, frame[exceedance].to_numpy(dtype=float), 0.6, color="grey")
            axes[1].set_yticks(positions, [])
            axes[1].invert_yaxis()
            axes[1].set_xlim(0, 1)
            protected = exceedance.startswith("protected")
            axes[1].set_xlabel("protected exceedance prob." if protected else "exceedance prob.")
        return figure

    return draw_and_save(draw, path, pdf, dpi)
