"""Compare and summarise per-subject measures across groups (e.g. patients vs controls).

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"subject": range(6), "group": list("aaabbb"),
    ...                       "p_correct": [.6, .7, .65, .8, .9, .85]})
    >>> result = group_comparison(frame, "p_correct")
    >>> list(result["test"])
    ['kruskal_wallis', 'mann_whitney']
"""

from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import kruskal, mannwhitneyu

from cognax.errors import CognaxError

__all__ = ["group_comparison", "holm", "summarise"]


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (Holm 1979).

    Reference: Holm S (1979). A simple sequentially rejective multiple test procedure.
    Scand J Statist 6:65-70.
    """
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _as_list(by) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def _check(frame: pd.DataFrame, columns: Sequence[str], analysis: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise CognaxError(f"{analysis} needs a pandas DataFrame; got {type(frame).__name__}")
    for name in columns:
        if name not in frame.columns:
            raise CognaxError(f"{analysis} needs column {name!r}; the frame has: {', '.join(map(str, frame.columns))}")


def _sorted(labels) -> list:
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


def _cell_name(by: list[str], key) -> str:
    if not by:
        return ""
    key = key if isinstance(key, tuple) else (key,)
    return " (" + ", ".join(f"{name}={value!r}" for name, value in zip(by, key)) + ")"


def group_comparison(
    frame: pd.DataFrame, value_column: str, group_column: str = "group", by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Kruskal-Wallis across groups, then pairwise Mann-Whitney U with Holm's correction.

    Rank tests: no assumption of normality, which per-subject proportions and fitted
    parameters rarely meet. Rows with a missing value are left out.

    Args:
        frame: one row per subject (per cell of ``by``), e.g. the output of
            :func:`~cognax.analysis.stay_probabilities` with ``group_column``.
        value_column: the measure to compare.
        group_column: the subject's group.
        by: columns that define separate comparisons (e.g. ``["previous_reward",
            "previous_transition"]``); Holm's correction runs within each.

    Returns:
        ``[by...], test ("kruskal_wallis" / "mann_whitney"), comparison, group_a,
        group_b, n, statistic (H or U of group_a), p_value, p_holm, effect_size``.
        The effect size is epsilon-squared ``H / (n - 1)`` for Kruskal-Wallis and the
        rank-biserial correlation ``2 U / (n_a n_b) - 1`` for a pair (positive when
        ``group_a`` tends higher). ``p_holm`` of the Kruskal-Wallis row is its p-value.

    Raises:
        CognaxError: fewer than two groups, a group with fewer than two subjects, or a
            subject with more than one row in a cell.

    Reference: Kruskal WH, Wallis WA (1952). Use of ranks in one-criterion variance
    analysis. J Am Stat Assoc 47:583-621. Mann HB, Whitney DR (1947). Ann Math Stat
    18:50-60. Holm S (1979). Scand J Statist 6:65-70.
    """
    analysis = "group_comparison"
    by = _as_list(by)
    _check(frame, [value_column, group_column] + by, analysis)
    values = pd.to_numeric(frame[value_column], errors="coerce")
    if frame[value_column].notna().sum() != values.notna().sum():
        raise CognaxError(f"{analysis}: column {value_column!r} must hold numbers")
    data = frame.assign(**{value_column: values}).dropna(subset=[value_column, group_column])
    cells = data.groupby(by, sort=True, dropna=False) if by else [((), data)]
    rows = []
    for key, cell in cells:
        where = _cell_name(by, key)
        if "subject" in cell.columns and cell["subject"].duplicated().any():
            subject = cell.loc[cell["subject"].duplicated(), "subject"].iloc[0]
            raise CognaxError(
                f"{analysis}: subject {subject!r} has more than one row{where}; average over the other "
                f"conditions first, or name them in by="
            )
        labels = _sorted(pd.unique(cell[group_column]))
        samples = {label: cell.loc[cell[group_column] == label, value_column].to_numpy(dtype=float) for label in labels}
        if len(labels) < 2:
            raise CognaxError(
                f"{analysis} needs at least 2 groups in column {group_column!r}{where}; found {len(labels)}: {labels}"
            )
        small = [label for label in labels if len(samples[label]) < 2]
        if small:
            raise CognaxError(
                f"{analysis}: group {small[0]!r} has {len(samples[small[0]])} subject(s) with a value of "
                f"{value_column!r}{where}; each group needs at least 2"
            )
        prefix = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        everything = np.concatenate(list(samples.values()))
        n = len(everything)
        if np.ptp(everything) == 0:  # all values tied: the tests are undefined
            statistic, p_value = np.nan, 1.0
        else:
            statistic, p_value = kruskal(*samples.values())
        rows.append({**prefix, "test": "kruskal_wallis", "comparison": ", ".join(map(str, labels)),
                     "group_a": None, "group_b": None, "n": n, "statistic": float(statistic),
                     "p_value": float(p_value), "p_holm": float(p_value), "effect_size": float(statistic) / (n - 1)})
        pairs = []
        for a, b in combinations(labels, 2):
            x, y = samples[a], samples[b]
            if np.ptp(np.concatenate([x, y])) == 0:
                u, p = len(x) * len(y) / 2, 1.0
            else:
                u, p = mannwhitneyu(x, y, alternative="two-sided")
            pairs.append({**prefix, "test": "mann_whitney", "comparison": f"{a} vs {b}", "group_a": a, "group_b": b,
                          "n": len(x) + len(y), "statistic": float(u), "p_value": float(p),
                          "effect_size": 2 * float(u) / (len(x) * len(y)) - 1})
        for row, adjusted in zip(pairs, holm([row["p_value"] for row in pairs])):
            row["p_holm"] = float(adjusted)
        rows += pairs
    columns = by + ["test", "comparison", "group_a", "group_b", "n", "statistic", "p_value", "p_holm", "effect_size"]
    return pd.DataFrame(rows)[columns]


def summarise(
    frame: pd.DataFrame, value_column: str, by: str | Sequence[str] | None = None, group_column: str | None = None
) -> pd.DataFrame:
    """Mean, standard error and count of a per-subject measure across subjects.

    Args:
        frame: a per-subject frame (one of this package's summaries).
        value_column: the measure.
        by: condition columns to keep apart (e.g. ``"trial"``).
        group_column: a group column to keep apart too.

    Returns:
        ``[group_column], [by...], mean, sem, n`` (``sem`` NaN where ``n < 2``).
    """
    keys = ([group_column] if group_column else []) + _as_list(by)
    _check(frame, [value_column] + keys, "summarise")
    values = pd.to_numeric(frame[value_column], errors="coerce")
    data = frame[keys].assign(_value=values).dropna(subset=["_value"])
    if not keys:
        data = data.assign(_all=0)
    stats = data.groupby(keys or ["_all"], sort=True)["_value"].agg(["mean", "std", "count"])
    stats = stats.reset_index()
    stats["sem"] = stats["std"] / np.sqrt(stats["count"])
    return stats.drop(columns="std").rename(columns={"count": "n"})[keys + ["mean", "sem", "n"]]
