"""Encoding models: regress each unit's trial-wise activity on model latents.

For every unit (neuron, voxel, network unit) the activity y on each trial is fitted by
ordinary least squares on an intercept and the chosen regressors (latents such as
``rpe`` or ``value_chosen``, z-scored so that coefficients compare across regressors):

    y = b0 + sum_j b_j x_j + noise.

Each coefficient gets a parametric t test and a permutation test. The permutation null
is Freedman & Lane's (1983): to test b_j, the residuals of the model *without* x_j are
shuffled across trials and added back to its fitted values, and the full model is
refitted; this keeps the other regressors' (often strong) correlation with x_j and
with y, so the test is exact under exchangeable noise even when latents are
correlated (values and prediction errors usually are). p = (1 + #{|t*| >= |t|}) /
(1 + n_permutations). Across units the permutation p-values are corrected by the
Benjamini-Hochberg false-discovery rate (q-values), per regressor.

Time-resolved versions fit each time bin of activity aligned to a trial event
(``[trial, unit, time]``) with the same permutations, and control the FDR over
units x time bins.

References: Freedman D, Lane D (1983). A nonstochastic interpretation of reported
significance levels. J Bus Econ Stat 1:292-298. Benjamini Y, Hochberg Y (1995).
Controlling the false discovery rate. J R Stat Soc B 57:289-300. Winkler AM et al.
(2014). Permutation inference for the general linear model. NeuroImage 92:381-397.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import jax
import numpy as np
import pandas as pd
from scipy import stats

from cognax.errors import CognaxError, unknown_name


def check_activity(activity, n_trials: int | None = None, what: str = "activity") -> np.ndarray:
    """Validate an activity array: ``[trial, unit]`` or ``[trial, unit, time]``, finite numbers."""
    try:
        array = np.asarray(activity, dtype=float)
    except (TypeError, ValueError):
        raise CognaxError(f"{what} must be a numeric array of shape (trials, units) or (trials, units, time bins)") from None
    if array.ndim not in (2, 3) or array.shape[0] == 0 or array.shape[1] == 0:
        raise CognaxError(f"{what} must have shape (trials, units) or (trials, units, time bins); got shape {array.shape}")
    if n_trials is not None and array.shape[0] != n_trials:
        raise CognaxError(f"{what} has {array.shape[0]} trials but the trial table has {n_trials}; they must match")
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CognaxError(f"{what} has NaN or infinite values (first at index {where}); remove or impute them first")
    return array


def design_matrix(regressors, names: Sequence[str] | None = None, standardize: bool = True) -> tuple[np.ndarray, list[str]]:
    """Regressors -> ``([trial, 1 + k] design with intercept, names)``.

    ``regressors``: a DataFrame (``names`` selects columns; unknown names raise listing
    the valid ones) or a ``[trial, k]`` array with ``names``.
    """
    if isinstance(regressors, pd.DataFrame):
        names = list(regressors.columns) if names is None else list(names)
        for name in names:
            if name not in regressors.columns:
                raise unknown_name("latent/regressor", name, map(str, regressors.columns))
        values = regressors[names].to_numpy(dtype=float)
    else:
        values = np.asarray(regressors, dtype=float)
        values = values[:, None] if values.ndim == 1 else values
        names = [f"x{i}" for i in range(values.shape[1])] if names is None else list(names)
        if values.ndim != 2 or values.shape[1] != len(names):
            raise CognaxError(f"regressors must have shape (trials, {len(names)}) for names {names}; got {values.shape}")
    if len(names) == 0:
        raise CognaxError("give at least one regressor")
    if not np.isfinite(values).all():
        bad = names[int(np.argwhere(~np.isfinite(values))[0][1])]
        raise CognaxError(f"regressor {bad!r} has NaN or infinite values (e.g. trials marked invalid); drop those trials")
    spread = values.std(axis=0)
    if (spread == 0).any():
        raise CognaxError(f"regressor {names[int(np.argmin(spread))]!r} is constant; it cannot be regressed on")
    if standardize:
        values = (values - values.mean(0)) / spread
    design = np.column_stack([np.ones(values.shape[0]), values])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise CognaxError(f"regressors {names} are collinear (with each other or the intercept)")
    return design, names


def _t_statistics(design: np.ndarray, responses: np.ndarray, column: int | None = None):
    """OLS coefficients and t statistics for every response column (vectorised over units).

    ``responses``: ``[trial, ...]``; returns arrays ``[coef, ...]`` (or one row if ``column``).
    """
    n, p = design.shape
    flat = responses.reshape(n, -1)
    gram_inverse = np.linalg.inv(design.T @ design)
    coefficients = gram_inverse @ design.T @ flat
    residuals = flat - design @ coefficients
    variance = (residuals**2).sum(0) / (n - p)
    errors = np.sqrt(np.outer(np.diag(gram_inverse), variance))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(errors > 0, coefficients / errors, 0.0)
    shape = (p,) + responses.shape[1:]
    if column is not None:
        return coefficients[column].reshape(responses.shape[1:]), t[column].reshape(responses.shape[1:])
    return coefficients.reshape(shape), t.reshape(shape)


def _permutations(seed, n_trials: int, n_permutations: int) -> np.ndarray:
    key = jax.random.key(seed) if isinstance(seed, int) else seed
    keys = jax.random.split(key, n_permutations)
    return np.asarray(jax.vmap(lambda k: jax.random.permutation(k, n_trials))(keys))


def encoding_regression(
    activity,
    regressors,
    names: Sequence[str] | None = None,
    n_permutations: int = 1000,
    seed: int | jax.Array = 0,
    fdr: float = 0.05,
    unit_names: Sequence | None = None,
    times: Sequence[float] | None = None,
    family: str = "gaussian",
) -> pd.DataFrame:
    """Regress every unit's activity on the regressors, with permutation tests and FDR control.

    Args:
        activity: ``[trial, unit]`` (one number per trial) or ``[trial, unit, time]``
            (time-resolved: activity in bins aligned to a trial event).
        regressors: a DataFrame of latents (e.g. from :func:`cognax.models.latents`) or a
            ``[trial, k]`` array; one row per trial of ``activity``.
        names: the regressor columns to use (default: all).
        n_permutations: Freedman-Lane permutations per regressor (0: parametric only).
        seed: int or JAX key for the permutations (the same seed, the same p-values).
        fdr: the false-discovery rate for ``significant``.
        unit_names: labels for the units (default 0..n-1).
        times: labels for the time bins of 3-D activity.
        family: ``"gaussian"`` (OLS, t statistics, Freedman-Lane permutations) or
            ``"poisson"`` (a GLM with log link for spike counts,
            :mod:`cognax.signatures.glm`; Wald z statistics in the ``t`` column, normal
            p-values, and permutations of the activity across trials, which test the
            joint null that no regressor relates to the unit: exact for one regressor,
            and for several a test of the unit's tuning to any of them).

    Returns:
        One row per unit x regressor (x time bin): ``unit, [time], regressor, coefficient
        (per SD of the regressor), t, p_parametric, p_permutation, q, significant``. ``q``
        is the Benjamini-Hochberg adjusted p-value over the units (and time bins) of each
        regressor (of the permutation p-values, or of the parametric ones when
        ``n_permutations`` is 0).

    Example:
        >>> table = models.latents(model, fitted, batch)                         # doctest: +SKIP
        >>> encoding_regression(spikes, table, ["rpe", "value_chosen"])          # doctest: +SKIP
    """
    activity = check_activity(activity, len(regressors))
    design, names = design_matrix(regressors, names)
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) or n_permutations < 0:
        raise CognaxError(f"n_permutations must be an integer >= 0; got {n_permutations!r}")
    if not 0.0 < float(fdr) < 1.0:
        raise CognaxError(f"fdr must lie in (0, 1); got {fdr!r}")
    n_trials, n_units = activity.shape[:2]
    if n_trials <= design.shape[1] + 1:
        raise CognaxError(f"need more trials ({n_trials}) than regressors + 2 ({design.shape[1] + 1})")
    time_resolved = activity.ndim == 3
    if family == "gaussian":
        coefficients, t = _t_statistics(design, activity)
        p_parametric = 2.0 * stats.t.sf(np.abs(t), n_trials - design.shape[1])
    elif family == "poisson":
        from cognax.signatures.glm import check_counts, poisson_fit

        check_counts(activity)
        coefficients, t = poisson_fit(design, activity)
        p_parametric = 2.0 * stats.norm.sf(np.abs(t))
    else:
        raise unknown_name("regression family", family, ("gaussian", "poisson"))
    p_permutation = np.full_like(t, np.nan)
    if n_permutations:
        orders = _permutations(seed, n_trials, n_permutations)
        if family == "gaussian":
            for j in range(1, design.shape[1]):
                p_permutation[j] = _freedman_lane(design, activity, j, t[j], orders)
        else:
            p_permutation[1:] = _permuted_poisson(design, activity, t[1:], orders)

    unit_labels = np.arange(n_units) if unit_names is None else np.asarray(unit_names)
    if len(unit_labels) != n_units:
        raise CognaxError(f"unit_names has {len(unit_labels)} labels for {n_units} units")
    frames = []
    for j, name in enumerate(names, start=1):
        tested = p_permutation[j] if n_permutations else p_parametric[j]
        q = stats.false_discovery_control(tested.ravel(), method="bh").reshape(tested.shape)
        columns = {
            "unit": unit_labels, "regressor": name, "coefficient": coefficients[j], "t": t[j],
            "p_parametric": p_parametric[j], "p_permutation": p_permutation[j], "q": q, "significant": q <= fdr,
        }
        if time_resolved:
            n_bins = activity.shape[2]
            time_labels = np.arange(n_bins) if times is None else np.asarray(times)
            if len(time_labels) != n_bins:
                raise CognaxError(f"times has {len(time_labels)} labels for {n_bins} time bins")
            columns = {k: (np.repeat(v, n_bins) if k == "unit" else np.ravel(v) if np.ndim(v) else v)
                       for k, v in columns.items()}
            columns["time"] = np.tile(time_labels, n_units)
        frames.append(pd.DataFrame(columns))
    table = pd.concat(frames, ignore_index=True)
    order = ["unit", "time"] if time_resolved else ["unit"]
    return table[order + [c for c in table.columns if c not in order]]


def _freedman_lane(design, activity, column, observed_t, orders) -> np.ndarray:
    """Permutation p-values of one coefficient (Freedman & Lane 1983), for every unit/bin."""
    n = design.shape[0]
    reduced = np.delete(design, column, axis=1)
    flat = activity.reshape(n, -1)
    fitted = reduced @ np.linalg.lstsq(reduced, flat, rcond=None)[0]
    residuals = flat - fitted
    exceed = np.zeros(flat.shape[1])
    for order in orders:
        _, t = _t_statistics(design, fitted + residuals[order], column)
        exceed += np.abs(t) >= np.abs(observed_t.ravel()) - 1e-12
    return ((1.0 + exceed) / (1.0 + len(orders))).reshape(observed_t.shape)


def _permuted_poisson(design, activity, observed_z, orders, chunk: int = 50) -> np.ndarray:
    """Permutation p-values of every slope of a Poisson GLM (activity permuted across trials)."""
    from cognax.signatures.glm import poisson_fit

    exceed = np.zeros(observed_z.shape)
    for start in range(0, len(orders), chunk):
        block = orders[start:start + chunk]
        # [trial, permutation, ...]: one batched fit for a chunk of permutations
        permuted = np.stack([activity[order] for order in block], axis=1)
        _, z = poisson_fit(design, permuted)
        exceed += (np.abs(z[1:]) >= np.abs(observed_z)[:, None] - 1e-12).sum(axis=1)
    return (1.0 + exceed) / (1.0 + len(orders))


def fraction_significant(result: pd.DataFrame, regressor: str) -> float:
    """Share of units (unit x time bins) with a significant coefficient on ``regressor``."""
    if regressor not in set(result["regressor"]):
        raise unknown_name("regressor", regressor, set(result["regressor"]))
    return float(result.loc[result["regressor"] == regressor, "significant"].mean())


def align_to_events(signal, sample_times, event_times, window: tuple[float, float], n_bins: int) -> np.ndarray:
    """Cut a continuous signal into trial-aligned bins: ``[unit, sample]`` -> ``[trial, unit, bin]``.

    Each trial's bins cover ``event_time + window`` split into ``n_bins`` equal bins; a
    bin's value is the mean of the samples in it. Bins without samples (window outside
    the recording) raise.
    """
    signal = np.asarray(signal, dtype=float)
    sample_times = np.asarray(sample_times, dtype=float)
    events = np.asarray(event_times, dtype=float)
    if signal.ndim != 2 or signal.shape[1] != sample_times.shape[0]:
        raise CognaxError(f"signal must have shape (units, samples) with one time per sample; got {signal.shape}, {sample_times.shape}")
    if not np.all(np.diff(sample_times) > 0):
        raise CognaxError("sample times must increase strictly")
    if not np.isfinite(events).all():
        raise CognaxError("event times must be finite (a trial without the event cannot be aligned)")
    edges = events[:, None] + np.linspace(window[0], window[1], n_bins + 1)[None, :]
    index = np.searchsorted(sample_times, edges)
    cumulative = np.concatenate([np.zeros((signal.shape[0], 1)), np.cumsum(signal, axis=1)], axis=1)
    counts = np.diff(index, axis=1)
    if (counts == 0).any():
        trial = int(np.argwhere(counts == 0)[0][0])
        raise CognaxError(
            f"trial {trial}: the window {window} around its event at {events[trial]:g} s has bins with no samples "
            f"(recording spans {sample_times[0]:g}-{sample_times[-1]:g} s)"
        )
    sums = cumulative[:, index[:, 1:]] - cumulative[:, index[:, :-1]]
    return np.transpose(sums / counts[None], (1, 0, 2))


def bin_spikes(spike_times: Mapping | Sequence, event_times, window: tuple[float, float], n_bins: int) -> np.ndarray:
    """Spike counts per trial-aligned bin: a list of spike-time arrays -> ``[trial, unit, bin]``."""
    events = np.asarray(event_times, dtype=float)
    if not np.isfinite(events).all():
        raise CognaxError("event times must be finite (a trial without the event cannot be aligned)")
    edges = np.linspace(window[0], window[1], n_bins + 1)
    counts = np.zeros((events.shape[0], len(spike_times), n_bins))
    for unit, times in enumerate(spike_times):
        times = np.sort(np.asarray(times, dtype=float))
        index = np.searchsorted(times, events[:, None] + edges[None, :])
        counts[:, unit, :] = np.diff(index, axis=1)
    return counts


__all__ = [
    "encoding_regression", "design_matrix", "check_activity", "fraction_significant", "align_to_events",
    "bin_spikes",
]
