"""Cross-validated decoding of task variables and model latents from population activity.

A linear read-out is trained on some trials and tested on others (K contiguous blocks
of trials by default: neighbouring trials share slow drifts, and interleaved folds would
let a decoder exploit them). Continuous targets (a latent such as ``rpe``) use ridge
regression, scored by the correlation between held-out predictions and the truth;
categorical targets (choice, stimulus, stage-2 state) use regularised linear
discriminant analysis, scored by held-out accuracy. Each unit is z-scored with the
training trials' mean and SD. Significance comes from permutation: the target is
shuffled across trials and the whole cross-validation rerun, p = (1 + #{s* >= s}) /
(1 + n_permutations).

References: Hastie T, Tibshirani R, Friedman J (2009). The Elements of Statistical
Learning, ch. 3.4 (ridge) and 4.3 (regularised discriminant analysis). Glaser JI et al.
(2020). Machine learning for neural decoding. eNeuro 7:ENEURO.0506-19.2020.
"""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd

from cognax.errors import CognaxError, unknown_name
from cognax.signatures.regression import check_activity

KINDS = ("auto", "continuous", "categorical")


def _folds(n_trials: int, n_folds: int) -> list[np.ndarray]:
    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or not 2 <= n_folds <= n_trials // 2:
        raise CognaxError(f"n_folds must be an integer in [2, {n_trials // 2}] for {n_trials} trials; got {n_folds!r}")
    return np.array_split(np.arange(n_trials), n_folds)


def _standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, spread = train.mean(0), train.std(0)
    spread = np.where(spread > 0, spread, 1.0)
    return (train - mean) / spread, (test - mean) / spread


def _ridge_predictions(activity, targets, folds, ridge) -> np.ndarray:
    """Held-out ridge predictions for every target column ``[trial, target]``."""
    predictions = np.empty_like(targets)
    for test in folds:
        train = np.setdiff1d(np.arange(activity.shape[0]), test)
        x_train, x_test = _standardise(activity[train], activity[test])
        offset = targets[train].mean(0)
        gram = x_train.T @ x_train + ridge * x_train.shape[0] * np.eye(x_train.shape[1])
        weights = np.linalg.solve(gram, x_train.T @ (targets[train] - offset))
        predictions[test] = x_test @ weights + offset
    return predictions


def _column_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(0)
    b = b - b.mean(0)
    denominator = np.sqrt((a**2).sum(0) * (b**2).sum(0))
    return np.where(denominator > 0, (a * b).sum(0) / np.where(denominator > 0, denominator, 1.0), 0.0)


def _lda_predictions(activity, labels, folds, ridge, n_classes) -> np.ndarray:
    predictions = np.empty_like(labels)
    for test in folds:
        train = np.setdiff1d(np.arange(activity.shape[0]), test)
        x_train, x_test = _standardise(activity[train], activity[test])
        y = labels[train]
        present = np.unique(y)
        means = np.stack([x_train[y == c].mean(0) for c in present])
        centred = x_train - means[np.searchsorted(present, y)]
        covariance = centred.T @ centred / max(len(y) - len(present), 1)
        # Shrink toward the identity (units are z-scored): stable with more units than trials.
        covariance = (1.0 - ridge) * covariance + ridge * np.eye(covariance.shape[0])
        weights = np.linalg.solve(covariance, means.T)
        scores = x_test @ weights - 0.5 * np.sum(means.T * weights, axis=0) + np.log(
            np.bincount(np.searchsorted(present, y)) / len(y)
        )
        predictions[test] = present[np.argmax(scores, axis=1)]
    return predictions


