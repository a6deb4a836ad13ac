"""Lau & Glimcher lagged regression recovers weights planted in synthetic choices."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from cognax.analysis import lagged_regression
from cognax.errors import CognaxError

REWARD_WEIGHTS = np.array([1.5, 0.8, 0.4, 0.2, 0.0])
CHOICE_WEIGHTS = np.array([0.6, -0.3, 0.0, 0.0, 0.0])
BIAS = 0.2


def history_table(seed: int = 0, n_subjects: int = 4, n_trials: int = 1500) -> pd.DataFrame:
    """Choices drawn from the Lau & Glimcher model itself; rewards at random (p = 0.5)."""
    rng = np.random.default_rng(seed)
    frames = []
    for subject in range(n_subjects):
        signed, rewarded = np.zeros(n_trials), np.zeros(n_trials)
        choice = np.zeros(n_trials, dtype=int)
        for t in range(n_trials):
            past = slice(max(t - 5, 0), t)
            lags = t - np.arange(max(t - 5, 0), t)  # lag of each past trial
            eta = BIAS + REWARD_WEIGHTS[lags - 1] @ (signed[past] * rewarded[past])
            eta += CHOICE_WEIGHTS[lags - 1] @ signed[past]
            choice[t] = rng.random() < expit(eta)
            signed[t], rewarded[t] = 2 * choice[t] - 1, rng.random() < 0.5
        frames.append(pd.DataFrame({"subject": subject, "trial": np.arange(n_trials), "choice": choice,
                                    "reward": rewarded, "group": "ab"[subject % 2]}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def table():
    return history_table()


def test_pooled_fit_recovers_planted_weights(table):
    result = lagged_regression(table, n_lags=5, pooled=True)
    assert list(result.columns) == ["regressor", "lag", "coefficient", "se", "z", "p_value", "n_trials",
                                    "n_subjects", "converged"]
    assert result["converged"].all() and (result["n_trials"] == 4 * 1495).all()
    truth = np.concatenate([REWARD_WEIGHTS, CHOICE_WEIGHTS])
    assert list(result["regressor"]) == ["reward"] * 5 + ["choice"] * 5
    assert list(result["lag"]) == [1, 2, 3, 4, 5] * 2
    assert np.all(np.abs(result["coefficient"].to_numpy() - truth) < 3 * result["se"].to_numpy())
    assert result["coefficient"].iloc[0] > result["coefficient"].iloc[1] > result["coefficient"].iloc[2]


def test_per_subject_fit_is_tidy(table):
    result = lagged_regression(table, n_lags=3, group_column="group")
    assert list(result.columns[:4]) == ["subject", "group", "regressor", "lag"]
    assert len(result) == 4 * (1 + 2 * 3) and result["converged"].all()
    intercepts = result[result["regressor"] == "intercept"]
    assert (intercepts["lag"] == 0).all()
    assert np.all(np.abs(intercepts["coefficient"] - BIAS) < 3 * intercepts["se"])
    first = result[(result["regressor"] == "reward") & (result["lag"] == 1)]
    assert np.all(np.abs(first["coefficient"] - REWARD_WEIGHTS[0]) < 3 * first["se"])


def test_invalid_trials_carry_no_history_and_are_not_predicted(table):
    one = table[table["subject"] == 0].head(50).copy()
    one["valid"] = True
    one.loc[one.index[20], ["valid", "choice"]] = [False, -1]
    result = lagged_regression(one, n_lags=2, penalty=0.5)
    assert result["n_trials"].iloc[0] == 50 - 2 - 1


@pytest.mark.parametrize("missing", ["choice", "reward", "subject"])
def test_missing_column_is_named(table, missing):
    with pytest.raises(CognaxError, match=f"'{missing}'"):
        lagged_regression(table.drop(columns=missing))


def test_bad_input_raises(table):
    with pytest.raises(CognaxError, match="'choice'.*\\[0, 2\\)"):
        lagged_regression(table.assign(choice=table["choice"] * 2))
    with pytest.raises(CognaxError, match="n_lags"):
        lagged_regression(table, n_lags=0)
