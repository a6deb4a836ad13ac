"""Behavioural signatures of trial tables, as tidy DataFrames (one row per subject x condition).

Every function reads a trial table (``subject``, ``session`` and ``block`` when present,
``trial``, ``choice``, ``reward``, task columns), leaves out rows whose ``valid`` is
False, and looks back only within a sequence (``subject`` x ``session`` x ``block``).
``group_column`` names a subject-level column (such as ``group``) to carry into the
result, so that it can go straight to :func:`group_comparison` or :func:`summarise`.

Example:
    >>> from cognax.analysis import stay_probabilities, summarise
    >>> stay = stay_probabilities(table)                                # doctest: +SKIP
    >>> summarise(stay, "stay_probability", ["previous_reward", "previous_transition"])  # doctest: +SKIP
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from cognax.analysis._logistic import LogisticFit, fit_logistic
from cognax.analysis._table import (
    choices,
    lagged,
    ordered,
    require_columns,
    rewarded,
    sequence_ids,
    subject_groups,
    valid_flags,
    with_groups,
)
from cognax.analysis.groups import group_comparison, summarise
from cognax.errors import CognaxError

__all__ = [
    "stay_probabilities",
    "stay_regression",
    "lagged_regression",
    "learning_curve",
    "rlwm_accuracy",
    "go_nogo_accuracy",
    "group_comparison",
    "summarise",
]

REWARD_LEVELS = ("rewarded", "unrewarded")
TRANSITION_LEVELS = ("common", "rare")
STAY_TERMS = ("reward", "transition", "reward:transition")
_TWO_STEP = "a two-step table: first-stage choice, reward and whether the transition was common"
_STATS = ["coefficient", "se", "z", "p_value"]


# ----------------------------------------------------------------------------- two-step
def _stay_pairs(table: pd.DataFrame, analysis: str):
    """Consecutive valid trial pairs: (rows of the later trial, stay, previous reward, previous common)."""
    require_columns(table, ["subject", "choice", "reward", "common"], analysis, _TWO_STEP)
    t = ordered(table, analysis)
    choice, reward = choices(t, analysis), rewarded(t, analysis)
    common = valid_flags(t, "common", analysis)
    sequence, valid = sequence_ids(t), t["_valid"].to_numpy(dtype=bool)
    keep = valid & lagged(valid, sequence, 1, False)
    stay = choice == lagged(choice, sequence, 1, -1)
    return t, keep, stay, lagged(reward, sequence, 1, False), lagged(common, sequence, 1, False)


def stay_probabilities(table: pd.DataFrame, group_column: str | None = None) -> pd.DataFrame:
    """P(repeat the first-stage choice) by the previous trial's reward and transition.

    The signature of Daw et al. (2011): a model-free learner repeats rewarded choices
    whatever the transition (a main effect of reward); a model-based learner repeats
    a choice after a reward through a common transition or no reward after a rare
    one (a reward x transition interaction). Rewarded means ``reward > 0``. A trial
    counts when it and the trial before it (same sequence) are both valid.

    Args:
        table: a two-step trial table (``subject``, ``choice``, ``reward``, ``common``).
        group_column: a subject-level column to carry into the result.

    Returns:
        ``subject, [group_column], previous_reward ("rewarded"/"unrewarded"),
        previous_transition ("common"/"rare"), stay_probability, n_trials``: four rows
        per subject (``stay_probability`` is NaN where ``n_trials`` is 0).

    Reference: Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011). Model-based
    influences on humans' choices and striatal prediction errors. Neuron 69:1204-1215.
    """
    analysis = "stay_probabilities"
    t, keep, stay, previous_reward, previous_common = _stay_pairs(table, analysis)
    groups = subject_groups(t, group_column, analysis)
    pairs = pd.DataFrame({
        "subject": t["subject"].to_numpy()[keep],
        "previous_reward": np.where(previous_reward[keep], REWARD_LEVELS[0], REWARD_LEVELS[1]),
        "previous_transition": np.where(previous_common[keep], TRANSITION_LEVELS[0], TRANSITION_LEVELS[1]),
        "stay": stay[keep].astype(float),
    })
    keys = ["subject", "previous_reward", "previous_transition"]
    cells = pd.MultiIndex.from_product([pd.unique(t["subject"]), REWARD_LEVELS, TRANSITION_LEVELS], names=keys)
    stats = pairs.groupby(keys, sort=False)["stay"].agg(["mean", "count"]).reindex(cells)
    frame = pd.DataFrame({
        "subject": cells.get_level_values(0),
        "previous_reward": cells.get_level_values(1),
        "previous_transition": cells.get_level_values(2),
        "stay_probability": stats["mean"].to_numpy(),
        "n_trials": np.nan_to_num(stats["count"].to_numpy()).astype(int),
    })
    return with_groups(frame.sort_values("subject", kind="stable").reset_index(drop=True), groups, group_column)


def _fit_rows(fit: LogisticFit, names: Sequence[str], lags: Sequence[int] | None = None) -> list[dict]:
    """Rows of a coefficient table; NaN statistics where the fit did not converge."""
    values = np.column_stack([fit.coefficients, fit.standard_errors, fit.z, fit.p_values])
    if not fit.converged:
        values = np.full_like(values, np.nan)
    rows = []
    for i, name in enumerate(names):
        row = {"term": name} if lags is None else {"regressor": name, "lag": int(lags[i])}
        row.update(dict(zip(_STATS, map(float, values[i]))))
        rows.append(row)
    return rows


def _intercept_row(fit: LogisticFit, lag: bool) -> dict:
    row = {"term": "intercept"} if not lag else {"regressor": "intercept", "lag": 0}
    estimate, error = float(fit.intercepts[0]), float(fit.intercept_errors[0])
    if not fit.converged:
        estimate = error = np.nan
    z = estimate / error if error > 0 else np.nan
    row.update(coefficient=estimate, se=error, z=z, p_value=float(2 * norm.sf(abs(z))))
    return row


def _regressions(t, keep, features, outcome, names, lags, pooled, penalty, groups, group_column):
    """Fit pooled (fixed intercept per subject, per group if any) or per-subject regressions."""
    subjects = t["subject"].to_numpy()[keep]
    features, outcome = features[keep], outcome[keep]
    if len(outcome) == 0:
        raise CognaxError("no trials to regress on: every trial is invalid or lacks a valid previous trial")
    rows = []
    if pooled:
        labels = subjects if groups is None else pd.Series(subjects).map(groups).to_numpy()
        for label in ([None] if groups is None else pd.unique(labels)):
            select = np.ones(len(outcome), bool) if label is None else labels == label
            codes, uniques = pd.factorize(subjects[select])
            fit = fit_logistic(features[select], outcome[select], codes, penalty=penalty)
            first = {} if label is None else {group_column: label}
            last = {"n_trials": fit.n_observations, "n_subjects": int(fit.kept.sum()), "converged": fit.converged}
            rows += [{**first, **row, **last} for row in _fit_rows(fit, names, lags)]
        return pd.DataFrame(rows)
    for subject in pd.unique(subjects):
        select = subjects == subject
        fit = fit_logistic(features[select], outcome[select], penalty=penalty)
        last = {"n_trials": fit.n_observations, "converged": fit.converged}
        fits = [_intercept_row(fit, lags is not None)] + _fit_rows(fit, names, lags)
        rows += [{"subject": subject, **row, **last} for row in fits]
    return with_groups(pd.DataFrame(rows), groups, group_column)


def stay_regression(
    table: pd.DataFrame, pooled: bool = True, penalty: float = 0.0, group_column: str | None = None
) -> pd.DataFrame:
    """Logistic regression of stay on previous reward, transition and their interaction.

    ``logit P(stay) = intercept + b_r * reward + b_t * transition + b_rt * reward * transition``
    with reward coded +1 rewarded / -1 unrewarded and transition +1 common / -1 rare
    (Daw et al. 2011). A model-free learner gives a positive ``reward`` term, a
    model-based learner a positive ``reward:transition`` term.

    Args:
        table: a two-step trial table (``subject``, ``choice``, ``reward``, ``common``).
        pooled: one regression over all subjects with a fixed intercept per subject
            (subjects who always stay or always switch say nothing about the slopes and
            are left out; ``n_subjects`` counts the rest); False: one per subject, with
            its intercept.
        penalty: L2 penalty on the slopes (not the intercepts); a small value (0.1)
            gives finite estimates for subjects whose stays are perfectly predicted.
        group_column: a subject-level column; pooled fits are then run per group.

    Returns:
        ``[subject | group_column], term, coefficient, se, z, p_value, n_trials,
        [n_subjects], converged``. SEs come from the Fisher information; where the fit
        did not converge (separated data) the statistics are NaN.

    Reference: Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011). Model-based
    influences on humans' choices and striatal prediction errors. Neuron 69:1204-1215.
    """
    analysis = "stay_regression"
    _check_penalty(penalty, analysis)
    t, keep, stay, previous_reward, previous_common = _stay_pairs(table, analysis)
    groups = subject_groups(t, group_column, analysis)
    reward, transition = 2.0 * previous_reward - 1, 2.0 * previous_common - 1
    features = np.column_stack([reward, transition, reward * transition])
    return _regressions(t, keep, features, stay.astype(float), STAY_TERMS, None, pooled, penalty, groups, group_column)


def _check_penalty(penalty, analysis: str) -> None:
    if not isinstance(penalty, (int, float)) or not np.isfinite(penalty) or penalty < 0:
        raise CognaxError(f"{analysis}: penalty must be a number >= 0; got {penalty!r}")


# ----------------------------------------------------------------------------- choice history
def lagged_regression(
    table: pd.DataFrame, n_lags: int = 5, pooled: bool = False, penalty: float = 0.0,
    group_column: str | None = None,
) -> pd.DataFrame:
    """Logistic regression of choice on past rewarded choices and past choices.

    ``logit P(choice_t = 1) = b_0 + sum_k b_r[k] * r_{t-k} + sum_k b_c[k] * c_{t-k}``,
    ``k = 1..n_lags``, where ``c = +1`` for option 1 and ``-1`` for option 0, and
    ``r = c`` on rewarded trials (``reward > 0``), 0 otherwise (Lau & Glimcher 2005).
    Reward weights that decay with lag are the mark of an incremental (delta-rule)
    learner; choice weights capture perseveration. An invalid past trial contributes
    0 to both; the first ``n_lags`` trials of each sequence are not predicted.

    Args:
        table: a trial table with two options (``subject``, ``choice`` in {0, 1},
            ``reward``).
        n_lags: how many past trials.
        pooled: one regression over all subjects with a fixed intercept per subject
            (per group with ``group_column``); False: one per subject.
        penalty: L2 penalty on the history weights (not the intercepts).
        group_column: a subject-level column to carry (or to pool within).

    Returns:
        ``[subject | group_column], regressor ("intercept", "reward", "choice"), lag
        (0 for the intercept), coefficient, se, z, p_value, n_trials, [n_subjects],
        converged``; the pooled fit reports no intercepts.

    Reference: Lau B, Glimcher PW (2005). Dynamic response-by-response models of
    matching behavior in rhesus monkeys. J Exp Anal Behav 84(3):555-579.
    """
    analysis = "lagged_regression"
    if isinstance(n_lags, bool) or not isinstance(n_lags, (int, np.integer)) or n_lags < 1:
        raise CognaxError(f"{analysis}: n_lags must be an integer >= 1; got {n_lags!r}")
    _check_penalty(penalty, analysis)
    require_columns(table, ["subject", "choice", "reward"], analysis)
    t = ordered(table, analysis)
    groups = subject_groups(t, group_column, analysis)
    choice = choices(t, analysis, n_options=2)
    valid = t["_valid"].to_numpy(dtype=bool)
    signed = np.where(valid, 2.0 * choice - 1, 0.0)
    reward_signed = signed * rewarded(t, analysis)
    sequence = sequence_ids(t)
    position = pd.Series(sequence).groupby(sequence).cumcount().to_numpy()
    lags = list(range(1, n_lags + 1))
    features = np.column_stack(
        [lagged(reward_signed, sequence, k, 0.0) for k in lags] + [lagged(signed, sequence, k, 0.0) for k in lags]
    )
    keep = valid & (position >= n_lags)
    names = ["reward"] * n_lags + ["choice"] * n_lags
    outcome = (choice == 1).astype(float)
    return _regressions(t, keep, features, outcome, names, lags + lags, pooled, penalty, groups, group_column)


# ----------------------------------------------------------------------------- accuracy
_ARM_PROBABILITY = re.compile(r"^p_(\d+)$")


def _correctness(t: pd.DataFrame, correct: str | None, analysis: str) -> np.ndarray:
    """1.0 correct, 0.0 wrong, NaN where undefined (invalid row, tied arms)."""
    valid = t["_valid"].to_numpy(dtype=bool)
    arms = {int(m.group(1)): name for name in t.columns if (m := _ARM_PROBABILITY.match(str(name)))}
    if correct is None:
        if "correct" in t.columns:
            correct = "correct"
        elif "correct_action" in t.columns:
            correct = "correct_action"
        elif len(arms) >= 2:
            probabilities = t[[arms[arm] for arm in sorted(arms)]].to_numpy(dtype=float)
            best = np.asarray(sorted(arms))[np.argmax(probabilities, axis=1)]
            tied = (probabilities == probabilities.max(axis=1, keepdims=True)).sum(axis=1) > 1
            flag = (choices(t, analysis) == best).astype(float)
            return np.where(valid & ~tied, flag, np.nan)
        else:
            raise CognaxError(
                f"{analysis} cannot tell which choice is correct: pass correct=<column>, or give the table a "
                "column 'correct_action' or the arms' reward probabilities 'p_0', 'p_1', ..."
            )
    require_columns(t, [correct], analysis, "the correct= column")
    if correct == "correct" or pd.api.types.is_bool_dtype(t[correct]):
        flag = valid_flags(t, correct, analysis).astype(float)
    else:
        target = pd.to_numeric(t[correct], errors="coerce").to_numpy(dtype=float)
        flag = (choices(t, analysis) == target).astype(float)
    return np.where(valid, flag, np.nan)


def learning_curve(
    table: pd.DataFrame, by: str = "trial", correct: str | None = None, bin_size: int = 1,
    group_column: str | None = None,
) -> pd.DataFrame:
    """P(correct) by trial (position in the sequence) or by stimulus iteration.

    Args:
        table: a trial table.
        by: ``"trial"``: by position in each sequence (``subject`` x ``session`` x
            ``block``, from 0, invalid rows counted as trials that happened);
            ``"iteration"``: by ``iteration`` (and ``set_size`` where present), as in
            RLWM (Collins & Frank 2012).
        correct: what counts as correct. ``None``: a column ``correct`` (flags) if
            present, else ``choice == correct_action``, else the arm with the highest
            ``p_<arm>`` (trials with tied arms are left out). A column name: a boolean
            column (or one named ``correct``) holds the flags; any other holds the
            correct option, compared with ``choice``.
        bin_size: for ``by="trial"``: pool this many consecutive trials (labelled by
            the first).
        group_column: a subject-level column to carry into the result.

    Returns:
        ``subject, [group_column], trial | [set_size,] iteration, p_correct, n_trials``.
    """
    analysis = "learning_curve"
    if by not in ("trial", "iteration"):
        raise CognaxError(f"{analysis}: by must be 'trial' or 'iteration'; got {by!r}")
    if isinstance(bin_size, bool) or not isinstance(bin_size, (int, np.integer)) or bin_size < 1:
        raise CognaxError(f"{analysis}: bin_size must be an integer >= 1; got {bin_size!r}")
    require_columns(table, ["subject", "choice"] + (["iteration"] if by == "iteration" else []), analysis)
    t = ordered(table, analysis)
    groups = subject_groups(t, group_column, analysis)
    frame = pd.DataFrame({"subject": t["subject"].to_numpy()})
    if by == "trial":
        sequence = sequence_ids(t)
        frame["trial"] = pd.Series(sequence).groupby(sequence).cumcount().to_numpy() // bin_size * bin_size
        keys = ["trial"]
    else:
        keys = ["set_size", "iteration"] if "set_size" in t.columns else ["iteration"]
        for key in keys:
            frame[key] = t[key].to_numpy()
    frame["correct"] = _correctness(t, correct, analysis)
    frame = frame.dropna(subset=["correct"])
    stats = frame.groupby(["subject"] + keys, sort=True)["correct"].agg(["mean", "count"]).reset_index()
    stats = stats.rename(columns={"mean": "p_correct", "count": "n_trials"})
    return with_groups(stats, groups, group_column)


def rlwm_accuracy(table: pd.DataFrame, correct: str | None = None, group_column: str | None = None) -> pd.DataFrame:
    """RLWM accuracy by set size x stimulus iteration (Collins & Frank 2012).

    Working memory shows as high accuracy in small set sizes from the first
    iterations; slow reinforcement learning as a set-size effect that shrinks with
    iteration.

    Returns:
        ``subject, [group_column], set_size, iteration, p_correct, n_trials``.

    Reference: Collins AGE, Frank MJ (2012). How much of reinforcement learning is
    working memory, not reinforcement learning? Eur J Neurosci 35:1024-1035.
    """
    require_columns(table, ["subject", "choice", "set_size", "iteration"], "rlwm_accuracy", "an RLWM table")
    return learning_curve(table, by="iteration", correct=correct, group_column=group_column)


def go_nogo_accuracy(table: pd.DataFrame, group_column: str | None = None) -> pd.DataFrame:
    """P(go) and, with ``correct_action``, accuracy by cue (Guitart-Masip et al. 2012).

    Go is ``choice == 1``. Pavlovian bias shows as more go to win cues than to avoid-
    loss cues at equal instrumental demand.

    Returns:
        ``subject, [group_column], cue, p_go, [accuracy], n_trials``.

    Reference: Guitart-Masip M, Huys QJM, Fuentemilla L, Dayan P, Duzel E, Dolan RJ
    (2012). Go and no-go learning in reward and punishment: interactions between
    affect and effect. NeuroImage 62:154-166.
    """
    analysis = "go_nogo_accuracy"
    require_columns(table, ["subject", "cue", "choice"], analysis, "a go/no-go table")
    t = ordered(table, analysis)
    groups = subject_groups(t, group_column, analysis)
    valid = t["_valid"].to_numpy(dtype=bool)
    choice = choices(t, analysis, n_options=2)
    frame = pd.DataFrame({"subject": t["subject"].to_numpy(), "cue": t["cue"].to_numpy(),
                          "p_go": (choice == 1).astype(float)})
    measures = {"p_go": ("p_go", "mean")}
    if "correct_action" in t.columns:
        target = pd.to_numeric(t["correct_action"], errors="coerce").to_numpy(dtype=float)
        frame["accuracy"] = (choice == target).astype(float)
        measures["accuracy"] = ("accuracy", "mean")
    measures["n_trials"] = ("p_go", "count")
    stats = frame[valid].groupby(["subject", "cue"], sort=True).agg(**measures).reset_index()
    return with_groups(stats, groups, group_column)
