"""Build the bundled data sets from their original files (for maintainers).

The package ships each data set as a Parquet trial table per experiment (small, typed,
fast to load). This module turns the authors' files into those tables; run it again to
rebuild them, and the tests check that the shipped tables equal a fresh conversion::

    python -m cognax.data._bundle /path/to/shared/data

Sources: ``dezfouli2019/choices_diagno.csv.zip`` and ``id_diag_SC.csv`` (Dezfouli et al.
2019), ``collins_rlwm/ExpeN.mat`` (Collins 2024). See each folder's README.md.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from cognax.errors import CognaxError

BUNDLED = Path(__file__).parent / "bundled"
COLLINS_EXPERIMENTS = (1, 2, 3, 5, 12, 14, 16)
#: the 17 columns of ``expe_data``, in order (columns.txt; Expe16 names them oddly).
COLLINS_COLUMNS = (
    "subno", "block", "ns", "time", "stimseq", "imageseq", "folderseq", "iterseq", "corAseq",
    "choice", "key", "cor", "rew", "rt", "condition", "pcor", "delay",
)
#: experiments whose ``condition`` column means something, and what.
COLLINS_CONDITION = {2: "group", 12: "group", 14: "block", 16: "block"}
COLLINS_GROUPS = {2: {0: "control", 1: "schizophrenia"}, 12: None}  # 12: names stored in the file
#: reaction times at or below this (seconds) mark a trial the authors leave out of fits.
MIN_RT = 0.15


def convert_dezfouli(source: Path) -> pd.DataFrame:
    """The Dezfouli et al. (2019) key presses as a bandit trial table."""
    with zipfile.ZipFile(source / "choices_diagno.csv.zip") as archive:
        inner = [n for n in archive.namelist() if n.endswith("choices_diagno.csv") and not n.startswith("__MACOSX")]
        with archive.open(inner[0]) as handle:
            raw = pd.read_csv(handle, index_col=0)
    diagnoses = pd.read_csv(source / "id_diag_SC.csv", index_col=0).set_index("ID")["diag"]
    per_subject = raw.groupby("ID", sort=False)["diag"].agg(["first", "nunique"])
    if (per_subject["nunique"] != 1).any() or not per_subject["first"].equals(diagnoses.reindex(per_subject.index)):
        raise CognaxError("dezfouli2019: diagnoses in choices_diagno.csv and id_diag_SC.csv disagree")
    # Time order within a subject: session half, then press time (the file is in this order).
    subject_order = pd.factorize(raw["ID"])[0]
    raw = raw.assign(_subject=subject_order).sort_values(["_subject", "block", "time"], kind="stable")
    table = pd.DataFrame(
        {
            "subject": raw["ID"].astype(str),
            "session": (raw["block"] - 1).astype(np.int64),
            "block": (raw["trial"] - 1).astype(np.int64),
            "trial": raw.groupby("_subject", sort=False).cumcount().astype(np.int64),
            "choice": (raw["key"] == "R2").astype(np.int64),
            "reward": raw["reward"].astype(np.float64),
            "group": raw["diag"].astype(str),
            "condition": raw["condition"].astype(np.int64),
            "time": raw["time"].astype(np.float64),
        }
    )
    return table.reset_index(drop=True)


def read_collins_mat(path: Path) -> tuple[pd.DataFrame, dict]:
    """``expe_data`` of one ExpeN.mat as a DataFrame with the columns.txt names."""
    from scipy.io import loadmat

    contents = loadmat(path)
    data = contents["expe_data"]
    if data.ndim != 2 or data.shape[1] != len(COLLINS_COLUMNS):
        raise CognaxError(f"{path}: expected a trials x {len(COLLINS_COLUMNS)} matrix 'expe_data'; got {data.shape}")
    return pd.DataFrame(data, columns=list(COLLINS_COLUMNS)), contents


def convert_collins(source: Path, experiment: int) -> pd.DataFrame:
    """One Collins RLWM experiment as an rlwm trial table."""
    raw, contents = read_collins_mat(source / f"Expe{experiment}.mat")
    # Subjects in file order, blocks in ascending order, trials in file order within a block.
    subject_order = pd.factorize(raw["subno"])[0]
    raw = raw.assign(_subject=subject_order).sort_values(["_subject", "block"], kind="stable")
    raw = raw.reset_index(drop=True)
    answered = raw["choice"].isin([1, 2, 3]).to_numpy()
    rt = raw["rt"].to_numpy()
    block_rank = raw.groupby("_subject", sort=False)["block"].rank(method="dense").astype(np.int64) - 1
    table = pd.DataFrame(
        {
            "subject": raw["subno"].astype(np.int64),
            "block": block_rank,
            "trial": raw.groupby("_subject", sort=False).cumcount().astype(np.int64),
            "set_size": raw["ns"].astype(np.int64),
            "stimulus": (raw["stimseq"] - 1).astype(np.int64),
            "choice": np.where(raw["choice"] >= 1, raw["choice"] - 1, -1).astype(np.int64),
            "correct_action": (raw["corAseq"] - 1).astype(np.int64),
            # cor is -1 or missing on missed trials (no feedback): reward 0 there.
            "reward": np.where(raw["cor"].isin([0, 1]), raw["cor"], 0.0).astype(np.float64),
            "points": np.where(answered, raw["rew"], np.nan).astype(np.float64),
            "rt": np.where(rt >= 0, rt, np.nan),
            "iteration": raw["iterseq"].astype(np.int64),
            "valid": answered & (rt > MIN_RT),
        }
    )
    meaning = COLLINS_CONDITION.get(experiment)
    if meaning is not None:
        table["condition"] = raw["condition"].astype(np.int64)
    if meaning == "group":
        names = COLLINS_GROUPS[experiment]
        if names is None:
            labels = [str(np.ravel(item)[0]) for item in np.ravel(contents["condition_columns15"])]
            names = {i + 1: label for i, label in enumerate(labels)}
        table["group"] = table["condition"].map(names).astype(str)
    return table


def build(source: str | Path, target: str | Path = BUNDLED) -> None:
    """Convert every data set under ``source`` into ``target`` (Parquet + licences)."""
    from cognax.data.io import write_table

    source, target = Path(source), Path(target)
    dezfouli = target / "dezfouli2019"
    dezfouli.mkdir(parents=True, exist_ok=True)
    write_table(convert_dezfouli(source / "dezfouli2019"), dezfouli / "trials.parquet")
    for name in ("id_diag_SC.csv", "LICENSE.txt"):
        shutil.copyfile(source / "dezfouli2019" / name, dezfouli / name)
    collins = target / "collins_rlwm"
    collins.mkdir(parents=True, exist_ok=True)
    for experiment in COLLINS_EXPERIMENTS:
        write_table(convert_collins(source / "collins_rlwm", experiment), collins / f"Expe{experiment}.parquet")
    shutil.copyfile(source / "collins_rlwm" / "LICENSE", collins / "LICENSE")


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data")
