"""Check a trial table against a task's schema and return it in canonical form.

Every problem raises :class:`~cognax.errors.CognaxError` with one message template::

    "{source}: column 'choice' must hold integers in [0, 2); row 57 has 3"

Rows are numbered as data rows of the file the table came from: row 1 is the first
row after the header, i.e. ``table.iloc[0]``.

Example:
    >>> import pandas as pd
    >>> from cognax import tasks
    >>> table = pd.DataFrame({"subject": ["a", "a"], "trial": [0, 1],
    ...                       "choice": [0, 1], "reward": [1, 0]})
    >>> validate_table(table, tasks.make("bandit"))["reward"].dtype
    dtype('float64')
"""

from __future__ import annotations

import dataclasses
import math
from difflib import get_close_matches
from typing import Callable

import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.schema import BLOCK, VALID, Column

#: Columns that locate a row; they are checked on every row, ``valid`` or not.
INDEX_COLUMNS = ("subject", "session", "block", "trial", "valid")

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def schema(task) -> dict[str, Column]:
    """The columns of ``task``'s trial table by name, duplicates merged.

    ``block`` is always an integer >= 0 and never bounded above: a task may give it an
    observation size (the number of blocks it simulates), but recorded data sets hold
    however many blocks the experiment had. It is required if any definition requires it.
    """
    merged: dict[str, Column] = {}
    for column in task.columns():
        if column.name in merged:
            first = merged[column.name]
            column = dataclasses.replace(first, required=first.required or column.required)
        merged[column.name] = column
    if "block" in merged:
        merged["block"] = dataclasses.replace(BLOCK, required=merged["block"].required)
    return merged


def validate_table(table: pd.DataFrame, task, source: str = "table") -> pd.DataFrame:
    """Check ``table`` against ``task.columns()`` and return a normalised copy.

    Checks, in order: the table is a non-empty DataFrame with unique column names; every
    required column is present (the message suggests a close existing name); every
    schema column holds values of its kind (no text in a number column, integers where
    integers are due, true/false/0/1 in a bool column) inside its range, with no
    missing values.

    Rows with ``valid`` false (missed or discarded responses) are exempt from the range
    and missing-value checks on every column except the index columns (``subject``,
    ``session``, ``block``, ``trial``, ``valid``): ``choice`` may be -1 there. Their
    missing values are filled so that the arrays stay finite (they never enter a fit):
    -1 in integer columns, 0.0 in float columns.

    Args:
        table: the trial table (one row per trial).
        task: a :class:`~cognax.tasks.Task` or a registered task id.
        source: what to call the table in messages (a file name, say).

    Returns:
        A copy with canonical dtypes (integers ``int64``, floats ``float64``, bools
        ``bool``; label columns unchanged), a fresh ``RangeIndex`` and the same column
        order. Columns the task does not know (``rt``, ``group``, hidden ``p_0`` ...)
        are kept unchanged.

    Raises:
        CognaxError: naming the column, the first bad row and what is allowed.
    """
    return check_table(table, task, source)


def check_table(table, task, source: str = "table", rows=None) -> pd.DataFrame:
    """:func:`validate_table` with explicit 1-based row numbers for messages.

    ``rows[i]`` is the file row of ``table.iloc[i]`` (readers that drop rows pass it).
    """
    if isinstance(task, str):
        from cognax import tasks

        task = tasks.make(task)
    if not isinstance(table, pd.DataFrame):
        raise CognaxError(f"{source}: expected a pandas DataFrame; got {type(table).__name__}")
    if len(table) == 0:
        raise CognaxError(f"{source}: the table is empty; a trial table needs at least one row")
    names = [str(name) for name in table.columns]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise CognaxError(f"{source}: column names must be unique; {', '.join(map(repr, duplicated))} appear more than once")
    rows = np.arange(1, len(table) + 1) if rows is None else np.asarray(rows)
    spec = schema(task)
    check_required(table, spec, source, task.name)

    out = table.copy()
    out.columns = names
    out.index = pd.RangeIndex(len(out))
    exempt = np.zeros(len(out), dtype=bool)
    if "valid" in out:
        out["valid"] = check_column(out["valid"], spec.get("valid", VALID), source, rows)
        exempt = ~out["valid"].to_numpy()
    for name, column in spec.items():
        if name in out and name != "valid":
            out[name] = check_column(out[name], column, source, rows, None if name in INDEX_COLUMNS else exempt)
    return out


