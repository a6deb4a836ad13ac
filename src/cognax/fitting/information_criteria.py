"""LOO and WAIC of hierarchical fits, with subjects or trials as the observations.

With *subjects* as observations (hBayesDM's choice) each subject's summed
log-likelihood is one point: the criterion asks how well the model predicts a new
subject's whole data set. With *trials* as observations every recorded trial is a
point (padding and ``valid = False`` rows excluded): how well it predicts a held-out
trial of a known subject. Both come from ArviZ (PSIS-LOO, Vehtari, Gelman & Gabry
2017; WAIC, Watanabe 2010) and are reported on the deviance scale (-2 x elpd), so
lower is better, as in hBayesDM's ``printFit``.

Example:
    >>> information_criteria(result.idata, model="q_learning")   # doctest: +SKIP

References: Vehtari A, Gelman A, Gabry J (2017). Practical Bayesian model evaluation
using leave-one-out cross-validation and WAIC. Stat Comput 27:1413-1432.
"""

from __future__ import annotations

import warnings
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.fitting.diagnostics import import_arviz

Observations = Literal["subject", "trial"]
#: above this Pareto k, PSIS-LOO's estimate for that observation is not reliable.
PARETO_K_MAX = 0.7


def pointwise_log_likelihood(idata, observations: Observations = "subject"):
    """InferenceData whose ``log_likelihood`` holds one var, ``[chain, draw, observation]``.

    For ``"subject"`` it is ``subject_ll``; for ``"trial"`` the real trials of
    ``trial_ll`` (those not NaN), flattened subject by subject.
    """
    import xarray as xr

    az = import_arviz()
    if observations not in ("subject", "trial"):
        raise CognaxError(f"observations must be 'subject' or 'trial'; got {observations!r}")
    if "log_likelihood" not in idata.groups():
        raise CognaxError("the posterior has no log_likelihood group; fit it with cognax.fitting.fit_hierarchical")
    if observations == "subject":
        values = idata.log_likelihood["subject_ll"].values
    else:
        trial_ll = idata.log_likelihood["trial_ll"].values
        real = ~np.isnan(trial_ll[0, 0])
        values = trial_ll[:, :, real]
    log_likelihood = xr.Dataset({f"{observations}_ll": (("chain", "draw", "observation"), values)})
    return az.InferenceData(posterior=idata.posterior, log_likelihood=log_likelihood)


def loo_waic(idata, observations: Observations = "subject") -> dict:
    """PSIS-LOO and WAIC of a hierarchical fit.

    Returns:
        ``observations, n_observations, elpd_loo, looic, looic_se, p_loo, waic,
        waic_se, p_waic, n_pareto_k_gt_0.7, max_pareto_k`` and ``messages`` (plain-
        language notes: unreliable Pareto k, ArviZ's warnings).
    """
    az = import_arviz()
    data = pointwise_log_likelihood(idata, observations)
    var_name = f"{observations}_ll"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loo = az.loo(data, var_name=var_name, pointwise=True, scale="log")
        waic = az.waic(data, var_name=var_name, pointwise=True, scale="log")
    k = np.asarray(loo["pareto_k"])
    n_bad = int((k > PARETO_K_MAX).sum())
    messages = []
    if n_bad:
        messages.append(pareto_k_message(n_bad, k.size, observations))
    if waic["warning"]:
        messages.append(
            "WAIC: the posterior variance of the log predictive density exceeds 0.4 for some observations, "
            "so WAIC may be unreliable there; prefer LOO"
        )
    messages += [f"ArviZ: {w.message}" for w in caught if "Pareto" not in str(w.message)
                 and "posterior variance" not in str(w.message)]
    return {
        "observations": observations,
        "n_observations": int(k.size),
        "elpd_loo": float(loo["elpd_loo"]),
        "looic": -2 * float(loo["elpd_loo"]),
        "looic_se": 2 * float(loo["se"]),
        "p_loo": float(loo["p_loo"]),
        "waic": -2 * float(waic["elpd_waic"]),
        "waic_se": 2 * float(waic["se"]),
        "p_waic": float(waic["p_waic"]),
        f"n_pareto_k_gt_{PARETO_K_MAX}": n_bad,
        "max_pareto_k": float(k.max()),
        "messages": messages,
    }


