"""Reproductions of the agents part of cognax (registered in :data:`REPRODUCTIONS`).

Each trains LSTM agents with A2C on a task, tests them with frozen weights and checks a
published result (see :mod:`cognax.agents.repro_bandits` and :mod:`cognax.agents.repro_tasks`).
"""

from __future__ import annotations

from cognax.reproduce import Reproduction


def _wang2016_bandit(out, *, quick, seed):
    from cognax.agents.repro_bandits import run_wang2016_bandit

    return run_wang2016_bandit(out, quick=quick, seed=seed)


def _wang2016_dependent(out, *, quick, seed):
    from cognax.agents.repro_bandits import run_wang2016_dependent

    return run_wang2016_dependent(out, quick=quick, seed=seed)


def _volatility(out, *, quick, seed):
    from cognax.agents.repro_bandits import run_volatility

    return run_volatility(out, quick=quick, seed=seed)


def _wang2018_two_step(out, *, quick, seed):
    from cognax.agents.repro_tasks import run_wang2018_two_step

    return run_wang2018_two_step(out, quick=quick, seed=seed)


def _harlow(out, *, quick, seed):
    from cognax.agents.repro_tasks import run_harlow

    return run_harlow(out, quick=quick, seed=seed)


REPRODUCTIONS: list = [
    Reproduction("wang2016_bandit", "meta-RL LSTM on independent 2-armed bandits: regret between Bayes-optimal "
                 "and Thompson/UCB1; at chance without reward input (Wang et al. 2016)", _wang2016_bandit),
    Reproduction("wang2016_dependent", "meta-RL on dependent bandits: train x test regret matrix, "
                 "easy < medium < hard (Wang et al. 2016)", _wang2016_dependent),
    Reproduction("wang2018_two_step", "meta-RL agent on the two-step task shows the model-based reward x "
                 "transition interaction (Wang et al. 2018)", _wang2018_two_step),
    Reproduction("volatility", "meta-RL agent's fitted learning rate is higher in volatile episodes "
                 "(Wang et al. 2016 exp. 4; Behrens et al. 2007)", _volatility),
    Reproduction("harlow", "meta-RL agent learns Harlow's task in one shot: >= 90% correct from trial 2 "
                 "(Wang et al. 2018)", _harlow),
]