def check_required(table: pd.DataFrame, spec: dict[str, Column], source: str, task_name: str) -> None:
    """Raise if a required column is missing, suggesting a close existing name."""
    present = [str(name) for name in table.columns]
    missing = [name for name, column in spec.items() if column.required and name not in present]
    if not missing:
        return
    candidates = [name for name in present if name not in spec]
    parts = []
    for name in missing:
        lowered = {c.lower(): c for c in candidates}
        hint = [lowered[name.lower()]] if name.lower() in lowered else get_close_matches(name, candidates, n=1, cutoff=0.6)
        parts.append(f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    required = ", ".join(name for name, column in spec.items() if column.required)
    noun = "column" if len(missing) == 1 else "columns"
    raise CognaxError(
        f"{source}: missing required {noun} {', '.join(parts)}; task {task_name!r} requires columns: {required}"
    )


def check_column(series: pd.Series, column: Column, source: str, rows, exempt=None) -> pd.Series:
    """Check one column against its :class:`~cognax.schema.Column`; return it normalised.

    ``exempt`` marks rows (``valid`` false) whose missing or out-of-range values pass;
    their missing values become -1 (int) or 0.0 (float).
    """
    rows = np.asarray(rows)
    if column.kind == "id":
        missing = series.isna().to_numpy()
        if missing.any():
            _fail(source, column, rows, missing, lambda i: "a missing value")
        return series
    if column.kind == "bool":
        return _check_bool(series, column, source, rows)

    values, not_a_number = _as_float(series)
    exempt = np.zeros(len(series), dtype=bool) if exempt is None else exempt
    missing = np.isnan(values) & ~not_a_number
    finite = np.isfinite(values)
    bad = not_a_number | (missing & ~exempt) | (~finite & ~missing)
    if column.kind == "int":
        with np.errstate(invalid="ignore"):
            bad |= finite & (values != np.round(values))
    in_range = values >= column.low
    in_range &= (values < column.high) if column.kind == "int" else (values <= column.high)
    bad |= finite & ~in_range & ~exempt
    if bad.any():

        def shown(i: int) -> str:
            if not_a_number[i]:
                return _format(series.iloc[i])
            return "a missing value" if math.isnan(values[i]) else _format(values[i])

        _fail(source, column, rows, bad, shown)
    if column.kind == "int":
        if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
            return series.astype(np.int64)
        return pd.Series(np.where(missing, -1, values).astype(np.int64), index=series.index, name=series.name)
    return pd.Series(np.where(missing, 0.0, values), index=series.index, name=series.name)


def _as_float(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values as float64 (NaN where missing) and a mask of entries that are not numbers."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(len(series), dtype=bool)
    numbers = pd.to_numeric(series.astype(object), errors="coerce")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    return values, np.isnan(values) & ~series.isna().to_numpy()


def _check_bool(series: pd.Series, column: Column, source: str, rows) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype) and not series.hasnans:
        return series.astype(bool)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        parsed = values == 1.0
        bad = ~parsed & (values != 0.0)
    else:
        objects = series.astype(object)
        flags = [_parse_bool(value) for value in objects]
        bad = np.array([flag is None for flag in flags], dtype=bool)
        parsed = np.array([bool(flag) for flag in flags], dtype=bool)
    if bad.any():

        def shown(i: int) -> str:
            value = series.iloc[i]
            return "a missing value" if _is_missing(value) else _format(value)

        _fail(source, column, rows, bad, shown)
    return pd.Series(parsed, index=series.index, name=series.name)


def _parse_bool(value) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not _is_missing(value):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _format(value) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value) and value == round(value) and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    return str(value)


def _fail(source: str, column: Column, rows: np.ndarray, bad: np.ndarray, shown: Callable[[int], str]) -> None:
    """Raise the one message template for the first bad row (and count the others)."""
    positions = np.flatnonzero(bad)
    first = int(positions[0])
    more = len(positions) - 1
    extra = f" (and {more} more row{'s' if more > 1 else ''})" if more else ""
    raise CognaxError(
        f"{source}: column {column.name!r} must hold {column.allowed()}; row {int(rows[first])} has {shown(first)}{extra}"
    )


__all__ = ["validate_table", "schema"]
