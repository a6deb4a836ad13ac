"""Bundled real data sets: :func:`load`, :func:`list_datasets`, :func:`describe`.

Two data sets with permissive licences ship with the package (licence and citation next
to each, in ``cognax/data/bundled/<name>/``):

- ``dezfouli2019``: 101 people (34 healthy, 34 depression, 33 bipolar) in a free-operant
  two-armed bandit, one row per key press (Dezfouli et al. 2019, PLoS Comput Biol).
- ``collins_rlwm``: seven RL-working-memory experiments, ~595 people (Collins 2024).

Example:
    >>> from cognax.data import load, describe
    >>> table = load("dezfouli2019")
    >>> table["subject"].nunique()
    101
    >>> print(describe("collins_rlwm", experiment=1).splitlines()[0])
    collins_rlwm experiment 1 (task rlwm): 53,573 trials
"""

from __future__ import annotations

import dataclasses
from importlib.resources import as_file, files
from typing import Callable

import numpy as np
import pandas as pd

from cognax.data.io import read_raw
from cognax.data.validate import check_table
from cognax.errors import CognaxError, unknown_name


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str
    task: str
    description: str
    citation: str
    loader: Callable[..., pd.DataFrame]
    options: tuple[str, ...] = ()


def _bundled(dataset: str, filename: str) -> pd.DataFrame:
    resource = files("cognax.data").joinpath("bundled", dataset, filename)
    with as_file(resource) as path:
        return read_raw(path, "parquet")


def _load_dezfouli() -> pd.DataFrame:
    table = _bundled("dezfouli2019", "trials.parquet")
    return check_table(table, "bandit", source="dezfouli2019")


COLLINS_EXPERIMENTS = {
    1: "Collins & Frank 2012 (79 people)",
    2: "Collins et al. 2014, healthy controls and people with schizophrenia (85)",
    3: "Collins & Frank 2018, with EEG (40)",
    5: "Collins et al. 2017, with fMRI (26)",
    12: "Master et al. 2020, ages 8-30 (300)",
    14: "McDougle & Collins 2021, probabilistic feedback (35)",
    16: "gain/loss blocks (30)",
}


def _load_collins(experiment: int = 1) -> pd.DataFrame:
    if isinstance(experiment, bool) or experiment not in COLLINS_EXPERIMENTS:
        allowed = ", ".join(map(str, COLLINS_EXPERIMENTS))
        raise CognaxError(f"collins_rlwm: unknown experiment {experiment!r}; allowed: {allowed}")
    source = f"collins_rlwm experiment {experiment}"
    table = _bundled("collins_rlwm", f"Expe{experiment}.parquet")
    table = check_table(table, "rlwm", source=source)
    table.attrs["experiment"] = int(experiment)
    return table


DATASETS = {
    "dezfouli2019": Dataset(
        "dezfouli2019",
        "bandit",
        "two-armed free-operant bandit, 101 people (healthy / depression / bipolar), one row per key press",
        "Dezfouli A, Griffiths K, Ramos F, Dayan P, Balleine BW (2019). Models that learn how humans "
        "learn: the case of decision-making and its disorders. PLoS Comput Biol 15(6): e1006903.",
        _load_dezfouli,
    ),
    "collins_rlwm": Dataset(
        "collins_rlwm",
        "rlwm",
        "RL-working-memory task, 7 experiments (experiment=1, 2, 3, 5, 12, 14, 16), ~595 people",
        "Collins AGE (2024). RL or not RL? Parsing the processes that support human reward-based "
        "learning. Data: github.com/AnneCollins/WMH.",
        _load_collins,
        options=("experiment",),
    ),
}


def list_datasets() -> dict[str, str]:
    """Bundled data sets: name -> one-line description."""
    return {name: dataset.description for name, dataset in DATASETS.items()}


