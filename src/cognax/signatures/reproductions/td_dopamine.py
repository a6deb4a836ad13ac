"""``td_dopamine``: temporal-difference errors as dopamine responses (Schultz, Dayan & Montague 1997).

A naive animal is conditioned on the ``pavlovian`` task (40 steps, cue at step 9,
reward 10 at 10 steps after the cue) while a TD(0) learner with a tapped-delay-line
state learns values (gamma = 0.98, learning rate 0.1). The classic dopamine findings
follow from the prediction error: on the first trial it fires at the reward and not at
the cue; after learning it fires at the cue (gamma^D R = 8.171) and not at the reward,
and it dips to -R when an expected reward is omitted; with partial reinforcement
(reward probability p, Fiorillo et al. 2003) the cue response scales as p gamma^D R.

Files: ``td_dopamine.png`` (heat map of the prediction error by step over training and
the three classic traces), ``traces.csv`` (``trial``, ``time_step``, ``rpe``,
``condition``: the first and last training trials and an omission probe after
learning) and ``cue_response.csv`` (cue response by reward probability).
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax import tasks
from cognax.reproduce.checks import Check, close_to
from cognax.signatures.reproductions._common import new_figure, save_figure, write_csv
from cognax.signatures.td import (
    complete_serial_compound,
    pavlovian_rewards,
    steady_state_cue_response,
    td_learning,
    td_probe,
)
from cognax.tasks.pavlovian import PavlovianParams

DISCOUNT = 0.98
LEARNING_RATE = 0.1
#: smaller steps for partial reinforcement, where each trial's outcome is noise around p R.
PARTIAL_LEARNING_RATE = 0.05
PROBABILITIES = (0.25, 0.5, 0.75)
#: deterministic checks: the learner is exact arithmetic on deterministic rewards, so
#: only convergence (geometric in the trial count, < 1e-6 after 300 trials at rate 0.1)
#: and float64 rounding separate the result from the closed form.
EXACT_TOLERANCE = 1e-3
#: partial reinforcement: the cue response averaged over the last half of training
#: and over animals; its SD across single animals is about 0.18 (measured over 20
#: seeds with 1000 trials at rate 0.05), so with 8 animals its SD is about 0.065 and
#: 0.3 is over 4 SDs.
PARTIAL_TOLERANCE = 0.3


def run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    with jax.enable_x64(True):
        return _run(Path(out), quick=quick, seed=seed)


def _run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    n_trials = 300 if quick else 1000
    task = tasks.make("pavlovian", n_trials=n_trials)
    reward, delay = task.reward_size, task.reward_delay
    features = complete_serial_compound(task.n_steps, task.cue_step)
    key = jax.random.key(seed)
    rewards = pavlovian_rewards(task, key)
    result = td_learning(features, rewards, DISCOUNT, LEARNING_RATE)
    rpe = np.asarray(result.rpe)
    omission = np.asarray(td_probe(features, jnp.zeros(task.n_steps), result.weights[-1], DISCOUNT))
    cue, reward_step = task.cue_step, task.reward_step
    expected_cue = steady_state_cue_response(reward, delay, DISCOUNT)

    checks = [
        close_to("first_trial_rpe_at_reward", rpe[0, reward_step], reward, EXACT_TOLERANCE),
        close_to("first_trial_rpe_at_cue", rpe[0, cue], 0.0, EXACT_TOLERANCE),
        close_to("learned_rpe_at_cue (gamma^D R)", rpe[-1, cue], expected_cue, EXACT_TOLERANCE),
        close_to("learned_rpe_at_reward", rpe[-1, reward_step], 0.0, EXACT_TOLERANCE),
        close_to("omitted_reward_rpe_at_reward_time (-R)", omission[reward_step], -reward, EXACT_TOLERANCE),
    ]

    partial = _partial_reinforcement(features, key, quick=quick)
    for probability, response in partial.itertuples(index=False):
        checks.append(close_to(
            f"cue_response_p={probability:g} (p gamma^D R)", response,
            steady_state_cue_response(reward, delay, DISCOUNT, probability), PARTIAL_TOLERANCE,
        ))
    slope = np.polyfit(partial["reward_probability"], partial["cue_response"], 1)[0]
    checks.append(close_to("cue_response_slope_in_p (gamma^D R)", slope, expected_cue, 2 * PARTIAL_TOLERANCE))

    traces = pd.concat([
        _trace(0, rpe[0], "rewarded"),
        _trace(n_trials - 1, rpe[-1], "rewarded"),
        _trace(n_trials, omission, "omitted"),
    ], ignore_index=True)
    write_csv(traces, out / "traces.csv")
    write_csv(partial, out / "cue_response.csv")
    save_figure(lambda: _figure(rpe, omission, partial, task, expected_cue), out / "td_dopamine.png")
    return checks


def _partial_reinforcement(features, key, *, quick: bool) -> pd.DataFrame:
    n_trials, n_animals = (1000, 8) if quick else (2000, 16)
    task = tasks.make("pavlovian", n_trials=n_trials)
    responses = []
    for index, probability in enumerate(PROBABILITIES):
        animal_keys = jax.random.split(jax.random.fold_in(key, index + 1), n_animals)
        per_animal = []
        for animal_key in animal_keys:
            rewards = pavlovian_rewards(task, animal_key, PavlovianParams(reward_probability=probability))
            result = td_learning(features, rewards, DISCOUNT, PARTIAL_LEARNING_RATE)
            per_animal.append(float(result.rpe[n_trials // 2:, task.cue_step].mean()))
        responses.append(float(np.mean(per_animal)))
    return pd.DataFrame({"reward_probability": PROBABILITIES, "cue_response": responses})


def _trace(trial: int, rpe: np.ndarray, condition: str) -> pd.DataFrame:
    return pd.DataFrame({
        "trial": np.full(rpe.shape[0], trial, dtype=np.int64),
        "time_step": np.arange(rpe.shape[0], dtype=np.int64),
        "rpe": rpe.astype(float),
        "condition": condition,
    })


def _figure(rpe, omission, partial, task, expected_cue):
    figure, (heat, early, late, probe, scaling) = new_figure(5, panel=(2.6, 2.2), max_columns=5)
    shown = rpe[: min(rpe.shape[0], 300)]
    limit = float(np.abs(rpe).max())
    image = heat.imshow(shown, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    heat.set(xlabel="time step", ylabel="trial", title="prediction error over training")
    figure.colorbar(image, ax=heat, shrink=0.8)
    steps = np.arange(task.n_steps)
    for ax, trace, title in ((early, rpe[0], "first trial"), (late, rpe[-1], "after learning"),
                             (probe, omission, "reward omitted")):
        ax.plot(steps, trace, color="black")
        ax.axvline(task.cue_step, color="tab:blue", lw=0.8, ls="--", label="cue")
        ax.axvline(task.reward_step, color="tab:orange", lw=0.8, ls="--", label="reward time")
        ax.set(xlabel="time step", ylabel="prediction error", title=title, ylim=(-11, 11))
    early.legend(loc="lower left")
    scaling.plot(partial["reward_probability"], partial["cue_response"], "o", color="black", label="TD")
    p = np.linspace(0, 1, 11)
    scaling.plot(p, p * expected_cue, color="tab:orange", label=r"$p\gamma^D R$")
    scaling.set(xlabel="reward probability", ylabel="cue response", title="partial reinforcement")
    scaling.legend()
    return figure
