"""Learning curves, RLWM accuracy and go/no-go accuracy recover planted accuracies."""

import numpy as np
import pandas as pd
import pytest

from cognax.analysis import go_nogo_accuracy, learning_curve, rlwm_accuracy, summarise
from cognax.errors import CognaxError


def planted_curve(trial):
    return 0.5 + 0.4 * (1 - np.exp(-trial / 5))


def bandit_table(seed=0, n_subjects=300, n_trials=20) -> pd.DataFrame:
    """Each subject's better arm is random; P(choose it) on trial t is planted_curve(t)."""
    rng = np.random.default_rng(seed)
    subject = np.repeat(np.arange(n_subjects), n_trials)
    trial = np.tile(np.arange(n_trials), n_subjects)
    better = rng.integers(2, size=n_subjects)[subject]
    correct = rng.random(len(trial)) < planted_curve(trial)
    choice = np.where(correct, better, 1 - better)
    return pd.DataFrame({"subject": subject, "trial": trial, "choice": choice, "reward": 0.0,
                         "p_0": np.where(better == 0, 0.8, 0.2), "p_1": np.where(better == 1, 0.8, 0.2)})


def test_curve_from_arm_probabilities_matches_the_planted_one():
    table = bandit_table()
    curve = learning_curve(table)
    assert list(curve.columns) == ["subject", "trial", "p_correct", "n_trials"]
    mean = summarise(curve, "p_correct", "trial")
    # 300 subjects: SE <= 0.029 per trial; 4 SE.
    np.testing.assert_allclose(mean["mean"], planted_curve(mean["trial"]), atol=0.115)
    assert mean["mean"].iloc[-5:].mean() > mean["mean"].iloc[:2].mean() + 0.2


def test_correct_action_column_flags_and_bins_agree():
    table = bandit_table(n_subjects=20)
    table["correct_action"] = np.argmax(table[["p_0", "p_1"]].to_numpy(), axis=1)
    by_probability = learning_curve(table.drop(columns="correct_action"))
    by_action = learning_curve(table)
    pd.testing.assert_frame_equal(by_probability, by_action)
    flags = table.drop(columns=["p_0", "p_1"]).assign(
        hit=table["choice"] == table["correct_action"], correct_action=0)
    pd.testing.assert_frame_equal(learning_curve(flags, correct="hit"), by_action)
    binned = learning_curve(table, bin_size=10)
    assert sorted(binned["trial"].unique()) == [0, 10] and (binned["n_trials"] == 10).all()


def test_ties_and_invalid_trials_are_left_out():
    table = bandit_table(n_subjects=2, n_trials=6)
    table.loc[0, ["p_0", "p_1"]] = 0.5
    table["valid"] = True
    table.loc[1, "valid"] = False
    table.loc[1, "choice"] = -1
    curve = learning_curve(table)
    assert curve["n_trials"].sum() == 12 - 2
    assert 0 not in set(curve.loc[curve["subject"] == 0, "trial"])


def test_trials_count_from_each_block():
    table = bandit_table(n_subjects=2, n_trials=10)
    table["block"] = table["trial"] // 5
    assert sorted(learning_curve(table)["trial"].unique()) == [0, 1, 2, 3, 4]


def test_rlwm_accuracy_by_set_size_and_iteration():
    rng = np.random.default_rng(1)
    rows = []
    for subject in range(30):
        for set_size in (2, 6):
            for iteration in range(1, 6):
                p = 1 - 0.6 * np.exp(-iteration / set_size)
                hit = rng.random(set_size * 5) < p
                rows.append(pd.DataFrame({"subject": subject, "set_size": set_size, "iteration": iteration,
                                          "correct_action": 1, "choice": np.where(hit, 1, 2), "reward": hit * 1.0}))
    table = pd.concat(rows, ignore_index=True)
    table["trial"] = table.groupby("subject").cumcount()
    accuracy = rlwm_accuracy(table)
    assert list(accuracy.columns) == ["subject", "set_size", "iteration", "p_correct", "n_trials"]
    mean = summarise(accuracy, "p_correct", ["set_size", "iteration"])
    planted = 1 - 0.6 * np.exp(-mean["iteration"] / mean["set_size"])
    np.testing.assert_allclose(mean["mean"], planted, atol=0.08)
    pd.testing.assert_frame_equal(learning_curve(table, by="iteration"), accuracy)
    with pytest.raises(CognaxError, match="'set_size'"):
        rlwm_accuracy(table.drop(columns="set_size"))


def test_go_nogo_accuracy_and_p_go():
    cues = np.tile(np.arange(4), 10)
    choice = np.where(cues == 3, 1, cues < 2).astype(int)  # always go except to cue 2
    table = pd.DataFrame({"subject": np.repeat([0, 1], 20), "trial": np.tile(np.arange(20), 2), "cue": cues,
                          "choice": choice, "reward": 0.0, "correct_action": (cues < 2).astype(int)})
    result = go_nogo_accuracy(table)
    assert list(result.columns) == ["subject", "cue", "p_go", "accuracy", "n_trials"]
    np.testing.assert_array_equal(result["p_go"], [1, 1, 0, 1] * 2)
    np.testing.assert_array_equal(result["accuracy"], [1, 1, 1, 0] * 2)
    without = go_nogo_accuracy(table.drop(columns="correct_action"))
    assert list(without.columns) == ["subject", "cue", "p_go", "n_trials"]
    with pytest.raises(CognaxError, match="'cue'"):
        go_nogo_accuracy(table.drop(columns="cue"))


def test_bad_input_raises():
    table = bandit_table(n_subjects=2, n_trials=4)
    with pytest.raises(CognaxError, match="correct_action"):
        learning_curve(table.drop(columns=["p_0", "p_1"]))
    with pytest.raises(CognaxError, match="'iteration'"):
        learning_curve(table, by="iteration")
    with pytest.raises(CognaxError, match="by must be"):
        learning_curve(table, by="block")
    with pytest.raises(CognaxError, match="'better'"):
        learning_curve(table, correct="better")
    with pytest.raises(CognaxError, match="bin_size"):
        learning_curve(table, bin_size=0)
