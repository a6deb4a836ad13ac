"""Representational similarity analysis (RSA) between model latents and recorded activity.

Trials are grouped into conditions (e.g. previous reward x transition, or bins of a
latent); each condition's mean activity pattern over units is one point of the
representation, and the representational dissimilarity matrix (RDM) holds the
distances between every pair of conditions. A model RDM is built the same way from
the model's latents. Model and neural RDMs are compared by rank correlation
(Spearman's rho, or Kendall's tau-a, which does not favour models that predict ties),
tested against a null from permuting the condition labels of the neural RDM, and
judged against the noise ceiling: the correlation the true model would reach, given
the disagreement between independent neural RDMs (subjects, sessions).

rsatoolbox does the RDMs (Euclidean, correlation and cross-validated Mahalanobis
"crossnobis" distances), the comparisons and the noise ceiling; this module builds the
condition patterns, the permutation test and the plumbing to trial tables.

References: Kriegeskorte N, Mur M, Bandettini P (2008). Representational similarity
analysis - connecting the branches of systems neuroscience. Front Syst Neurosci 2:4.
Nili H et al. (2014). A toolbox for representational similarity analysis. PLoS Comput
Biol 10:e1003553. Walther A et al. (2016). Reliability of dissimilarity measures for
multi-voxel pattern analysis. NeuroImage 137:188-200.
"""

from __future__ import annotations

from typing import Sequence

import jax
import numpy as np
import pandas as pd

from cognax.errors import CognaxError, unknown_name
from cognax.signatures.regression import check_activity

#: RDM distances (rsatoolbox names); crossnobis needs a cross-validation fold per trial.
DISTANCES = ("euclidean", "correlation", "crossnobis")
#: comparison methods: Spearman's rho, Kendall's tau-a, Pearson's r.
COMPARISONS = {"spearman": "spearman", "tau_a": "tau-a", "pearson": "corr"}


def _rsatoolbox():
    try:
        import rsatoolbox
    except ImportError:
        raise CognaxError("RSA needs rsatoolbox: pip install rsatoolbox==0.3.2 (the 'neuro' extra of cognax)") from None
    return rsatoolbox


def _check_conditions(conditions, n_trials: int) -> np.ndarray:
    labels = np.asarray(conditions)
    if labels.ndim != 1 or labels.shape[0] != n_trials:
        raise CognaxError(f"conditions must give one label per trial ({n_trials}); got shape {labels.shape}")
    if pd.isna(labels).any():
        raise CognaxError("conditions have missing labels; drop those trials or label them")
    if len(pd.unique(labels)) < 3:
        raise CognaxError(f"RSA needs at least 3 conditions; got {len(pd.unique(labels))}")
    return labels


def _codes(labels: np.ndarray) -> np.ndarray:
    """Labels -> zero-padded string codes in :func:`numpy.unique` order.

    rsatoolbox fills per-pattern descriptors with NaN before copying them, which warns
    for integer labels under NumPy 2; string codes avoid that and keep the order.
    """
    _, inverse = np.unique(labels, return_inverse=True)
    return np.asarray([f"c{code:05d}" for code in inverse])


def neural_rdm(activity, conditions, distance: str = "euclidean", folds=None):
    """The RDM of condition-mean activity patterns (an ``rsatoolbox.rdm.RDMs``).

    Args:
        activity: ``[trial, unit]``.
        conditions: one label per trial; conditions are ordered by first appearance
            sorted (:func:`numpy.unique`).
        distance: ``euclidean`` (squared Euclidean per unit), ``correlation`` (1 - r) or
            ``crossnobis`` (cross-validated: distances are unbiased, 0 in expectation
            for identical conditions; needs ``folds``).
        folds: one fold label per trial (e.g. a run or session), for ``crossnobis``.
    """
    rsatoolbox = _rsatoolbox()
    activity = check_activity(activity)
    if activity.ndim != 2:
        raise CognaxError(f"RSA needs activity of shape (trials, units); got shape {activity.shape}")
    labels = _check_conditions(conditions, activity.shape[0])
    if distance not in DISTANCES:
        raise unknown_name("RDM distance", distance, DISTANCES)
    descriptors = {"conds": _codes(labels)}
    if distance == "crossnobis":
        if folds is None:
            raise CognaxError("the crossnobis distance needs folds= (one cross-validation fold label per trial)")
        folds = np.asarray(folds)
        if folds.shape != labels.shape or len(np.unique(folds)) < 2:
            raise CognaxError("folds must give one label per trial with at least 2 distinct folds")
        descriptors["folds"] = _codes(folds)
        missing = [(c, f) for c in np.unique(labels) for f in np.unique(folds) if not np.any((labels == c) & (folds == f))]
        if missing:
            raise CognaxError(f"crossnobis needs every condition in every fold; condition {missing[0][0]!r} is missing from fold {missing[0][1]!r}")
    dataset = rsatoolbox.data.Dataset(activity, obs_descriptors=descriptors)
    return rsatoolbox.rdm.calc_rdm(
        dataset, method=distance, descriptor="conds", cv_descriptor="folds" if distance == "crossnobis" else None
    )


