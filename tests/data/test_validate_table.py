"""validate_table: every kind of bad input gives one clear CognaxError; good input is normalised."""

import numpy as np
import pandas as pd
import pytest

from cognax import tasks
from cognax.data import validate_table
from cognax.errors import CognaxError


def bandit_table(n=6, **columns):
    table = pd.DataFrame(
        {
            "subject": ["a"] * (n // 2) + ["b"] * (n - n // 2),
            "trial": list(range(n // 2)) + list(range(n - n // 2)),
            "choice": [0, 1] * (n // 2) + [0] * (n % 2),
            "reward": [1.0, 0.0] * (n // 2) + [1.0] * (n % 2),
        }
    )
    for name, values in columns.items():
        table[name] = values
    return table


@pytest.fixture(scope="module")
def bandit():
    return tasks.make("bandit")


def raises(table, task, *fragments, source="table"):
    with pytest.raises(CognaxError) as info:
        validate_table(table, task, source=source)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def test_good_table_is_normalised_and_extras_kept(bandit):
    table = bandit_table(rt=np.linspace(0.2, 0.7, 6), group=["x"] * 6)
    table["choice"] = table["choice"].astype(float)  # integral floats are fine
    table["reward"] = table["reward"].astype(int)
    table.index = range(10, 16)
    out = validate_table(table, bandit)
    assert out["choice"].dtype == np.int64 and out["reward"].dtype == np.float64
    assert out["trial"].dtype == np.int64
    assert list(out.columns) == list(table.columns)
    assert out["group"].tolist() == ["x"] * 6 and np.allclose(out["rt"], table["rt"])
    assert isinstance(out.index, pd.RangeIndex) and out.index[0] == 0
    assert table["choice"].dtype == float  # the input is not modified


def test_task_by_name(bandit):
    assert validate_table(bandit_table(), "bandit").equals(validate_table(bandit_table(), bandit))


def test_not_a_dataframe(bandit):
    raises([1, 2], bandit, "expected a pandas DataFrame", "list")


def test_empty_table(bandit):
    raises(bandit_table().iloc[:0], bandit, "table: the table is empty")


def test_missing_column_suggests_close_name(bandit):
    table = bandit_table().rename(columns={"choice": "choise"})
    raises(table, bandit, "missing required column 'choice'", "did you mean 'choise'?",
           "requires columns: subject, trial, choice, reward")


def test_missing_column_case_insensitive_suggestion(bandit):
    table = bandit_table().rename(columns={"subject": "Subject"})
    raises(table, bandit, "'subject' (did you mean 'Subject'?)")


def test_missing_columns_listed_without_suggestion(bandit):
    table = bandit_table().drop(columns=["reward", "choice"])
    message = raises(table, bandit, "missing required columns 'choice', 'reward'")
    assert "did you mean" not in message


def test_duplicate_column_names(bandit):
    table = pd.concat([bandit_table(), bandit_table()[["choice"]]], axis=1)
    raises(table, bandit, "column names must be unique", "'choice'")


def test_out_of_range_choice_names_row(bandit):
    table = bandit_table(60)
    table.loc[56, "choice"] = 3  # data row 57
    raises(table, bandit, "data.csv: column 'choice' must hold integers in [0, 2); row 57 has 3", source="data.csv")


def test_counts_other_bad_rows(bandit):
    table = bandit_table(8)
    table.loc[[2, 5, 7], "choice"] = -1
    raises(table, bandit, "row 3 has -1 (and 2 more rows)")


def test_non_integer_choice(bandit):
    table = bandit_table()
    table["choice"] = table["choice"].astype(float)
    table.loc[1, "choice"] = 1.5
    raises(table, bandit, "column 'choice' must hold integers in [0, 2); row 2 has 1.5")


def test_text_in_numeric_column(bandit):
    table = bandit_table()
    table["choice"] = table["choice"].astype(object)
    table.loc[3, "choice"] = "left"
    raises(table, bandit, "column 'choice' must hold integers in [0, 2); row 4 has 'left'")


def test_numbers_as_text_are_accepted(bandit):
    table = bandit_table()
    table["choice"] = table["choice"].astype(str)
    assert validate_table(table, bandit)["choice"].tolist() == bandit_table()["choice"].tolist()


def test_nan_in_required_column(bandit):
    table = bandit_table()
    table.loc[4, "reward"] = np.nan
    raises(table, bandit, "column 'reward' must hold numbers in [0, 1]; row 5 has a missing value")


def test_infinite_reward(bandit):
    table = bandit_table()
    table.loc[0, "reward"] = np.inf
    raises(table, bandit, "column 'reward'", "row 1 has inf")


def test_reward_out_of_range(bandit):
    table = bandit_table()
    table.loc[2, "reward"] = 2.0
    raises(table, bandit, "column 'reward' must hold numbers in [0, 1]; row 3 has 2")


def test_missing_subject_and_negative_trial(bandit):
    table = bandit_table()
    table.loc[1, "subject"] = None
    raises(table, bandit, "column 'subject' must hold any label; row 2 has a missing value")
    table = bandit_table()
    table.loc[0, "trial"] = -1
    raises(table, bandit, "column 'trial' must hold integers >= 0; row 1 has -1")


@pytest.mark.parametrize("values,expected", [
    (["true", "False", "TRUE", "0", "1", "false"], [True, False, True, False, True, False]),
    ([1, 0, 1, 1, 0, 0], [True, False, True, True, False, False]),
    ([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], [True, False, True, True, False, False]),
    ([True, False, True, True, False, False], [True, False, True, True, False, False]),
])
def test_bool_column_accepts_true_false_0_1(bandit, values, expected):
    out = validate_table(bandit_table(valid=values), bandit)
    assert out["valid"].dtype == bool and out["valid"].tolist() == expected


@pytest.mark.parametrize("bad,shown", [("maybe", "'maybe'"), (2, "2"), (None, "a missing value")])
def test_bool_column_rejects_other_values(bandit, bad, shown):
    values = [True, True, bad, True, True, True]
    raises(bandit_table(valid=values), bandit, f"column 'valid' must hold true/false (or 0/1); row 3 has {shown}")


def test_invalid_rows_are_exempt_from_choice_and_reward_checks(bandit):
    table = bandit_table(valid=[True, False, True, False, True, True])
    table["reward"] = table["reward"].astype(float)
    table.loc[1, "choice"] = -1
    table.loc[3, "reward"] = np.nan
    table.loc[3, "choice"] = np.nan
    out = validate_table(table, bandit)
    assert out["choice"].tolist()[:4] == [0, -1, 0, -1]
    assert out["reward"].iloc[3] == 0.0 and np.isfinite(out["reward"]).all()
    # ... but not from the type check, and valid rows are still checked.
    table.loc[1, "choice"] = 0.5
    raises(table, bandit, "column 'choice'", "row 2 has 0.5")
    table.loc[1, "choice"] = -1
    table.loc[0, "choice"] = -1
    raises(table, bandit, "row 1 has -1")


def test_index_columns_are_checked_on_invalid_rows(bandit):
    table = bandit_table(valid=[False] * 6)
    table.loc[2, "trial"] = np.nan
    raises(table, bandit, "column 'trial'", "row 3 has a missing value")


def test_task_specific_columns():
    two_step = tasks.make("two_step")
    table = bandit_table(state=[0, 1, 0, 1, 1, 0], choice2=[1, 0, 1, 1, 0, 2], common=[1, 0, 1, 1, 0, 1])
    raises(table, two_step, "column 'choice2' must hold integers in [0, 2); row 6 has 2")
    table = bandit_table(choice2=[0] * 6)
    raises(table, two_step, "missing required column 'state'")


def test_block_is_any_integer_at_least_zero():
    rlwm = tasks.make("rlwm")  # simulates 5 blocks, but real data have more
    n = 30
    table = pd.DataFrame({
        "subject": [1] * n, "trial": range(n), "block": np.arange(n) // 2, "choice": [0] * n,
        "reward": [1.0] * n, "stimulus": [0] * n, "set_size": [1] * n,
    })
    assert validate_table(table, rlwm)["block"].max() == 14
    table.loc[5, "block"] = -1
    raises(table, rlwm, "column 'block' must hold integers >= 0; row 6 has -1")
    raises(table.drop(columns="block"), rlwm, "missing required column 'block'")
