"""Read hBayesDM-style data files (tab-separated, one row per trial, column ``subjID``).

hBayesDM (Ahn, Haines & Zhang 2017, Computational Psychiatry 1:24-57) is the most used
package for hierarchical fits of these tasks; its users hold their data in its format.
The file's columns map onto the trial table as follows.

=============  ========================================  =================================
format         hBayesDM columns                          trial-table columns
=============  ========================================  =================================
bandit         ``choice`` (1..n), ``outcome``            ``choice`` = choice - 1,
                                                         ``reward`` = outcome
two-step       ``level1_choice`` (1..2),                 ``choice`` = level1_choice - 1,
               ``level2_choice`` (1..4), ``reward``      ``state`` = (level2_choice-1)//2,
                                                         ``choice2`` = (level2_choice-1)%2,
                                                         ``common`` = state == choice
go/no-go       ``cue`` (1..4), ``keyPressed`` (0/1),     ``cue`` = cue - 1, ``choice`` =
               ``outcome``                               keyPressed (1 = go), ``reward``
=============  ========================================  =================================

In every format ``subject`` = ``subjID`` and ``trial`` counts each subject's rows from 0
in file order. Level-2 options 1-2 belong to the state reached commonly from first-stage
option 1, options 3-4 to the other state.

hBayesDM's two-armed bandit codes a loss as ``outcome`` -1; our bandit rewards lie in
[0, 1], so pass ``outcome_map={-1: 0, 1: 1}`` to recode (the error message says so).
"""

from __future__ import annotations

import os
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd

from cognax.data.validate import check_column, check_table, schema
from cognax.errors import CognaxError
from cognax.schema import Column

_BASE = {"subject", "session", "block", "trial", "choice", "reward", "valid"}
_NEEDED = {
    "bandit": ("subjID", "choice", "outcome"),
    "two-step": ("subjID", "level1_choice", "level2_choice", "reward"),
    "go/no-go": ("subjID", "cue", "keyPressed", "outcome"),
}


def hbayesdm_format(task) -> str:
    """Which hBayesDM format a task's data come in: ``bandit``, ``two-step`` or ``go/no-go``."""
    extra = set(schema(task)) - _BASE
    if not extra:
        return "bandit"
    if {"state", "choice2"} <= extra:
        return "two-step"
    if extra == {"cue"}:
        return "go/no-go"
    raise CognaxError(
        f"task {task.name!r} has no hBayesDM format; hBayesDM files exist for bandit tasks, "
        "the two-step task and the go/no-go task"
    )


