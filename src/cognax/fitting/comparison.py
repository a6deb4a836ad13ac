"""Model comparison: information criteria, subjects won, random-effects model selection.

Random-effects Bayesian model selection treats the model as a random variable across
subjects and infers the distribution of model frequencies (Stephan et al. 2009,
NeuroImage 46:1004), with protected exceedance probabilities that account for the
chance that all models are equally frequent (Rigoux et al. 2014, NeuroImage 84:971).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, logsumexp, softmax

from cognax.errors import CognaxError


@dataclasses.dataclass(frozen=True)
class ModelSelection:
    """Result of random-effects Bayesian model selection.

    Attributes:
        alpha: Dirichlet parameters of the posterior over model frequencies.
        expected_frequency: posterior mean frequency of each model.
        exceedance_prob: probability that each model is more frequent than every other.
        protected_exceedance_prob: exceedance corrected for the Bayesian omnibus risk.
        bor: Bayesian omnibus risk, the posterior probability that all models are
            equally frequent.
        responsibilities: ``[subject, model]`` posterior probability of each model.
    """

    alpha: np.ndarray
    expected_frequency: np.ndarray
    exceedance_prob: np.ndarray
    protected_exceedance_prob: np.ndarray
    bor: float
    responsibilities: np.ndarray


def random_effects_bms(
    log_evidence: np.ndarray, n_samples: int = 100_000, seed: int = 0, max_iter: int = 1000, tol: float = 1e-10
) -> ModelSelection:
    """Variational random-effects BMS on a ``[subject, model]`` log-evidence matrix.

    Log evidence is usually approximated by ``-BIC / 2``. Exceedance probabilities are
    estimated from ``n_samples`` Dirichlet draws with a fixed seed (same input, same output).
    """
    log_evidence = np.asarray(log_evidence, dtype=float)
    if log_evidence.ndim != 2 or log_evidence.shape[1] < 2:
        raise CognaxError("model selection needs a [subject, model] matrix with at least two models")
    if not np.all(np.isfinite(log_evidence)):
        raise CognaxError("model selection needs finite log evidence for every subject and model")
    n_subjects, n_models = log_evidence.shape
    alpha0 = np.ones(n_models)
    alpha = alpha0.copy()
    for _ in range(max_iter):
        log_u = log_evidence + digamma(alpha) - digamma(alpha.sum())
        g = softmax(log_u, axis=1)
        new_alpha = alpha0 + g.sum(axis=0)
        if np.max(np.abs(new_alpha - alpha)) < tol:
            alpha = new_alpha
            break
        alpha = new_alpha
    log_u = log_evidence + digamma(alpha) - digamma(alpha.sum())
    g = softmax(log_u, axis=1)

    rng = np.random.default_rng(seed)
    draws = rng.dirichlet(alpha, size=n_samples)
    exceedance = np.bincount(draws.argmax(axis=1), minlength=n_models) / n_samples

    # Free energy of the full (random-effects) model and of the null (equal frequencies).
    expected_log_r = digamma(alpha) - digamma(alpha.sum())
    safe_g = np.clip(g, 1e-300, None)
    kl_dirichlet = (
        gammaln(alpha.sum()) - gammaln(alpha).sum() - gammaln(alpha0.sum()) + gammaln(alpha0).sum()
        + ((alpha - alpha0) * expected_log_r).sum()
    )
    free_energy_full = (g * (log_evidence + expected_log_r - np.log(safe_g))).sum() - kl_dirichlet
    free_energy_null = logsumexp(log_evidence - np.log(n_models), axis=1).sum()
    bor = float(1.0 / (1.0 + np.exp(np.clip(free_energy_full - free_energy_null, -700, 700))))
    protected = (1 - bor) * exceedance + bor / n_models
    return ModelSelection(alpha, alpha / alpha.sum(), exceedance, protected, bor, g)


def compare(fits: Sequence, cv_likelihood: dict[str, float] | None = None) -> pd.DataFrame:
    """Comparison table over several :class:`~cognax.fitting.FitResult` of the same subjects.

    Columns: ``model, n_params, nll, aic, bic, n_best, exceedance_prob,
    protected_exceedance_prob`` (+ ``cv_normalized_likelihood`` when given), sorted by
    summed BIC. ``n_best`` counts the subjects whose BIC is lowest under the model.
    """
    if len(fits) == 0:
        raise CognaxError("nothing to compare: no fitted models")
    subjects = fits[0].subjects
    for fit in fits[1:]:
        if tuple(fit.subjects) != tuple(subjects):
            raise CognaxError("models to compare must be fitted to the same subjects")
    bic = np.stack([fit.bic for fit in fits], axis=1)
    winners = np.bincount(np.argmin(bic, axis=1), minlength=len(fits))
    if len(fits) >= 2:
        selection = random_effects_bms(-bic / 2)
        exceedance, protected = selection.exceedance_prob, selection.protected_exceedance_prob
    else:
        exceedance = protected = np.ones(1)
    rows = []
    for i, fit in enumerate(fits):
        row = {
            "model": fit.model,
            "n_params": fit.n_params,
            "nll": float(fit.nll.sum()),
            "aic": float(fit.aic.sum()),
            "bic": float(fit.bic.sum()),
            "n_best": int(winners[i]),
            "exceedance_prob": float(exceedance[i]),
            "protected_exceedance_prob": float(protected[i]),
        }
        if cv_likelihood is not None:
            row["cv_normalized_likelihood"] = cv_likelihood.get(fit.model, np.nan)
        rows.append(row)
    return pd.DataFrame(rows).sort_values("bic", kind="stable").reset_index(drop=True)
