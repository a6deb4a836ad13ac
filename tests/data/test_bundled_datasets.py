"""Bundled data sets: counts against the original files, validation, speed, summaries."""

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cognax import tasks
from cognax.data import describe, from_batch, list_datasets, load, to_batch, validate_table
from cognax.data import _bundle
from cognax.errors import CognaxError

SHARED = Path("/work/shared/data")
needs_sources = pytest.mark.skipif(not SHARED.is_dir(), reason="original data files not available")
SUBJECTS = {1: 79, 2: 85, 3: 40, 5: 26, 12: 300, 14: 35, 16: 30}


@pytest.fixture(scope="module")
def dezfouli():
    return load("dezfouli2019")


def test_list_datasets():
    datasets = list_datasets()
    assert set(datasets) == {"dezfouli2019", "collins_rlwm"}
    assert all(isinstance(text, str) and "\n" not in text for text in datasets.values())


def test_dezfouli_counts(dezfouli):
    assert len(dezfouli) == 132_251
    assert dezfouli["subject"].nunique() == 101
    groups = dezfouli.groupby("subject")["group"].first().value_counts().to_dict()
    assert groups == {"Healthy": 34, "Depression": 34, "Bipolar": 33}
    assert dezfouli.attrs["dataset"] == "dezfouli2019" and dezfouli.attrs["task"] == "bandit"


def test_dezfouli_columns(dezfouli):
    assert set(dezfouli["choice"]) == {0, 1} and set(dezfouli["reward"]) == {0.0, 1.0}
    assert set(dezfouli["session"]) == {0, 1} and set(dezfouli["block"]) == set(range(12))
    for _, rows in dezfouli.groupby("subject", sort=False):
        assert (rows["trial"].to_numpy() == np.arange(len(rows))).all()
        assert rows["time"].is_monotonic_increasing
        assert rows["block"].is_monotonic_increasing
    pd.testing.assert_frame_equal(validate_table(dezfouli, "bandit"), dezfouli)


def test_dezfouli_loads_fast(dezfouli):
    start = time.perf_counter()
    load("dezfouli2019")
    assert time.perf_counter() - start < 2.0


@needs_sources
def test_dezfouli_matches_original_files(dezfouli):
    import zipfile

    with zipfile.ZipFile(SHARED / "dezfouli2019" / "choices_diagno.csv.zip") as archive:
        with archive.open("choices_diagno.csv") as handle:
            raw = pd.read_csv(handle)
    assert len(raw) == len(dezfouli)
    assert (raw["key"].eq("R2").astype(int).to_numpy() == dezfouli["choice"].to_numpy()).all()
    assert raw["reward"].sum() == dezfouli["reward"].sum()
    fresh = _bundle.convert_dezfouli(SHARED / "dezfouli2019")
    pd.testing.assert_frame_equal(validate_table(fresh, "bandit"), dezfouli, check_flags=False)


@pytest.mark.parametrize("experiment", sorted(SUBJECTS))
def test_collins_experiments_load_and_validate(experiment):
    table = load("collins_rlwm", experiment=experiment)
    assert table["subject"].nunique() == SUBJECTS[experiment]
    assert table.attrs["experiment"] == experiment
    valid = table["valid"].to_numpy()
    assert 0.95 < valid.mean() <= 1.0
    answered = table["choice"].between(0, 2).to_numpy()
    assert not (valid & ~answered).any()
    assert (table.loc[~answered, "choice"].isin([-1, 3])).all()
    assert set(table.loc[valid, "reward"]) <= {0.0, 1.0}
    assert (table["reward"] == (table["choice"] == table["correct_action"])).all()
    assert table["stimulus"].lt(table["set_size"]).all() and table["iteration"].ge(1).all()
    for _, rows in table.groupby("subject", sort=False):
        assert (rows["trial"].to_numpy() == np.arange(len(rows))).all()
        assert rows["block"].iloc[0] == 0 and rows["block"].is_monotonic_increasing
    pd.testing.assert_frame_equal(validate_table(table, "rlwm"), table)


@needs_sources
@pytest.mark.parametrize("experiment", sorted(SUBJECTS))
def test_collins_matches_original_files(experiment):
    fresh = _bundle.convert_collins(SHARED / "collins_rlwm", experiment)
    table = load("collins_rlwm", experiment=experiment)
    pd.testing.assert_frame_equal(validate_table(fresh, "rlwm"), table, check_flags=False)
    raw, _ = _bundle.read_collins_mat(SHARED / "collins_rlwm" / f"Expe{experiment}.mat")
    assert len(raw) == len(table)
    assert ((raw["rt"] > 0.15) & raw["choice"].isin([1, 2, 3])).sum() == table["valid"].sum()


def test_collins_groups():
    groups = load("collins_rlwm", experiment=2).groupby("subject")["group"].first()
    assert set(groups) == {"control", "schizophrenia"}
    ages = load("collins_rlwm", experiment=12).groupby("subject")["group"].first().value_counts()
    assert ages.sum() == 300 and set(ages.index) == {"kids", "teens", "rpp", "age>25"}


def test_bundled_table_to_batch_round_trip(dezfouli):
    for table, task in ((dezfouli, "bandit"), (load("collins_rlwm", experiment=5), "rlwm")):
        batch = to_batch(table, tasks.make(task))
        pd.testing.assert_frame_equal(from_batch(batch), table, check_flags=False)


def test_load_errors():
    with pytest.raises(CognaxError, match="unknown data set 'dezfouli'.*did you mean 'dezfouli2019'"):
        load("dezfouli")
    with pytest.raises(CognaxError, match="unknown experiment 4; allowed: 1, 2, 3, 5, 12, 14, 16"):
        load("collins_rlwm", experiment=4)
    with pytest.raises(CognaxError, match="unknown option.*'subject'; allowed: experiment"):
        load("collins_rlwm", subject=3)
    with pytest.raises(CognaxError, match="allowed: none"):
        load("dezfouli2019", experiment=1)


def test_describe(dezfouli):
    text = describe(dezfouli)
    assert text.startswith("dezfouli2019 (task bandit): 132,251 trials")
    assert "subjects: 101" in text and "Healthy 34" in text and "Bipolar 33" in text
    assert "mean reward: 0.110" in text and "choice proportions" in text
    text = describe("collins_rlwm", experiment=1)
    assert text.startswith("collins_rlwm experiment 1 (task rlwm)") and "valid trials: 98." in text
    plain = describe(pd.DataFrame({"subject": [1, 1, 2], "choice": [0, 1, 1], "reward": [1.0, 0.0, 1.0]}))
    assert "subjects: 2" in plain and "min / median / max: 1 / 1.5 / 2" in plain
    with pytest.raises(CognaxError):
        describe(42)
