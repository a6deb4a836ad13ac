"""Meta-RL reproductions beyond bandits: the two-step task and Harlow's task (Wang et al. 2018).

Reference: Wang JX, Kurth-Nelson Z, Kumaran D, et al. (2018). Prefrontal cortex as a
meta-reinforcement learning system. Nat Neurosci 21:860-868.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np

from cognax.agents.config import AgentConfig
from cognax.agents.evaluate import evaluate
from cognax.agents.plots import plot_accuracy_by_trial, plot_stay_probabilities
from cognax.agents.runs import train_agents
from cognax.data.io import write_table
from cognax.reproduce.checks import Check, above

#: Two-step task of Wang et al. (2018): common 0.8, rewards 0.9/0.1 swapping with
#: probability 0.025 per trial, LSTM 48, discount 0.9.
TWO_STEP_CONFIG = AgentConfig(
    task="two_step_wang2018",
    task_options=(("n_trials", 100),),
    architecture="lstm",
    hidden_size=48,
    objective="a2c",
    optimizer="rmsprop",
    learning_rate=3e-3,
    gamma=0.9,
    entropy_coef=0.05,
    value_coef=0.05,
    n_envs=32,
    rollout_length=20,
)

#: Harlow's task, abstract form: 6 trials per episode, two new stimuli each episode.
HARLOW_CONFIG = AgentConfig(
    task="harlow",
    task_options=(("n_trials", 6),),
    architecture="lstm",
    hidden_size=48,
    objective="a2c",
    optimizer="adam",
    learning_rate=1e-3,
    gamma=0.9,
    entropy_coef=0.01,
    value_coef=0.5,
    n_envs=64,
)


def run_wang2018_two_step(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """The trained agent's stays show the model-based reward x transition interaction."""
    from cognax.analysis import stay_probabilities, stay_regression

    # With these settings learning starts only after about 15,000 episodes (200 decisions
    # each), so the full run trains for 60,000.
    episodes = 3_000 if quick else 60_000
    config = TWO_STEP_CONFIG.with_episodes(episodes, 200)
    run = train_agents(config, seeds=[seed])
    result = evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(40_000 + seed), 300 if quick else 500)
    table = result.table
    write_table(table, out / "trials.csv")
    write_table(run.learning_curve(), out / "learning_curve.csv")
    # Each test episode is one "subject" of the regression (its own intercept), as for people.
    episodes_as_subjects = table.assign(subject=table["subject"] * 100_000 + table["session"]).drop(columns="session")
    stay = stay_probabilities(episodes_as_subjects)
    regression = stay_regression(episodes_as_subjects, pooled=True)
    write_table(stay, out / "stay_probabilities.csv")
    write_table(regression, out / "stay_regression.csv")
    plot_stay_probabilities(stay, out / "stay_probabilities.png", "agent, two-step (Wang et al. 2018)")
    row = regression.set_index("term").loc["reward:transition"]
    return [
        above("reward_x_transition_coefficient", row["coefficient"], 0.0, "model-based interaction"),
        Check("reward_x_transition_p_value", "< 0.05", float(row["p_value"]), None,
              bool(np.isfinite(row["p_value"]) and row["p_value"] < 0.05)),
    ]


def run_harlow(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """One-shot learning to learn: accuracy from trial 2 on >= 90% after training."""
    from cognax.analysis import learning_curve

    episodes = 20_000 if quick else 100_000
    config = HARLOW_CONFIG.with_episodes(episodes, 6)
    run = train_agents(config, seeds=[seed])
    result = evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(50_000 + seed), 500)
    table = result.table
    write_table(table, out / "trials.csv")
    write_table(run.learning_curve(), out / "learning_curve.csv")
    curve = learning_curve(table)
    write_table(curve, out / "accuracy_by_trial.csv")
    plot_accuracy_by_trial(curve, out / "accuracy_by_trial.png", "agent, Harlow task")
    later = table[table["trial"] >= 1]
    first = table[table["trial"] == 0]
    accuracy_later = float((later["choice"] == later["correct_action"]).mean())
    accuracy_first = float((first["choice"] == first["correct_action"]).mean())
    # Trial 1 is a guess: chance within 4 binomial standard errors of 0.5.
    se_first = 0.5 / np.sqrt(len(first))
    return [
        Check("accuracy_trials_2_to_6", ">= 0.9", accuracy_later, None, bool(accuracy_later >= 0.9)),
        Check("accuracy_trial_1_at_chance", 0.5, accuracy_first, 4 * se_first,
              bool(abs(accuracy_first - 0.5) <= 4 * se_first)),
    ]


__all__ = ["TWO_STEP_CONFIG", "HARLOW_CONFIG", "run_wang2018_two_step", "run_harlow"]