def decode(
    activity,
    target,
    kind: str = "auto",
    n_folds: int = 5,
    ridge: float = 0.1,
    n_permutations: int = 200,
    seed: int | jax.Array = 0,
) -> dict:
    """Cross-validated decoding of one target from ``[trial, unit]`` activity.

    Args:
        activity: ``[trial, unit]`` (``[trial, unit, time]``: use :func:`decode_over_time`).
        target: one value per trial (a latent, a choice, a stimulus...).
        kind: ``continuous`` (ridge; score = correlation of held-out predictions),
            ``categorical`` (regularised LDA; score = held-out accuracy) or ``auto``
            (categorical for integer, boolean or text targets with at most 20 values).
        n_folds: contiguous cross-validation blocks.
        ridge: regularisation: ridge penalty per trial (continuous) or shrinkage of the
            covariance toward the identity in [0, 1] (categorical).
        n_permutations: shuffled-target reruns for the p-value (0: none).
        seed: int or JAX key for the permutations.

    Returns:
        ``{"kind", "score", "p_value", "null_mean", "chance", "predictions"}``.
    """
    activity = check_activity(activity)
    if activity.ndim != 2:
        raise CognaxError(f"decode needs activity of shape (trials, units); got {activity.shape} (use decode_over_time)")
    values = np.asarray(target)
    if values.ndim != 1 or values.shape[0] != activity.shape[0]:
        raise CognaxError(f"target must have one value per trial ({activity.shape[0]}); got shape {values.shape}")
    if kind not in KINDS:
        raise unknown_name("decoding kind", kind, KINDS)
    if kind == "auto":
        discrete = values.dtype.kind in "biuOUS" and len(pd.unique(values)) <= 20
        kind = "categorical" if discrete else "continuous"
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) or n_permutations < 0:
        raise CognaxError(f"n_permutations must be an integer >= 0; got {n_permutations!r}")
    folds = _folds(activity.shape[0], n_folds)
    key = jax.random.key(seed) if isinstance(seed, int) else seed
    orders = np.asarray(jax.vmap(lambda k: jax.random.permutation(k, activity.shape[0]))(
        jax.random.split(key, max(n_permutations, 1))
    ))[:n_permutations]

    if kind == "continuous":
        try:
            values = values.astype(float)
        except ValueError:
            raise CognaxError("a continuous target must be numeric") from None
        if not np.isfinite(values).all():
            raise CognaxError("target has NaN or infinite values; drop those trials first")
        if not ridge > 0:
            raise CognaxError(f"ridge must be > 0 for a continuous target; got {ridge!r}")
        targets = np.column_stack([values] + [values[order] for order in orders])
        scores = _column_correlations(_ridge_predictions(activity, targets, folds, ridge), targets)
        predictions = _ridge_predictions(activity, values[:, None], folds, ridge)[:, 0]
        chance = 0.0
    else:
        if pd.isna(values).any():
            raise CognaxError("target has missing labels; drop those trials first")
        if not 0.0 <= ridge <= 1.0:
            raise CognaxError(f"ridge (covariance shrinkage) must lie in [0, 1] for a categorical target; got {ridge!r}")
        classes, codes = np.unique(values, return_inverse=True)
        if len(classes) < 2:
            raise CognaxError("a categorical target needs at least 2 classes")
        runs = [codes] + [codes[order] for order in orders]
        scores = np.array([np.mean(_lda_predictions(activity, y, folds, ridge, len(classes)) == y) for y in runs])
        predictions = classes[_lda_predictions(activity, codes, folds, ridge, len(classes))]
        chance = float(np.max(np.bincount(codes)) / len(codes))
    observed, null = float(scores[0]), scores[1:]
    p_value = float((1.0 + np.sum(null >= observed - 1e-12)) / (1.0 + len(null))) if len(null) else float("nan")
    return {
        "kind": kind, "score": observed, "p_value": p_value,
        "null_mean": float(null.mean()) if len(null) else float("nan"), "chance": chance, "predictions": predictions,
    }


def decode_over_time(activity, target, times=None, **options) -> pd.DataFrame:
    """:func:`decode` in every time bin of ``[trial, unit, time]`` activity (same permutations)."""
    activity = check_activity(activity)
    if activity.ndim != 3:
        raise CognaxError(f"decode_over_time needs activity of shape (trials, units, time bins); got {activity.shape}")
    labels = np.arange(activity.shape[2]) if times is None else np.asarray(times)
    if len(labels) != activity.shape[2]:
        raise CognaxError(f"times has {len(labels)} labels for {activity.shape[2]} time bins")
    rows = []
    for index, time in enumerate(labels):
        result = decode(activity[:, :, index], target, **options)
        rows.append({"time": time, **{k: v for k, v in result.items() if k != "predictions"}})
    return pd.DataFrame(rows)


__all__ = ["decode", "decode_over_time", "KINDS"]
