"""Logistic regression by Newton's method, with fixed intercepts per group (private).

The behavioural regressions of this package (stay on reward x transition, choice on
past rewards and choices) are small: a handful of slopes, optionally one intercept per
subject. Newton's method solves them in a few iterations; standard errors come from
the inverse Fisher information at the optimum (the observed and expected information
coincide for the logit link).

The per-group intercepts are never materialised as one-hot columns: the blocks of the
Hessian that involve them are sums over each group's rows (``np.bincount``), so a
pooled fit over a hundred subjects and a hundred thousand trials needs memory for the
slopes only.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit
from scipy.stats import norm

#: A linear predictor this far from 0 means probabilities of 0 or 1 to machine precision:
#: the data are separated and the maximum-likelihood estimate does not exist.
_SEPARATED = 30.0


@dataclasses.dataclass(frozen=True)
class LogisticFit:
    """Result of :func:`fit_logistic`.

    Attributes:
        coefficients: ``[feature]`` slopes.
        standard_errors: ``[feature]`` their standard errors.
        intercepts: ``[group]`` intercepts (NaN for a group left out, see ``kept``).
        intercept_errors: ``[group]`` their standard errors.
        kept: ``[group]`` False for a group whose outcome never varies: its intercept is
            infinite and it says nothing about the slopes, so it is left out.
        log_likelihood: at the estimate (without the penalty).
        n_observations: rows used.
        converged: False if Newton's method did not converge or the data are separated
            (estimates then are not meaningful).
    """

    coefficients: np.ndarray
    standard_errors: np.ndarray
    intercepts: np.ndarray
    intercept_errors: np.ndarray
    kept: np.ndarray
    log_likelihood: float
    n_observations: int
    converged: bool

    @property
    def z(self) -> np.ndarray:
        return self.coefficients / self.standard_errors

    @property
    def p_values(self) -> np.ndarray:
        """Two-sided Wald p-values."""
        return 2 * norm.sf(np.abs(self.z))


def _log_likelihood(eta: np.ndarray, outcome: np.ndarray) -> float:
    return float(np.sum(outcome * eta - np.logaddexp(0.0, eta)))


def fit_logistic(
    features: np.ndarray,
    outcome: np.ndarray,
    groups: np.ndarray | None = None,
    penalty: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-9,
) -> LogisticFit:
    """Maximum-likelihood (or L2-penalised) logistic regression.

    ``P(outcome = 1) = expit(intercept[group] + features @ coefficients)``.

    Args:
        features: ``[row, feature]`` slopes' regressors (no intercept column).
        outcome: ``[row]`` 0/1.
        groups: ``[row]`` integer codes ``0..G-1``, one intercept each; ``None``: one
            intercept.
        penalty: L2 penalty ``penalty / 2 * |coefficients|^2`` on the slopes (a Gaussian
            prior with variance ``1 / penalty``); intercepts are never penalised. A small
            penalty gives finite estimates where the data are separated.
        max_iter: Newton iterations at most.
        tol: converged when no parameter moves more than this.
    """
    features = np.asarray(features, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    n_rows, n_features = features.shape
    codes = np.zeros(n_rows, dtype=int) if groups is None else np.asarray(groups, dtype=int)
    n_groups = int(codes.max()) + 1 if n_rows else 1

    count = np.bincount(codes, minlength=n_groups)
    hits = np.bincount(codes, weights=outcome, minlength=n_groups)
    kept = (hits > 0) & (hits < count)
    rows = kept[codes]
    features, outcome = features[rows], outcome[rows]
    remap = np.cumsum(kept) - 1
    codes = remap[codes[rows]]
    n_kept = int(kept.sum())

    nan_slopes = np.full(n_features, np.nan)
    nan_groups = np.full(n_groups, np.nan)
    if n_kept == 0:
        return LogisticFit(nan_slopes, nan_slopes, nan_groups, nan_groups, kept, np.nan, int(rows.sum()), False)

    mean = hits[kept] / count[kept]
    intercepts = np.log(mean / (1 - mean))
    slopes = np.zeros(n_features)
    ridge = penalty * np.eye(n_features)

    def linear(intercepts, slopes):
        return intercepts[codes] + features @ slopes

    def objective(eta, slopes):
        return _log_likelihood(eta, outcome) - 0.5 * penalty * float(slopes @ slopes)

    def information(eta):
        weight = expit(eta) * expit(-eta)
        top = np.diag(np.bincount(codes, weights=weight, minlength=n_kept))
        cross = np.zeros((n_kept, n_features))
        for j, column in enumerate(features.T):
            cross[:, j] = np.bincount(codes, weights=weight * column, minlength=n_kept)
        bottom = features.T @ (weight[:, None] * features) + ridge
        return np.block([[top, cross], [cross.T, bottom]])

    eta = linear(intercepts, slopes)
    value = objective(eta, slopes)
    converged = False
    for _ in range(max_iter):
        residual = outcome - expit(eta)
        gradient = np.concatenate([np.bincount(codes, weights=residual, minlength=n_kept),
                                   features.T @ residual - penalty * slopes])
        try:
            step = np.linalg.solve(information(eta), gradient)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        scale = 1.0
        for _ in range(40):  # step halving: Newton may overshoot far from the optimum
            new_intercepts = intercepts + scale * step[:n_kept]
            new_slopes = slopes + scale * step[n_kept:]
            new_eta = linear(new_intercepts, new_slopes)
            new_value = objective(new_eta, new_slopes)
            if new_value >= value - 1e-12 * abs(value):
                break
            scale /= 2
        intercepts, slopes, eta, value = new_intercepts, new_slopes, new_eta, new_value
        if np.max(np.abs(scale * step)) < tol:
            converged = True
            break
        if np.max(np.abs(eta)) > _SEPARATED:
            break
    converged = converged and np.max(np.abs(eta)) <= _SEPARATED

    try:
        covariance = np.linalg.inv(information(eta))
        errors = np.sqrt(np.diag(covariance))
    except np.linalg.LinAlgError:
        errors = np.full(n_kept + n_features, np.nan)
    converged = converged and bool(np.all(np.isfinite(errors)))
    all_intercepts, all_errors = nan_groups.copy(), nan_groups.copy()
    all_intercepts[kept], all_errors[kept] = intercepts, errors[:n_kept]
    return LogisticFit(
        coefficients=slopes,
        standard_errors=errors[n_kept:],
        intercepts=all_intercepts,
        intercept_errors=all_errors,
        kept=kept,
        log_likelihood=_log_likelihood(eta, outcome),
        n_observations=int(rows.sum()),
        converged=converged,
    )
