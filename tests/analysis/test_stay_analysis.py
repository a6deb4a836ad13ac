"""Stay probabilities and stay regression on two-step tables with a planted stay rule."""

import numpy as np
import pandas as pd
import pytest

from cognax.analysis import stay_probabilities, stay_regression
from cognax.errors import CognaxError

FOLLOW = 0.8  # the stay rule is followed on 80% of trials
LOGIT = np.log(FOLLOW / (1 - FOLLOW))


def two_step_table(rule: str, seed: int = 0, n_subjects: int = 6, n_trials: int = 400) -> pd.DataFrame:
    """Random rewards and transitions; whether the next first-stage choice repeats follows ``rule``.

    ``"model_free"``: stay iff rewarded. ``"model_based"``: stay iff (rewarded and common)
    or (unrewarded and rare). Either is followed with probability ``FOLLOW``.
    """
    rng = np.random.default_rng(seed)
    frames = []
    for subject in range(n_subjects):
        common = rng.random(n_trials) < 0.7
        reward = (rng.random(n_trials) < 0.5).astype(float)
        stay = reward > 0 if rule == "model_free" else (reward > 0) == common
        stay = np.where(rng.random(n_trials) < FOLLOW, stay, ~stay)
        switches = np.concatenate([[rng.integers(2)], ~stay[:-1]]).astype(int)
        choice = np.cumsum(switches) % 2
        frames.append(pd.DataFrame({
            "subject": f"s{subject}", "trial": np.arange(n_trials), "choice": choice, "reward": reward,
            "common": common, "state": np.where(common, choice, 1 - choice), "choice2": 0,
            "group": "patients" if subject % 2 else "controls",
        }))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("rule, truth", [("model_free", (LOGIT, 0, 0)), ("model_based", (0, 0, LOGIT))])
def test_pooled_regression_recovers_the_planted_rule(rule, truth):
    result = stay_regression(two_step_table(rule)).set_index("term")
    assert list(result.index) == ["reward", "transition", "reward:transition"]
    assert result["converged"].all() and (result["n_subjects"] == 6).all()
    assert np.all(np.abs(result["coefficient"].to_numpy() - np.array(truth)) < 3 * result["se"].to_numpy())
    big, small = ("reward", "reward:transition") if rule == "model_free" else ("reward:transition", "reward")
    assert result.loc[big, "z"] > 10
    assert abs(result.loc[small, "z"]) < 3 and abs(result.loc["transition", "z"]) < 3


def test_stay_probabilities_show_the_daw_signatures():
    free = stay_probabilities(two_step_table("model_free"))
    based = stay_probabilities(two_step_table("model_based"))
    assert list(free.columns) == ["subject", "previous_reward", "previous_transition", "stay_probability", "n_trials"]
    assert len(free) == 6 * 4 and (free["n_trials"] > 0).all()
    mean = lambda f: f.groupby(["previous_reward", "previous_transition"])["stay_probability"].mean()
    np.testing.assert_allclose(mean(free).to_numpy(), [0.8, 0.8, 0.2, 0.2], atol=0.05)  # common, rare x rewarded..
    np.testing.assert_allclose(mean(based).to_numpy(), [0.8, 0.2, 0.2, 0.8], atol=0.05)
    # Pairs: every trial but the first of each subject.
    assert free.groupby("subject")["n_trials"].sum().eq(399).all()


def test_per_subject_regression_and_groups():
    table = two_step_table("model_free", n_subjects=4)
    result = stay_regression(table, pooled=False, group_column="group")
    assert list(result.columns[:3]) == ["subject", "group", "term"]
    assert len(result) == 4 * 4 and result["converged"].all()
    assert set(result["term"]) == {"intercept", "reward", "transition", "reward:transition"}
    assert (result.loc[result["term"] == "reward", "z"] > 4).all()
    by_group = stay_regression(table, group_column="group")
    assert sorted(by_group["group"].unique()) == ["controls", "patients"]
    assert (by_group["n_subjects"] == 2).all()
    stay = stay_probabilities(table, group_column="group")
    assert (stay.groupby("subject")["group"].nunique() == 1).all()


def test_invalid_trials_and_sessions_break_the_pairs():
    table = two_step_table("model_based", n_subjects=1, n_trials=10)
    table["session"] = np.repeat([0, 1], 5)
    table["valid"] = True
    table["common"] = table["common"].astype(object)
    table.loc[2, "valid"] = False
    table.loc[2, ["choice", "common"]] = [-1, None]
    # Pairs (t-1, t) inside a session with both valid: session 0 -> (0,1), (3,4); session 1 -> 4 pairs.
    assert stay_probabilities(table)["n_trials"].sum() == 6
    assert stay_regression(table.sample(frac=1, random_state=0), pooled=False, penalty=1.0)["n_trials"].iloc[0] == 6


def test_a_subject_who_always_stays_is_left_out_or_flagged():
    table = two_step_table("model_free", n_subjects=3)
    table.loc[table["subject"] == "s0", "choice"] = 1
    pooled = stay_regression(table)
    assert (pooled["n_subjects"] == 2).all() and pooled["converged"].all()
    alone = stay_regression(table, pooled=False)
    assert not alone.loc[alone["subject"] == "s0", "converged"].any()
    assert alone.loc[alone["subject"] == "s0", "coefficient"].isna().all()


@pytest.mark.parametrize("missing", ["common", "reward", "choice", "subject"])
def test_missing_column_is_named(missing):
    table = two_step_table("model_free", n_subjects=1, n_trials=5).drop(columns=missing)
    with pytest.raises(CognaxError, match=f"'{missing}'"):
        stay_probabilities(table)
    with pytest.raises(CognaxError, match=f"'{missing}'"):
        stay_regression(table)


def test_bad_values_raise():
    table = two_step_table("model_free", n_subjects=1, n_trials=5)
    with pytest.raises(CognaxError, match="'common'"):
        stay_probabilities(table.assign(common="sometimes"))
    with pytest.raises(CognaxError, match="penalty"):
        stay_regression(table, penalty=-1)
    with pytest.raises(CognaxError, match="'group'"):
        stay_probabilities(table.assign(group=["a", "b"] * 2 + ["a"]), group_column="group")