def model_rdm(latents: pd.DataFrame, conditions, names: Sequence[str]):
    """The RDM of condition-mean latent vectors (z-scored latents, Euclidean distance)."""
    rsatoolbox = _rsatoolbox()
    if not isinstance(latents, pd.DataFrame):
        raise CognaxError(f"model_rdm needs a DataFrame of latents; got {type(latents).__name__}")
    for name in names:
        if name not in latents.columns:
            raise unknown_name("latent", name, map(str, latents.columns))
    values = latents[list(names)].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise CognaxError(f"latents {list(names)} have NaN values; drop those trials first")
    spread = values.std(0)
    values = (values - values.mean(0)) / np.where(spread > 0, spread, 1.0)
    labels = _check_conditions(conditions, len(latents))
    dataset = rsatoolbox.data.Dataset(values, obs_descriptors={"conds": _codes(labels)})
    return rsatoolbox.rdm.calc_rdm(dataset, method="euclidean", descriptor="conds")


def compare_rdms(model, neural, method: str = "spearman") -> float:
    """Rank (or linear) correlation between two RDMs (their upper triangles)."""
    if method not in COMPARISONS:
        raise unknown_name("RDM comparison", method, COMPARISONS)
    rsatoolbox = _rsatoolbox()
    return float(np.asarray(rsatoolbox.rdm.compare(model, neural, method=COMPARISONS[method])).ravel()[0])


def permutation_test(model, neural, method: str = "spearman", n_permutations: int = 1000, seed: int | jax.Array = 0):
    """Correlation of two RDMs and its p-value under shuffled condition labels.

    The neural RDM's conditions are permuted jointly (rows and columns) and the
    comparison recomputed; p = (1 + #{r* >= r}) / (1 + n_permutations) (one-sided: a
    model should predict similarity, not its opposite).

    Returns:
        ``(correlation, p_value)``.
    """
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) or n_permutations < 1:
        raise CognaxError(f"n_permutations must be an integer >= 1; got {n_permutations!r}")
    observed = compare_rdms(model, neural, method)
    rsatoolbox = _rsatoolbox()
    square = neural.get_matrices()[0]
    n = square.shape[0]
    key = jax.random.key(seed) if isinstance(seed, int) else seed
    orders = np.asarray(jax.vmap(lambda k: jax.random.permutation(k, n))(jax.random.split(key, n_permutations)))
    shuffled = np.stack([square[np.ix_(order, order)] for order in orders])
    null_rdms = rsatoolbox.rdm.RDMs(shuffled, dissimilarity_measure=neural.dissimilarity_measure)
    null = np.asarray(rsatoolbox.rdm.compare(model, null_rdms, method=COMPARISONS[method])).ravel()
    return observed, float((1.0 + np.sum(null >= observed - 1e-12)) / (1.0 + n_permutations))


def noise_ceiling(neural_rdms: Sequence, method: str = "spearman") -> tuple[float, float]:
    """Lower and upper noise ceilings of a set of neural RDMs (subjects or sessions).

    Upper: mean correlation of each RDM with the mean of all (including itself); lower:
    with the mean of the others (leave one out). A model whose correlation reaches the
    lower bound explains as much as the data's reliability allows.
    """
    rsatoolbox = _rsatoolbox()
    if method not in COMPARISONS:
        raise unknown_name("RDM comparison", method, COMPARISONS)
    if len(neural_rdms) < 2:
        raise CognaxError("a noise ceiling needs at least 2 neural RDMs (subjects or sessions)")
    stacked = rsatoolbox.rdm.concat(list(neural_rdms))
    lower, upper = rsatoolbox.inference.boot_noise_ceiling(stacked, method=COMPARISONS[method])
    return float(lower), float(upper)


def rsa(
    activity, latents: pd.DataFrame, conditions, names: Sequence[str], distance: str = "euclidean",
    method: str = "spearman", n_permutations: int = 1000, seed: int | jax.Array = 0, folds=None,
) -> dict:
    """Model-vs-neural RSA in one call: RDMs, correlation, permutation p-value.

    Returns:
        ``{"correlation", "p_value", "model_rdm", "neural_rdm", "conditions"}`` (the
        RDMs as square arrays, ordered as ``conditions``).
    """
    neural = neural_rdm(activity, conditions, distance, folds)
    model = model_rdm(latents, conditions, names)
    correlation, p_value = permutation_test(model, neural, method, n_permutations, seed)
    return {
        "correlation": correlation, "p_value": p_value, "model_rdm": model.get_matrices()[0],
        "neural_rdm": neural.get_matrices()[0], "conditions": list(np.unique(np.asarray(conditions))),
    }


def condition_labels(values, n_bins: int = 5) -> np.ndarray:
    """Quantile bins of a continuous latent (0 .. n_bins - 1), as RSA conditions."""
    values = np.asarray(values, dtype=float)
    if not np.isfinite(values).all():
        raise CognaxError("cannot bin a latent with NaN values")
    edges = np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.searchsorted(edges, values, side="right")


__all__ = [
    "neural_rdm", "model_rdm", "compare_rdms", "permutation_test", "noise_ceiling", "rsa", "condition_labels",
    "DISTANCES", "COMPARISONS",
]
