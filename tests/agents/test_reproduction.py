"""Meta-RL reproductions, CI-sized: reproduction 1 (Wang et al. 2016, independent bandits: the
agent chosen by validation regret vs random and control), 3 (Wang et al. 2018, two-step task) and 5 (Harlow's task)."""

import json

import pandas as pd

from cognax import reproduce
from cognax.agents.evaluate import regret_from_table


def test_wang2016_bandit_quick(tmp_path):
    """6,000 training episodes, best of the quick candidates by validation regret; bounds: regret
    at trial 100 < 12.5 (3/4 of random's 16.67) and 4 combined SE below the no-reward-input
    control, whose regret is 16.67 within 4 SE."""
    from cognax.agents import repro_bandits

    checks = reproduce.run("wang2016_bandit", tmp_path, quick=True, seed=0)
    document = json.loads((tmp_path / "checks.json").read_text())
    assert document["passed"], document
    assert [c["name"] for c in document["checks"]] == [c.name for c in checks]
    # The selection is recorded: every candidate, its validation regret, the one chosen (the lowest).
    selection = pd.read_csv(tmp_path / "selection.csv")
    assert list(selection.columns) == ["training_seed", "validation_regret_at_100", "validation_se", "chosen"]
    assert selection["training_seed"].tolist() == repro_bandits.candidate_seeds(0, repro_bandits.QUICK_CANDIDATES)
    assert selection["chosen"].sum() == 1
    chosen = selection.loc[selection["chosen"], "training_seed"].item()
    assert chosen == selection.loc[selection["validation_regret_at_100"].idxmin(), "training_seed"]
    curve = pd.read_csv(tmp_path / "learning_curve.csv")
    assert sorted(curve["seed"].unique()) == selection["training_seed"].tolist()
    # Only the chosen agent is tested.
    table = pd.read_csv(tmp_path / "trials.csv")
    assert {"subject", "session", "trial", "choice", "reward", "p_0", "p_1"} <= set(table.columns)
    assert table["subject"].unique().tolist() == [chosen]
    assert table.groupby("session").size().eq(100).all() and table["session"].nunique() == 300
    # The check's number can be recomputed from the table alone.
    regret = regret_from_table(table).groupby("session")["cumulative_regret"].last().mean()
    assert regret == next(c.obtained for c in checks if c.name == "regret_at_100_vs_random")
    assert (tmp_path / "regret.png").is_file()


def test_wang2016_bandit_config_keeps_the_paper_setup():
    """Only the optimisation was tuned: 2 arms, 100 trials, LSTM 48, 20,000 training episodes,
    300+ test episodes; reproduction 2 uses the same settings, reproduction 4 keeps the ones it was
    checked with."""
    from cognax.agents import repro_bandits

    config = repro_bandits.BANDIT_CONFIG
    assert dict(config.task_options) == {"n_arms": 2, "n_trials": 100}
    assert (config.architecture, config.hidden_size, config.objective) == ("lstm", 48, "a2c")
    assert repro_bandits.TRAIN_EPISODES == 20_000 and repro_bandits.TEST_EPISODES >= 300
    # Model selection on held-out episodes: several candidates, validation and test keys distinct.
    assert repro_bandits.CANDIDATES >= 2 and repro_bandits.VALIDATION_EPISODES >= 300
    assert repro_bandits.VALIDATION_KEY != repro_bandits.TEST_KEY
    seeds = [repro_bandits.candidate_seeds(seed, repro_bandits.CANDIDATES) for seed in range(5)]
    assert len({s for group in seeds for s in group}) == 5 * repro_bandits.CANDIDATES
    assert repro_bandits._condition_config("hard").replace(task="bandit", task_options=config.task_options) == config
    earlier = repro_bandits.VOLATILITY_CONFIG
    assert (earlier.learning_rate, earlier.learning_rate_schedule, earlier.value_coef) == (3e-3, "constant", 0.05)


def test_wang2018_two_step_quick(tmp_path):
    """10,000 training episodes (half the full run) already give the model-based pattern: in the
    stay regression the reward x transition interaction is positive and significant."""
    checks = reproduce.run("wang2018_two_step", tmp_path, quick=True, seed=0)
    document = json.loads((tmp_path / "checks.json").read_text())
    assert document["passed"], document
    regression = pd.read_csv(tmp_path / "stay_regression.csv").set_index("term")
    assert regression.loc["reward:transition", "coefficient"] == checks[0].obtained > 0
    stay = pd.read_csv(tmp_path / "stay_probabilities.csv")
    means = stay.groupby(["previous_reward", "previous_transition"])["stay_probability"].mean()
    # Model-based: stay after a rewarded common or an unrewarded rare transition.
    assert means["rewarded", "common"] > means["rewarded", "rare"]
    assert means["unrewarded", "rare"] > means["unrewarded", "common"]
    assert (tmp_path / "stay_probabilities.png").is_file()


def test_harlow_quick(tmp_path):
    """2,000,000 training episodes (half the full run): at chance on trial 1, >= 90% correct from
    trial 2 on (one-shot learning to learn)."""
    checks = reproduce.run("harlow", tmp_path, quick=True, seed=0)
    document = json.loads((tmp_path / "checks.json").read_text())
    assert document["passed"], document
    table = pd.read_csv(tmp_path / "trials.csv")
    later = table[table["trial"] >= 1]
    assert (later["choice"] == later["correct_action"]).mean() == checks[0].obtained
    assert (tmp_path / "accuracy_by_trial.png").is_file()


def test_meta_rl_configs_share_the_paper_architecture():
    """Two-step and Harlow agents are LSTM 48 A2C agents; two-step keeps the paper's discount 0.9."""
    from cognax.agents import repro_tasks

    for config in (repro_tasks.TWO_STEP_CONFIG, repro_tasks.HARLOW_CONFIG):
        assert (config.architecture, config.hidden_size, config.objective) == ("lstm", 48, "a2c")
    assert repro_tasks.TWO_STEP_CONFIG.task == "two_step_wang2018" and repro_tasks.TWO_STEP_CONFIG.gamma == 0.9
    assert dict(repro_tasks.HARLOW_CONFIG.task_options) == {"n_trials": 6}
