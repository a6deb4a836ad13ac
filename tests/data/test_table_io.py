"""read_table / write_table / atomic_write: round trips, determinism, and every bad file."""

import gzip
import os

import numpy as np
import pandas as pd
import pytest

from cognax import tasks
from cognax.data import atomic_write, from_batch, read_table, to_batch, validate_table, write_table
from cognax.errors import CognaxError


def trial_table():
    """A validated two-step table with label columns, bools, awkward floats and extras."""
    rng = np.random.default_rng(0)
    n_per = [7, 5, 9]
    rows = sum(n_per)
    state = rng.integers(0, 2, rows)
    choice = rng.integers(0, 2, rows)
    table = pd.DataFrame({
        "subject": np.repeat(["s_01", "s_02", "s 03"], n_per),
        "session": np.repeat(["day1", "day2", "day1"], n_per),
        "trial": np.concatenate([np.arange(k) for k in n_per]),
        "choice": choice,
        "reward": rng.random(rows),  # full-precision floats
        "valid": rng.random(rows) > 0.2,
        "choice2": rng.integers(0, 2, rows),
        "state": state,
        "common": state == choice,
        "group": np.repeat(["control", "patient", "control"], n_per),
        "rt": np.concatenate([[1e-300, 1 / 3, 0.1 + 0.2], rng.random(rows - 3) * 1e3]),
    })
    return validate_table(table, tasks.make("two_step"))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".txt", ".csv.gz", ".parquet"])
def test_write_read_round_trip_is_exact(tmp_path, suffix):
    table = trial_table()
    path = write_table(table, tmp_path / f"trials{suffix}")
    back = read_table(path)
    pd.testing.assert_frame_equal(back, table)
    pd.testing.assert_frame_equal(read_table(path, task="two_step"), table)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".csv.gz", ".parquet"])
def test_writing_twice_gives_identical_bytes(tmp_path, suffix):
    first = write_table(trial_table(), tmp_path / f"a{suffix}").read_bytes()
    second = write_table(trial_table(), tmp_path / f"a{suffix}").read_bytes()
    third = write_table(trial_table(), tmp_path / f"b{suffix}").read_bytes()
    assert first == second == third
    assert sorted(os.listdir(tmp_path)) == [f"a{suffix}", f"b{suffix}"]  # no temporary files left


def test_table_batch_file_round_trip(tmp_path):
    task = tasks.make("two_step")
    table = trial_table()
    batch = to_batch(table, task, pad_to=12)
    assert batch.mask.shape == (3, 12)
    back = from_batch(batch)
    pd.testing.assert_frame_equal(back, table)
    for suffix in (".csv", ".parquet"):
        path = write_table(back, tmp_path / f"t{suffix}")
        again = from_batch(to_batch(read_table(path, task), task))
        pd.testing.assert_frame_equal(again, table)


def test_numeric_subject_ids_round_trip(tmp_path):
    table = trial_table()
    table["subject"] = np.repeat([101, 102, 103], [7, 5, 9])
    pd.testing.assert_frame_equal(from_batch(to_batch(table, tasks.make("two_step"))), table)
    pd.testing.assert_frame_equal(read_table(write_table(table, tmp_path / "t.csv")), table)


# ----------------------------------------------------------------------------- bad files
def read_error(path, *fragments, task=None):
    with pytest.raises(CognaxError) as info:
        read_table(path, task=task)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_missing_file(tmp_path):
    read_error(tmp_path / "nope.csv", "nope.csv: no such file")


def test_directory(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    read_error(tmp_path / "folder.csv", "is a folder, not a file")


def test_unknown_extension_lists_allowed(tmp_path):
    path = tmp_path / "trials.xlsx"
    path.write_text("x")
    read_error(path, "unknown file extension", ".csv", ".tsv", ".parquet")


def test_empty_files(tmp_path):
    for name in ("empty.csv", "empty.parquet"):
        (tmp_path / name).write_bytes(b"")
        read_error(tmp_path / name, "the file is empty")
    (tmp_path / "blank.csv").write_text("\n\n")
    read_error(tmp_path / "blank.csv", "the file is empty")
    (tmp_path / "header.csv").write_text("subject,trial,choice,reward\n")
    read_error(tmp_path / "header.csv", "header but no data rows")


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    read_error(path, "bad.parquet: cannot be read as a Parquet file")
    good = write_table(trial_table(), tmp_path / "good.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(good[: len(good) // 2])
    read_error(tmp_path / "cut.parquet", "cannot be read as a Parquet file")


def test_corrupt_text(tmp_path):
    (tmp_path / "bad.csv.gz").write_bytes(b"not gzip at all")
    read_error(tmp_path / "bad.csv.gz", "cannot be read as a CSV file")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5,6\n")
    read_error(tmp_path / "ragged.csv", "cannot be read as a CSV file")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    read_error(tmp_path / "binary.csv", "cannot be read as a CSV file")


def test_read_validates_with_file_rows(tmp_path):
    path = tmp_path / "trials.csv"
    path.write_text("subject,trial,choice,reward\na,0,0,1\na,1,1,0\na,2,3,1\n")
    read_error(path, f"{path}: column 'choice' must hold integers in [0, 2); row 3 has 3", task="bandit")
    path.write_text("subject,trial,Choise,reward\na,0,0,1\n")
    read_error(path, "missing required column 'choice' (did you mean 'Choise'?)", task="bandit")
    path.write_text("subject,trial,choice,reward\na,0,0,1\na,1,,0\n")
    read_error(path, "row 2 has a missing value", task="bandit")
    path.write_text("subject,trial,choice,reward\na,0,0,1\na,1,left,0\n")
    read_error(path, "row 2 has 'left'", task="bandit")


def test_write_errors(tmp_path):
    with pytest.raises(CognaxError, match="unknown file extension"):
        write_table(trial_table(), tmp_path / "t.xlsx")
    with pytest.raises(CognaxError, match="does not exist"):
        write_table(trial_table(), tmp_path / "missing" / "t.csv")
    with pytest.raises(CognaxError, match="expected a pandas DataFrame"):
        write_table({"a": [1]}, tmp_path / "t.csv")
    with pytest.raises(CognaxError, match="column names must be strings"):
        write_table(pd.DataFrame({0: [1]}), tmp_path / "t.parquet")


# ----------------------------------------------------------------------------- atomic writes
def test_atomic_write_failure_leaves_nothing(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as handle:
            handle.write("half of it")
            raise RuntimeError("writer failed")
    assert os.listdir(tmp_path) == []


def test_atomic_write_failure_keeps_old_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(ZeroDivisionError):
        with atomic_write(target) as temporary:
            temporary.write_text("new, partial")
            1 / 0
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_atomic_write_success_and_suffix(tmp_path):
    target = tmp_path / "figure.png"
    with atomic_write(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith(".png")
        temporary.write_bytes(b"png")
    assert target.read_bytes() == b"png"
    with atomic_write(tmp_path / "t.csv.gz") as temporary:
        assert temporary.name.endswith(".csv.gz")
        temporary.write_bytes(gzip.compress(b"a\n1\n"))
    assert sorted(os.listdir(tmp_path)) == ["figure.png", "t.csv.gz"]


def test_failing_table_write_leaves_no_temporary(tmp_path, monkeypatch):
    table = trial_table()
    target = tmp_path / "t.parquet"
    write_table(table, target)
    before = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_table(table.iloc[:3], target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["t.parquet"]
