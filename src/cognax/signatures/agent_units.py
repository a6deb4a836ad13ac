"""Model latents in an artificial agent's units (Wang et al. 2018).

A meta-RL agent is studied like an animal: its test roll-outs (a trial table and the
recurrent state at every decision, :func:`cognax.agents.evaluate`) are treated as
behaviour and recordings. A cognitive model is fitted to the behaviour, its reward
prediction error is computed trial by trial, and every unit's activity after the
outcome is regressed on it (:func:`cognax.signatures.regression.encoding_regression`).
The fraction of units with a significant RPE coefficient is compared with its
distribution when the latents are shuffled across trials (the shuffled-trial null).

The activity for trial t is the hidden state at the next decision: the network sees
trial t's reward as an input at decision t + 1, so that state is the first to have
processed the outcome (the last trial of each episode has no such state and is left
out).

Reference: Wang JX, Kurth-Nelson Z, Kumaran D, Tirumala D, Soyer H, Leibo JZ, Hassabis D,
Botvinick M (2018). Prefrontal cortex as a meta-reinforcement learning system. Nat
Neurosci 21:860-868.
"""

from __future__ import annotations

from typing import Sequence

import jax
import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.signatures.regression import encoding_regression


def outcome_activity(table: pd.DataFrame, hidden: np.ndarray, seed_index: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Pair each trial (but an episode's last) with the hidden state that first saw its outcome.

    Args:
        table: the evaluation's trial table for one agent (``session`` = episode, ``trial``).
        hidden: ``[seed, episode, decision, unit]`` from the evaluation.
        seed_index: which agent of ``hidden``.

    Returns:
        ``(trials, activity [trial, unit])``, the trials without each episode's last.
    """
    hidden = np.asarray(hidden)
    if hidden.ndim != 4:
        raise CognaxError(f"hidden states must have axes (seed, episode, decision, unit); got shape {hidden.shape}")
    states = hidden[seed_index]
    n_episodes, n_decisions, _ = states.shape
    episodes, trials = table["session"].to_numpy(dtype=int), table["trial"].to_numpy(dtype=int)
    if episodes.max(initial=-1) >= n_episodes or trials.max(initial=-1) >= n_decisions:
        raise CognaxError(f"the trial table does not match hidden states of {n_episodes} episodes x {n_decisions} decisions")
    keep = trials < n_decisions - 1
    return table[keep].reset_index(drop=True), states[episodes[keep], trials[keep] + 1]


def rpe_unit_fraction(
    activity: np.ndarray,
    latents: pd.DataFrame,
    names: Sequence[str] = ("rpe", "value_chosen"),
    tested: str = "rpe",
    n_permutations: int = 199,
    n_shuffles: int = 20,
    fdr: float = 0.05,
    seed: int = 0,
) -> dict:
    """Fraction of units significantly coding ``tested``, and its shuffled-trial null.

    The null reruns the same regression with the rows of the latents shuffled across
    trials (all regressors together, so their mutual correlation is kept) ``n_shuffles``
    times.

    Returns:
        ``{"fraction", "null_fractions", "regression"}``.
    """
    result = encoding_regression(activity, latents, list(names), n_permutations=n_permutations, seed=seed, fdr=fdr)
    fraction = float(result.loc[result["regressor"] == tested, "significant"].mean())
    key = jax.random.key(seed)
    null = []
    for index in range(n_shuffles):
        order = np.asarray(jax.random.permutation(jax.random.fold_in(key, index + 1), len(latents)))
        shuffled = latents.iloc[order].reset_index(drop=True)
        null_result = encoding_regression(
            activity, shuffled, list(names), n_permutations=n_permutations, seed=seed + index + 1, fdr=fdr
        )
        null.append(float(null_result.loc[null_result["regressor"] == tested, "significant"].mean()))
    return {"fraction": fraction, "null_fractions": np.asarray(null), "regression": result}


__all__ = ["outcome_activity", "rpe_unit_fraction"]
