"""Cross-validation, parameter recovery and model recovery (Wilson & Collins 2019, eLife).

Cross-validation holds out whole blocks (or sessions, or contiguous runs of trials):
parameters are fitted on the other folds and the held-out trials are scored while the
model still learns from every trial, so its values are what they would be in the data.
"""

from __future__ import annotations

from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.data.batch import to_batch
from cognax.errors import CognaxError
from cognax.fitting.mle import enable_float64, fit
from cognax.models.base import Model, trial_log_likelihood
from cognax.simulation import simulate
from cognax.tasks.base import Task, check_count


def fold_labels(batch, n_folds: int) -> np.ndarray:
    """``[subject, trial]`` fold index: by block or session where the data has them."""
    check_count("n_folds", n_folds, minimum=2)
    mask = np.asarray(batch.mask)
    for column in ("block", "session"):
        if column in batch.columns:
            units = np.asarray(batch.columns[column])
            labels = np.zeros(mask.shape, dtype=int)
            enough = True
            for s in range(batch.n_subjects):
                unique = pd.unique(units[s][mask[s]])
                if len(unique) < n_folds:
                    enough = False
                    break
                lookup = {u: i % n_folds for i, u in enumerate(unique)}
                labels[s] = np.array([lookup.get(u, 0) for u in units[s]])
            if enough:
                return labels
    position = np.cumsum(mask, axis=1) - 1
    length = np.maximum(mask.sum(axis=1, keepdims=True), 1)
    return np.minimum(position * n_folds // length, n_folds - 1)


def cross_validate(model: Model, batch, key, n_folds: int = 5, n_starts: int = 5, progress: Callable | None = None):
    """Held-out normalised likelihood per subject: exp(mean held-out log-likelihood per trial)."""
    enable_float64()
    labels = fold_labels(batch, n_folds)
    held_out_ll = np.zeros(batch.n_subjects)
    held_out_n = np.zeros(batch.n_subjects)
    fit_mask = np.asarray(batch.fit_mask)
    for fold, fold_key in enumerate(jax.random.split(key, n_folds)):
        test = labels == fold
        result = fit(model, batch, fold_key, n_starts=n_starts, score_mask=~test, standard_errors=False)
        ll = trial_log_likelihood(model, result.params, batch, score_mask=jnp.asarray(test))
        held_out_ll += np.asarray(ll).sum(axis=1)
        held_out_n += (test & fit_mask).sum(axis=1)
        if progress is not None:
            progress(fold + 1, n_folds)
    return np.exp(held_out_ll / np.maximum(held_out_n, 1))


def sample_parameters(model: Model, key, n_subjects: int) -> dict[str, np.ndarray]:
    """Draw parameters for simulated subjects from the model's priors (and its integer grids)."""
    keys = jax.random.split(key, model.n_params + len(model.discrete_parameters) + 1)
    params = {
        p.name: np.asarray(p.prior.sample(k, (n_subjects,), p.low, p.high)) for p, k in zip(model.parameters, keys)
    }
    for (name, values), k in zip(model.discrete_parameters.items(), keys[model.n_params :]):
        params[name] = np.asarray(values)[np.asarray(jax.random.randint(k, (n_subjects,), 0, len(values)))]
    return params


def parameter_recovery(
    model: Model, task: Task, key, n_subjects: int = 100, n_starts: int = 5, progress: Callable | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate subjects with parameters from the priors, refit, compare.

    Returns ``(summary, estimates)``: ``summary`` has one row per parameter
    (``parameter, pearson_r, bias, rmse``); ``estimates`` has the true and fitted value
    of every parameter of every simulated subject.
    """
    check_count("n_subjects", n_subjects, minimum=3)
    sample_key, simulate_key, fit_key = jax.random.split(key, 3)
    truth = sample_parameters(model, sample_key, n_subjects)
    table = simulate(simulate_key, model, task, truth, n_subjects=n_subjects)
    result = fit(model, to_batch(table, task), fit_key, n_starts=n_starts, standard_errors=False, progress=progress)
    rows, estimates = [], {"subject": np.arange(n_subjects)}
    for name in list(model.parameter_names) + list(model.discrete_parameters):
        true, fitted = np.asarray(truth[name], dtype=float), np.asarray(result.params[name], dtype=float)
        estimates[f"true_{name}"], estimates[f"fitted_{name}"] = true, fitted
        r = np.corrcoef(true, fitted)[0, 1] if np.std(true) > 0 and np.std(fitted) > 0 else np.nan
        rows.append({
            "parameter": name,
            "pearson_r": float(r),
            "bias": float(np.mean(fitted - true)),
            "rmse": float(np.sqrt(np.mean((fitted - true) ** 2))),
        })
    return pd.DataFrame(rows), pd.DataFrame(estimates)


def model_recovery(
    models: Sequence[Model], task: Task, key, n_subjects: int = 50, n_starts: int = 5, progress: Callable | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate from each model, fit every model, count which wins by BIC.

    Returns ``(confusion, inversion)``: ``confusion[i, j]`` = P(model j wins | data from
    model i); ``inversion[i, j]`` = P(data from model i | model j wins).
    """
    if len(models) < 2:
        raise CognaxError("model recovery needs at least two models")
    names = [m.name for m in models]
    counts = np.zeros((len(models), len(models)))
    total = len(models) ** 2
    done = 0
    for i, (generator, generator_key) in enumerate(zip(models, jax.random.split(key, len(models)))):
        sample_key, simulate_key, fit_key = jax.random.split(generator_key, 3)
        truth = sample_parameters(generator, sample_key, n_subjects)
        batch = to_batch(simulate(simulate_key, generator, task, truth, n_subjects=n_subjects), task)
        bics = []
        for candidate in models:
            bics.append(fit(candidate, batch, fit_key, n_starts=n_starts, standard_errors=False).bic)
            done += 1
            if progress is not None:
                progress(done, total)
        winners = np.argmin(np.stack(bics, axis=1), axis=1)
        counts[i] = np.bincount(winners, minlength=len(models))
    confusion = counts / counts.sum(axis=1, keepdims=True)
    inversion = counts / np.maximum(counts.sum(axis=0, keepdims=True), 1)
    frame = lambda m: pd.DataFrame(m, index=pd.Index(names, name="generating"), columns=names)
    return frame(confusion), frame(inversion)
