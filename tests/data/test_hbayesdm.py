"""read_hbayesdm: column mapping for each format, dropped NA rows, and clear errors."""

import pytest

from cognax.data import read_hbayesdm
from cognax.errors import CognaxError


def write(path, text):
    path.write_text(text.replace("|", "\t"))
    return path


def error(path, task, *fragments, **kwargs):
    with pytest.raises(CognaxError) as info:
        read_hbayesdm(path, task, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_bandit_mapping(tmp_path):
    path = write(tmp_path / "bandit.txt", "subjID|choice|outcome|rt\n7|1|1|0.5\n7|2|0|0.6\n3|2|1|0.4\n7|1|0|0.3\n")
    table = read_hbayesdm(path, "bandit")
    assert table["subject"].tolist() == [7, 7, 3, 7]
    assert table["trial"].tolist() == [0, 1, 0, 2]  # per subject, file order
    assert table["choice"].tolist() == [0, 1, 1, 0]
    assert table["reward"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert table["rt"].tolist() == [0.5, 0.6, 0.4, 0.3]  # other columns are kept
    assert "subjID" not in table and table.attrs["dropped_rows"] == 0


def test_bandit_losses_need_outcome_map(tmp_path):
    # hBayesDM's bandit2arm example codes a loss as -1 and has its own 1-based trial column.
    path = write(tmp_path / "bandit2arm.txt", "subjID|trial|choice|outcome\n1|1|1|1\n1|2|2|-1\n2|1|2|-1\n")
    error(path, "bandit", "column 'outcome' must hold numbers in [0, 1]; row 2 has -1", "outcome_map={-1: 0, 1: 1}")
    table = read_hbayesdm(path, "bandit", outcome_map={-1: 0, 1: 1})
    assert table["reward"].tolist() == [1.0, 0.0, 0.0]
    assert table["trial"].tolist() == [0, 1, 0]  # ours, 0-based, replaces the file's
    error(path, "bandit", "column 'outcome' must hold one of [-1, 2] (outcome_map); row 1 has 1",
          outcome_map={-1: 0, 2: 1})


def test_two_step_mapping(tmp_path):
    text = "subjID|level1_choice|level2_choice|reward\na|1|1|1\na|1|3|0\na|2|4|1\na|2|2|0\n"
    table = read_hbayesdm(write(tmp_path / "ts.txt", text), "two_step")
    assert table["choice"].tolist() == [0, 0, 1, 1]
    assert table["state"].tolist() == [0, 1, 1, 0]
    assert table["choice2"].tolist() == [0, 0, 1, 1]
    assert table["common"].tolist() == [True, False, True, False]
    assert table["common"].dtype == bool


def test_go_nogo_mapping(tmp_path):
    text = "subjID|cue|keyPressed|outcome\nx|1|1|1\nx|4|0|-1\nx|2|0|0\n"
    table = read_hbayesdm(write(tmp_path / "gng.txt", text), "go_nogo")
    assert table["cue"].tolist() == [0, 3, 1]
    assert table["choice"].tolist() == [1, 0, 0]
    assert table["reward"].tolist() == [1.0, -1.0, 0.0]


def test_rows_with_na_are_dropped_and_rows_numbered_as_in_file(tmp_path):
    text = "subjID|choice|outcome\n1|1|1\n1|NA|0\n1|2|NA\n1|2|1\n1|3|1\n"
    path = write(tmp_path / "b.txt", text)
    error(path, "bandit", "column 'choice' must hold integers in [1, 3); row 5 has 3")
    write(path, text.replace("1|3|1", "1|1|1"))
    table = read_hbayesdm(path, "bandit")
    assert table.attrs["dropped_rows"] == 2
    assert table["choice"].tolist() == [0, 1, 0] and table["trial"].tolist() == [0, 1, 2]


def test_missing_columns_are_named_with_suggestion(tmp_path):
    path = write(tmp_path / "b.txt", "subjID|Choice|outcome\n1|1|1\n")
    error(path, "bandit", "missing hBayesDM column 'choice' (did you mean 'Choice'?)",
          "bandit format needs columns: subjID, choice, outcome")
    path = write(tmp_path / "ts.txt", "subjID|level1_choice|level2choice\n1|1|1\n")
    error(path, "two_step", "missing hBayesDM columns 'level2_choice' (did you mean 'level2choice'?), 'reward'")


def test_bad_values(tmp_path):
    path = write(tmp_path / "ts.txt", "subjID|level1_choice|level2_choice|reward\n1|1|5|1\n")
    error(path, "two_step", "column 'level2_choice' must hold integers in [1, 5); row 1 has 5")
    path = write(tmp_path / "g.txt", "subjID|cue|keyPressed|outcome\n1|1|yes|1\n")
    error(path, "go_nogo", "column 'keyPressed' must hold integers in [0, 2); row 1 has 'yes'")
    path = write(tmp_path / "b.txt", "subjID|choice|outcome\n1|1.5|1\n")
    error(path, "bandit", "column 'choice' must hold integers in [1, 3); row 1 has 1.5")


def test_every_row_na(tmp_path):
    error(write(tmp_path / "b.txt", "subjID|choice|outcome\n1|NA|1\n"), "bandit", "every row has a missing value")


def test_task_without_hbayesdm_format(tmp_path):
    error(write(tmp_path / "b.txt", "subjID|choice|outcome\n1|1|1\n"), "rlwm", "task 'rlwm' has no hBayesDM format")


def test_file_errors(tmp_path):
    error(tmp_path / "none.txt", "bandit", "no such file")
    (tmp_path / "empty.txt").write_text("")
    error(tmp_path / "empty.txt", "bandit", "the file is empty")