def read_hbayesdm(path: str | os.PathLike, task, outcome_map: dict | None = None) -> pd.DataFrame:
    """Read an hBayesDM-style file into a validated trial table for ``task``.

    Args:
        path: a tab-separated text file (``.txt``, ``.tsv``; ``.csv`` is read with commas).
        task: a task or task id (bandit family, ``two_step*`` or ``go_nogo``).
        outcome_map: optional recoding of the outcome/reward values, e.g. ``{-1: 0, 1: 1}``
            for hBayesDM's two-armed bandit; values not in the map are an error.

    Returns:
        The trial table (rows in file order). Rows with a missing value (``NA``) in a
        needed column are dropped; their number is in ``table.attrs["dropped_rows"]``.
        Other columns of the file are kept, except those named like one of ours
        (hBayesDM's 1-based ``trial``, say), which ours replace.

    Raises:
        CognaxError: a needed column is missing (naming it, with a close match), a value
            is out of range (naming the hBayesDM column and the file's data row), or the
            task has no hBayesDM format.

    Example:
        >>> table = read_hbayesdm("gng_exampleData.txt", "go_nogo")     # doctest: +SKIP
    """
    from cognax.data.io import read_raw

    if isinstance(task, str):
        from cognax import tasks

        task = tasks.make(task)
    fmt = hbayesdm_format(task)
    path = Path(path)
    raw = read_raw(path, "csv" if path.name.lower().endswith((".csv", ".csv.gz")) else "tsv")
    source = str(path)
    needed = _NEEDED[fmt]
    _check_columns(raw, needed, fmt, source)

    keep = raw[list(needed)].notna().all(axis=1).to_numpy()
    rows = np.flatnonzero(keep) + 1
    raw = raw.loc[keep].reset_index(drop=True)
    if len(raw) == 0:
        raise CognaxError(f"{source}: every row has a missing value in a needed column ({', '.join(needed)})")

    spec = schema(task)
    outcome_name = "reward" if fmt == "two-step" else "outcome"
    outcome = _recode(raw[outcome_name], outcome_map, source, rows, outcome_name)
    reward_column = spec["reward"]
    _check(outcome, Column(outcome_name, "float", reward_column.low, reward_column.high), source, rows,
           hint=outcome_map is None)

    columns: dict[str, object] = {"subject": raw["subjID"]}
    if fmt == "bandit":
        choice = _check(raw["choice"], Column("choice", "int", 1, task.n_actions + 1), source, rows)
        columns.update(choice=choice - 1, reward=outcome)
    elif fmt == "two-step":
        first = _check(raw["level1_choice"], Column("level1_choice", "int", 1, 3), source, rows)
        second = _check(raw["level2_choice"], Column("level2_choice", "int", 1, 5), source, rows)
        state = (second - 1) // 2
        columns.update(choice=first - 1, reward=outcome, state=state, choice2=(second - 1) % 2,
                       common=state == first - 1)
    else:
        cue = _check(raw["cue"], Column("cue", "int", 1, 5), source, rows)
        pressed = _check(raw["keyPressed"], Column("keyPressed", "int", 0, 2), source, rows)
        columns.update(cue=cue - 1, choice=pressed, reward=outcome)

    table = pd.DataFrame(columns)
    table.insert(1, "trial", table.groupby("subject", sort=False).cumcount().astype(np.int64))
    for name in raw.columns:
        if name not in needed and name not in table:
            table[name] = raw[name]
    table = check_table(table, task, source=source, rows=rows)
    table.attrs["dropped_rows"] = int((~keep).sum())
    return table


def _check_columns(raw: pd.DataFrame, needed: tuple[str, ...], fmt: str, source: str) -> None:
    present = [str(name) for name in raw.columns]
    missing = [name for name in needed if name not in present]
    if not missing:
        return
    candidates = [name for name in present if name not in needed]
    parts = []
    for name in missing:
        lowered = {c.lower(): c for c in candidates}
        hint = [lowered[name.lower()]] if name.lower() in lowered else get_close_matches(name, candidates, n=1)
        parts.append(f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    noun = "column" if len(missing) == 1 else "columns"
    raise CognaxError(
        f"{source}: missing hBayesDM {noun} {', '.join(parts)}; the {fmt} format needs columns: "
        f"{', '.join(needed)} (the file has: {', '.join(present)})"
    )


def _recode(values: pd.Series, mapping: dict | None, source: str, rows, name: str) -> pd.Series:
    if mapping is None:
        return values
    numbers = check_column(values, Column(name, "float"), source, rows)
    recoded = numbers.map({float(k): float(v) for k, v in mapping.items()})
    unmapped = recoded.isna().to_numpy()
    if unmapped.any():
        first = int(np.flatnonzero(unmapped)[0])
        raise CognaxError(
            f"{source}: column {name!r} must hold one of {sorted(mapping)} (outcome_map); "
            f"row {int(rows[first])} has {numbers.iloc[first]:g}"
        )
    return recoded


def _check(values: pd.Series, column: Column, source: str, rows, hint: bool = False) -> pd.Series:
    """Check a raw hBayesDM column (messages name it and the file row); return it as numbers."""
    try:
        return check_column(values, column, source, rows)
    except CognaxError as error:
        if hint and column.name in ("outcome", "reward") and (pd.to_numeric(values, errors="coerce") < 0).any():
            raise CognaxError(
                f"{error} (hBayesDM codes losses as -1; pass outcome_map={{-1: 0, 1: 1}} to recode them)"
            ) from None
        raise


__all__ = ["read_hbayesdm", "hbayesdm_format"]