def pareto_k_message(n_bad: int, n_total: int, observations: Observations) -> str:
    """What Pareto k above 0.7 means, and what to do about it."""
    unit = "subjects" if observations == "subject" else "trials"
    text = (
        f"Pareto k is above {PARETO_K_MAX} for {n_bad} of {n_total} {unit}: leaving one of them out changes the "
        "posterior so much that PSIS-LOO's importance sampling cannot estimate its predictive density, so LOOIC "
        "may be too optimistic (too low). "
    )
    if observations == "subject":
        return text + (
            "This is common with subjects as observations, because each subject has its own parameters that only "
            "its data inform. Compare models with trials as observations, or with K-fold cross-validation that "
            "refits without some subjects"
        )
    return text + "Those trials are influential (often surprising choices); check them, or use K-fold cross-validation"


def information_criteria(idata, model: str | None = None) -> pd.DataFrame:
    """``ic.csv``: one row per kind of observation (subject, trial).

    Columns: ``model, observations, n_observations, looic, looic_se, waic, waic_se,
    p_loo, p_waic, n_pareto_k_gt_0.7``.
    """
    model = model if model is not None else idata.posterior.attrs.get("model", "")
    rows = []
    for observations in ("subject", "trial"):
        row = loo_waic(idata, observations)
        rows.append({"model": model, **{k: v for k, v in row.items() if k not in ("messages", "elpd_loo", "max_pareto_k")}})
    columns = ["model", "observations", "n_observations", "looic", "looic_se", "waic", "waic_se", "p_loo", "p_waic",
               f"n_pareto_k_gt_{PARETO_K_MAX}"]
    return pd.DataFrame(rows)[columns]


def compare_hierarchical(fits: Mapping[str, object], observations: Observations = "subject") -> pd.DataFrame:
    """Hierarchical comparison table: ``model, looic, looic_se, waic, p_loo, ..., delta_looic``.

    ``fits`` maps a model name to an InferenceData (or a result with ``.idata``); the
    table is sorted by LOOIC (lower is better).
    """
    if not fits:
        raise CognaxError("nothing to compare: no hierarchical fits")
    rows = []
    for name, fit in fits.items():
        row = loo_waic(getattr(fit, "idata", fit), observations)
        row.pop("messages")
        rows.append({"model": name, **row})
    table = pd.DataFrame(rows).sort_values("looic", kind="stable").reset_index(drop=True)
    table["delta_looic"] = table["looic"] - table["looic"].iloc[0]
    return table


def join_comparisons(hierarchical: pd.DataFrame, mle: pd.DataFrame) -> pd.DataFrame:
    """Join a hierarchical comparison table with :func:`cognax.fitting.compare`'s, by model.

    Every model of either table keeps a row; columns the two share (other than
    ``model``) get the suffixes ``_hierarchical`` and ``_mle``.
    """
    for frame, what in ((hierarchical, "hierarchical"), (mle, "MLE")):
        if "model" not in frame.columns:
            raise CognaxError(f"the {what} comparison table has no 'model' column")
    joined = hierarchical.merge(mle, on="model", how="outer", suffixes=("_hierarchical", "_mle"), sort=False)
    order = list(hierarchical["model"]) + [m for m in mle["model"] if m not in set(hierarchical["model"])]
    return joined.set_index("model").loc[order].reset_index()


__all__ = [
    "loo_waic", "information_criteria", "compare_hierarchical", "join_comparisons", "pareto_k_message",
    "pointwise_log_likelihood", "PARETO_K_MAX",
]