def load(name: str, **options) -> pd.DataFrame:
    """Load a bundled data set as a validated trial table.

    Args:
        name: ``"dezfouli2019"`` or ``"collins_rlwm"`` (see :func:`list_datasets`).
        **options: ``experiment`` for ``collins_rlwm`` (1, 2, 3, 5, 12, 14 or 16;
            default 1).

    Returns:
        A fresh trial table; ``table.attrs`` holds ``dataset``, ``task`` and ``citation``.

        ``dezfouli2019`` (task ``bandit``): ``subject`` (e.g. ``"s_005_"``),
        ``session`` (0/1: session half), ``block`` (0-11: the 40-s block), ``trial``
        (press index within the subject, time order), ``choice`` (0 = key R1, 1 = R2),
        ``reward`` (0/1), ``group`` (Healthy / Depression / Bipolar), ``condition`` (block
        type code 1-6), ``time`` (ms since the session started).

        ``collins_rlwm`` (task ``rlwm``): ``subject``, ``block`` (0-based, in the
        order played), ``trial`` (0-based within the subject), ``set_size``,
        ``stimulus`` (0-based), ``choice`` (0-based; -1 where the subject did not
        answer), ``correct_action`` (0-based), ``reward`` (the file's ``cor``: correct,
        0/1; 0 on missed trials), ``points`` (the file's ``rew``; missing on missed
        trials), ``rt`` (s; missing on missed trials), ``iteration`` (1-based
        presentation of the stimulus in its block), ``valid`` (answered and ``rt`` >
        0.15 s, the authors' own inclusion rule), and for experiments 2, 12, 14, 16
        ``condition`` (plus ``group`` for 2: control/schizophrenia and 12: age group).

    Raises:
        CognaxError: unknown data set, experiment or option.
    """
    if name not in DATASETS:
        raise unknown_name("data set", name, DATASETS)
    dataset = DATASETS[name]
    unknown = [option for option in options if option not in dataset.options]
    if unknown:
        allowed = ", ".join(dataset.options) or "none"
        raise CognaxError(f"{name}: unknown option(s) {', '.join(map(repr, unknown))}; allowed: {allowed}")
    table = dataset.loader(**options)
    table.attrs.update(dataset=name, task=dataset.task, citation=dataset.citation)
    return table


def describe(table_or_name: pd.DataFrame | str, **options) -> str:
    """A readable summary of a trial table (or of a bundled data set, by name).

    Lists subjects, trials per subject (min / median / max), groups with their subject
    counts, choice proportions and mean reward (over valid trials), the valid fraction
    and the columns.
    """
    if isinstance(table_or_name, str):
        table = load(table_or_name, **options)
    elif isinstance(table_or_name, pd.DataFrame):
        table = table_or_name
    else:
        raise CognaxError(f"describe() takes a trial table or a data set name; got {type(table_or_name).__name__}")
    title = table.attrs.get("dataset", "trial table")
    if "experiment" in table.attrs:
        title += f" experiment {table.attrs['experiment']}"
    if "task" in table.attrs:
        title += f" (task {table.attrs['task']})"
    lines = [f"{title}: {len(table):,} trials"]
    if "subject" in table:
        counts = table.groupby("subject", sort=False).size()
        lines.append(
            f"subjects: {len(counts):,}; trials per subject min / median / max: "
            f"{counts.min():,} / {np.median(counts):,g} / {counts.max():,}"
        )
        if "group" in table:
            groups = table.groupby("subject", sort=False)["group"].first().value_counts()
            lines.append("groups (subjects): " + ", ".join(f"{label} {count}" for label, count in groups.items()))
    valid = table["valid"].to_numpy(dtype=bool) if "valid" in table else np.ones(len(table), dtype=bool)
    if "valid" in table:
        lines.append(f"valid trials: {valid.mean():.1%} ({int(valid.sum()):,} of {len(table):,})")
    if "choice" in table:
        shares = table.loc[valid, "choice"].value_counts(normalize=True).sort_index()
        lines.append("choice proportions" + (" (valid trials)" if "valid" in table else "") + ": "
                     + ", ".join(f"{choice}: {share:.3f}" for choice, share in shares.items()))
    if "reward" in table and pd.api.types.is_numeric_dtype(table["reward"]):
        lines.append(f"mean reward: {table.loc[valid, 'reward'].mean():.3f}")
    lines.append("columns: " + ", ".join(map(str, table.columns)))
    return "\n".join(lines)


__all__ = ["load", "describe", "list_datasets", "DATASETS"]
