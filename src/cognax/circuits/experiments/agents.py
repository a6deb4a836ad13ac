"""Learning rules inside agents: the Wang et al. (2016) bandit agent trained by BPTT, by weight
perturbation and (full size only) by feedback alignment and by node perturbation, regret side by side.

A vanilla-RNN meta-RL agent (16 units; A2C; Adam 1e-2 decaying linearly to 0, which keeps
long BPTT runs from collapsing onto one arm) on 2-armed Bernoulli bandits of 100 trials
(arm probabilities redrawn every episode), trained with each learning rule from the same
start, then tested with frozen weights on new bandits. Random choice has regret
``100 x (2/3 - 1/2) = 16.7``. Feedback alignment runs through
:mod:`cognax.circuits.agent_feedback_alignment` (the agents' trainer with a vanilla RNN whose
backward pathway is random); it learns much more slowly than the other two, so the quick
(CI) version leaves it out. Node perturbation runs through
:mod:`cognax.circuits.agent_node_perturbation` (noise in every unit at every step, each synapse
updated by its unit's noise times its input, credited with the change in reward plus entropy
bonus; sigma 0.2 and 16 perturbed roll-outs per update, chosen from sigma 0.1-1 and 1 or 16 samples
at seeds 0 and 1, where it reached test regret 5.3 and 6.9). Like FA it runs at full size only:
after the quick version's 1500 episodes its regret is still near random's.
"""

from __future__ import annotations

from pathlib import Path

import jax
import matplotlib
import numpy as np
import pandas as pd

from cognax.circuits import agent_rules  # noqa: F401  (registers weight_perturbation with the agents)
from cognax.circuits.experiments._output import STYLE, new_figure, save_figure, write_csv
from cognax.reproduce.checks import Check, below

RANDOM_REGRET = 100.0 / 6.0
RULES = ("bptt", "weight_perturbation", "feedback_alignment", "node_perturbation")
NODE_PERTURBATION = {"sigma": 0.2, "n_samples": 16}


def _config():
    from cognax.agents.config import AgentConfig

    return AgentConfig(task="bandit", task_options=(("n_arms", 2), ("n_trials", 100)), architecture="rnn", hidden_size=16,
                       objective="a2c", optimizer="adam", learning_rate=1e-2, learning_rate_schedule="linear", gamma=0.9,
                       entropy_coef=0.05, value_coef=0.05, n_envs=32, rollout_length=10)


def run_agent_learning_rules(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Test regret of the bandit agent after BPTT, weight perturbation and (full size) FA and node perturbation."""
    from cognax.agents.evaluate import evaluate, regret_curve
    from cognax.agents.runs import train_agents

    from cognax.circuits import agent_feedback_alignment, agent_node_perturbation

    episodes, test_episodes = (1500, 200) if quick else (6000, 500)
    rows, curves = [], {}
    for rule in RULES[:2] if quick else RULES:
        if rule in ("feedback_alignment", "node_perturbation"):
            if rule == "feedback_alignment":
                module, config = agent_feedback_alignment, _config().with_episodes(episodes, 100)
                trainer = module.make_trainer(config)
            else:
                module, config = agent_node_perturbation, _config().with_episodes(episodes, 100)
                trainer = module.make_trainer(config, **NODE_PERTURBATION)
            state, _ = module.train(trainer, [seed])
            trainer_and_params = trainer, state.params
        else:
            config = _config().replace(learning_rule=rule).with_episodes(episodes, 100)
            run = train_agents(config, seeds=[seed])
            trainer_and_params = run.trainer, run.state.params
        result = evaluate(*trainer_and_params, [seed], jax.random.key(10_000 + seed), test_episodes)
        curves[rule] = regret_curve(result.table)[0]
        rows.append(dict(rule=rule, train_episodes=episodes, updates=config.n_updates, regret_at_end=result.metrics["regret_at_end"],
                         regret_at_end_se=result.metrics["regret_at_end_se"], reward_per_trial=result.metrics["reward_per_trial"]))
    table = pd.DataFrame(rows)
    write_csv(table, out / "agent_regret.csv")
    with matplotlib.rc_context(STYLE):
        figure, (ax,) = new_figure(1, panel=(3.2, 2.5))
        for rule, colour in zip(curves, ("black", "tab:orange", "tab:blue", "tab:green")):
            ax.plot(np.arange(1, len(curves[rule]) + 1), curves[rule], color=colour, label=rule)
        ax.plot([0, 100], [0, RANDOM_REGRET], color="grey", linestyle=":", label="random")
        ax.set(xlabel="trial", ylabel="cumulative regret", title="bandit agent: learning rules")
        ax.legend()
        save_figure(figure, out / "agent_learning_rules.png")
    checks = []
    for row in table.itertuples():
        # a learned policy: regret well under random's 16.7 (standard errors ~1 at 200 test episodes)
        margin = 2.0 if row.rule == "feedback_alignment" else 3.0
        checks.append(below(f"{row.rule}_regret_at_end", row.regret_at_end, RANDOM_REGRET - margin, f"random 16.7 minus {margin:g}"))
    return checks
