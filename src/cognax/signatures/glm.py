"""Poisson regression (log link) for spike counts, fitted for many units at once.

Each response column y (a unit, a unit x time bin, or a unit under a permutation) is
fitted by iteratively reweighted least squares (Newton's method for the Poisson log
likelihood): with eta = X b and mu = exp(eta),

    b <- b + (X' diag(mu) X)^(-1) X' (y - mu),

all columns in one batched solve per iteration. Wald z statistics come from the inverse
Fisher information at the optimum. The linear predictor is clipped to |eta| <= 30 so
that a unit that never fires (or whose rate is perfectly predicted) cannot overflow;
its coefficients then diverge slowly and its z stays small.

Reference: McCullagh P, Nelder JA (1989). Generalized Linear Models, 2nd ed., ch. 2
and 6 (Poisson regression, IRLS).
"""

from __future__ import annotations

import numpy as np

from cognax.errors import CognaxError

MAX_ITERATIONS = 50
TOLERANCE = 1e-8
_ETA_LIMIT = 30.0


def check_counts(activity: np.ndarray) -> None:
    """Poisson responses must be non-negative (counts or rates times a fixed bin)."""
    if (activity < 0).any():
        where = tuple(int(i) for i in np.argwhere(activity < 0)[0])
        raise CognaxError(f"Poisson regression needs non-negative counts; activity is negative at index {where}")


def poisson_fit(design: np.ndarray, responses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit every column of ``responses`` (trials first) by Poisson regression on ``design``.

    Returns:
        ``(coefficients, z)``, each ``[coefficient, ...]`` with the trailing shape of
        ``responses``.
    """
    n, p = design.shape
    flat = responses.reshape(n, -1).astype(float)
    mean = flat.mean(0)
    coefficients = np.zeros((p, flat.shape[1]))
    coefficients[0] = np.log(np.maximum(mean, 1e-3))  # start at the intercept-only fit
    for _ in range(MAX_ITERATIONS):
        eta = np.clip(design @ coefficients, -_ETA_LIMIT, _ETA_LIMIT)
        mu = np.exp(eta)
        gradient = design.T @ (flat - mu)  # [p, m]
        information = np.einsum("np,nm,nq->mpq", design, mu, design)
        information += 1e-10 * np.eye(p)  # a unit that never fires has zero information
        step = np.linalg.solve(information, gradient.T[..., None])[..., 0].T
        coefficients = coefficients + step
        if np.max(np.abs(step)) < TOLERANCE:
            break
    mu = np.exp(np.clip(design @ coefficients, -_ETA_LIMIT, _ETA_LIMIT))
    information = np.einsum("np,nm,nq->mpq", design, mu, design) + 1e-10 * np.eye(p)
    errors = np.sqrt(np.diagonal(np.linalg.inv(information), axis1=1, axis2=2)).T
    z = np.where(mean > 0, coefficients / errors, 0.0)
    shape = (p,) + responses.shape[1:]
    return coefficients.reshape(shape), z.reshape(shape)


__all__ = ["poisson_fit", "check_counts"]
