"""Shared checks and helpers for analyses of trial tables (private).

Every analysis reads a trial table the same way: check the columns it needs (one
message naming the missing column), drop nothing yet but mark ``valid`` rows, sort each
sequence (``subject`` x ``session`` x ``block``) by ``trial``, and look back along that
sequence only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from cognax.errors import CognaxError

#: Columns that split a subject's trials into independent sequences, when present.
SEQUENCE_COLUMNS = ("subject", "session", "block")


def require_columns(table: pd.DataFrame, columns: Sequence[str], analysis: str, hint: str = "") -> None:
    """Raise :class:`CognaxError` naming the first column ``analysis`` needs but lacks."""
    if not isinstance(table, pd.DataFrame):
        raise CognaxError(f"{analysis} needs a pandas DataFrame; got {type(table).__name__}")
    for name in columns:
        if name not in table.columns:
            present = ", ".join(str(c) for c in table.columns if c != "_valid") or "none"
            extra = f" ({hint})" if hint else ""
            raise CognaxError(f"{analysis} needs column {name!r}{extra}; the table has: {present}")
    if len(table) == 0:
        raise CognaxError(f"{analysis} needs a non-empty table; got 0 rows")


def sequence_columns(table: pd.DataFrame) -> list[str]:
    """``subject`` plus ``session`` and ``block`` where the table has them."""
    return [name for name in SEQUENCE_COLUMNS if name in table.columns]


def as_bool(series: pd.Series, analysis: str) -> np.ndarray:
    """A boolean column (bool, 0/1 or ``"true"``/``"false"``) as a bool array."""
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=bool)
    lookup = {True: True, False: False, "true": True, "false": False, "1": True, "0": False}
    out = np.empty(len(series), dtype=bool)
    for i, value in enumerate(series.to_numpy(dtype=object)):
        key = value.strip().lower() if isinstance(value, str) else value
        try:
            out[i] = lookup[key]
        except (KeyError, TypeError):
            raise CognaxError(
                f"{analysis}: column {series.name!r} must hold booleans (True/False or 1/0); found {value!r}"
            ) from None
    return out


def valid_flags(table: pd.DataFrame, column: str, analysis: str) -> np.ndarray:
    """A boolean column read on valid rows only (False elsewhere, where it may be missing)."""
    valid = table["_valid"].to_numpy(dtype=bool)
    out = np.zeros(len(table), dtype=bool)
    out[valid] = as_bool(table.loc[valid, column], analysis)
    return out


def ordered(table: pd.DataFrame, analysis: str) -> pd.DataFrame:
    """A copy sorted by sequence and ``trial`` (stable), with a bool ``_valid`` column."""
    table = table.copy()
    table["_valid"] = as_bool(table["valid"], analysis) if "valid" in table.columns else True
    keys = sequence_columns(table) + (["trial"] if "trial" in table.columns else [])
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def choices(table: pd.DataFrame, analysis: str, n_options: int | None = None) -> np.ndarray:
    """``choice`` as integers (-1 on rows that are not valid), checked on valid rows."""
    values = pd.to_numeric(table["choice"], errors="coerce").to_numpy(dtype=float)
    valid = table["_valid"].to_numpy(dtype=bool)
    bad = valid & ~(np.isfinite(values) & (values == np.round(values)) & (values >= 0))
    if n_options is not None:
        bad |= valid & np.isfinite(values) & (values >= n_options)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        allowed = f"integers in [0, {n_options})" if n_options else "integers >= 0"
        raise CognaxError(
            f"{analysis}: column 'choice' must hold {allowed} on valid rows; "
            f"a valid row has {table['choice'].iloc[row]!r}"
        )
    return np.where(valid, np.nan_to_num(values, nan=-1), -1).astype(int)


def rewarded(table: pd.DataFrame, analysis: str) -> np.ndarray:
    """Whether each trial was rewarded (``reward > 0``); NaN reward counts as not valid."""
    values = pd.to_numeric(table["reward"], errors="coerce").to_numpy(dtype=float)
    missing = table["_valid"].to_numpy(dtype=bool) & ~np.isfinite(values)
    if missing.any():
        raise CognaxError(f"{analysis}: column 'reward' must hold numbers on valid rows; a valid row has NaN")
    return values > 0


def sequence_ids(table: pd.DataFrame) -> np.ndarray:
    """An integer id per row for its sequence (rows must already be :func:`ordered`)."""
    return table.groupby(sequence_columns(table), sort=False, dropna=False).ngroup().to_numpy()


def lagged(values: np.ndarray, sequence: np.ndarray, lag: int, fill) -> np.ndarray:
    """``values`` from ``lag`` rows back in the same sequence; ``fill`` before its start.

    Rows must already be :func:`ordered`, so that each sequence is contiguous.
    """
    values = np.asarray(values)
    if lag == 0:
        return values.copy()
    out = np.full(values.shape, fill, dtype=np.result_type(values, np.asarray(fill)))
    if lag < len(values):
        same = sequence[lag:] == sequence[:-lag]
        out[lag:] = np.where(same, values[:-lag], fill)
    return out


def subject_groups(table: pd.DataFrame, group_column: str | None, analysis: str) -> pd.Series | None:
    """The group of each subject (a subject-level column), or ``None``."""
    if group_column is None:
        return None
    require_columns(table, [group_column], analysis, "the group_column")
    per_subject = table.groupby("subject", sort=True, dropna=False)[group_column]
    counts = per_subject.nunique(dropna=False)
    if (counts > 1).any():
        subject = counts.index[np.flatnonzero(counts.to_numpy() > 1)[0]]
        raise CognaxError(
            f"{analysis}: column {group_column!r} must hold one value per subject; subject {subject!r} has "
            f"{sorted(map(str, table.loc[table['subject'] == subject, group_column].unique()))}"
        )
    return per_subject.first()


def with_groups(frame: pd.DataFrame, groups: pd.Series | None, group_column: str | None) -> pd.DataFrame:
    """Insert the subject's group as the second column of a per-subject frame."""
    if groups is None:
        return frame
    frame.insert(1, group_column, frame["subject"].map(groups).to_numpy())
    return frame
