"""Reproductions of the signatures part of cognax (registered in :data:`REPRODUCTIONS`).

Each result lives in its own module under :mod:`cognax.signatures.reproductions`;
they are imported only when run.
"""

from __future__ import annotations

import importlib

from cognax.reproduce import Reproduction


def _runner(module: str):
    def run(out, *, quick: bool, seed: int):
        return importlib.import_module(f"cognax.signatures.reproductions.{module}").run(out, quick=quick, seed=seed)

    return run


REPRODUCTIONS: list = [
    Reproduction(
        "td_dopamine",
        "TD prediction errors as dopamine: cue/reward/omission responses (Schultz, Dayan & Montague 1997)",
        _runner("td_dopamine"),
    ),
    Reproduction(
        "two_step_signature",
        "model-free reward effect vs model-based reward x transition interaction in staying (Daw et al. 2011)",
        _runner("two_step_signature"),
    ),
    Reproduction(
        "distributional_td",
        "asymmetric learning rates give expectile reversal points that decode the reward distribution (Dabney et al. 2020)",
        _runner("distributional_td"),
    ),
    Reproduction(
        "successor_representation",
        "SR learned by TD: backward-skewed place fields, grid-like eigenvectors (Stachenfeld et al. 2017)",
        _runner("successor_representation"),
    ),
    Reproduction(
        "agent_rpe",
        "a meta-RL agent's units track the RPE of Q-learning fitted to its choices (Wang et al. 2018)",
        _runner("agent_rpe"),
    ),
]
