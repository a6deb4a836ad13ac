"""``two_step_signature``: the model-based / model-free stay signature (Daw et al. 2011).

Simulated subjects play the two-step task (201 trials, drifting reward probabilities):
pure model-free (``model_free``, SARSA(lambda) with lambda = 1), pure model-based
(``model_based``) and hybrid (``daw_hybrid``, w = 0.5), with learning rates 0.5, inverse
temperatures 5 and no perseveration. A pooled logistic regression of staying with the
first-stage choice on the previous trial's reward (+/-1), transition (+/-1) and their
product (:func:`cognax.analysis.stay_regression`) gives the signature:

* model-free: a main effect of reward and no reward x transition interaction;
* model-based: an interaction and no main effect of reward;
* hybrid: both.

"Present" means z > 3. "Absent" is judged as an effect size, since a pure learner's
null term is only approximately zero (a model-free learner's first-stage error sees
the second-stage value it landed on, a small transition-dependent term): the absent
coefficient must be under a quarter of the present one. Over 3 seeds of 40 subjects
the ratio was at most 0.10 (model-free) and 0.10 (model-based), with a standard error
of about 0.035 / 0.96 and 0.026 / 0.44 at 40 subjects, so 0.25 leaves more than 3
standard errors at the quick size (20 subjects).

Files: ``stay_probabilities.png`` (the classic 2 x 2 bars per learner),
``stay_regression.csv``, ``stay_probabilities.csv``.

Reference: Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011). Model-based
influences on humans' choices and striatal prediction errors. Neuron 69:1204-1215.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pandas as pd

import cognax
from cognax import models, tasks
from cognax.analysis.behaviour import stay_probabilities, stay_regression
from cognax.reproduce.checks import Check, above, below
from cognax.signatures.reproductions._common import new_figure, save_figure, write_csv

PARAMETERS = {
    "learning_rate_1": 0.5, "learning_rate_2": 0.5, "eligibility": 1.0, "inverse_temperature_1": 5.0,
    "inverse_temperature_2": 5.0, "perseveration": 0.0, "mb_weight": 0.5,
}
LEARNERS = {"model-free": "model_free", "model-based": "model_based", "hybrid": "daw_hybrid"}
PRESENT_Z = 3.0
ABSENT_RATIO = 0.25


def run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    with jax.enable_x64(True):
        return _run(Path(out), quick=quick, seed=seed)


def _run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    n_subjects = 20 if quick else 100
    task = tasks.make("two_step", n_trials=201)
    regressions, stays = [], []
    for index, (label, name) in enumerate(LEARNERS.items()):
        model = models.make(name)
        params = {k: v for k, v in PARAMETERS.items() if k in model.parameter_names}
        table = cognax.simulate(jax.random.fold_in(jax.random.key(seed), index), model, task, params, n_subjects)
        regressions.append(stay_regression(table).assign(learner=label))
        stays.append(stay_probabilities(table).assign(learner=label))
    regression = pd.concat(regressions, ignore_index=True)
    stay = pd.concat(stays, ignore_index=True)

    def term(learner, name):
        row = regression[(regression["learner"] == learner) & (regression["term"] == name)].iloc[0]
        return float(row["coefficient"]), float(row["z"])

    checks = []
    mf_reward, mf_interaction = term("model-free", "reward"), term("model-free", "reward:transition")
    mb_reward, mb_interaction = term("model-based", "reward"), term("model-based", "reward:transition")
    checks.append(above("model-free_reward_z", mf_reward[1], PRESENT_Z, "main effect of reward"))
    checks.append(below(
        "model-free_|interaction|/reward", abs(mf_interaction[0]) / mf_reward[0], ABSENT_RATIO, "no interaction"
    ))
    checks.append(above("model-based_interaction_z", mb_interaction[1], PRESENT_Z, "reward x transition"))
    checks.append(below(
        "model-based_|reward|/interaction", abs(mb_reward[0]) / mb_interaction[0], ABSENT_RATIO, "no main effect"
    ))
    checks.append(above("hybrid_reward_z", term("hybrid", "reward")[1], PRESENT_Z, "main effect of reward"))
    checks.append(above("hybrid_interaction_z", term("hybrid", "reward:transition")[1], PRESENT_Z, "interaction"))

    write_csv(regression[["learner"] + [c for c in regression.columns if c != "learner"]], out / "stay_regression.csv")
    write_csv(stay, out / "stay_probabilities.csv")
    save_figure(lambda: _figure(stay), out / "stay_probabilities.png")
    return checks


def _figure(stay: pd.DataFrame):
    figure, axes = new_figure(len(LEARNERS), panel=(2.4, 2.2))
    mean = stay.groupby(["learner", "previous_reward", "previous_transition"])["stay_probability"]
    summary = pd.DataFrame({"mean": mean.mean(), "sem": mean.sem()})
    for ax, learner in zip(axes, LEARNERS):
        for offset, transition, colour in ((-0.18, "common", "tab:blue"), (0.18, "rare", "tab:red")):
            rows = summary.loc[(learner, ["rewarded", "unrewarded"], transition)]
            ax.bar(np.arange(2) + offset, rows["mean"], width=0.36, yerr=rows["sem"], color=colour, label=transition)
        ax.set(xticks=[0, 1], xticklabels=["rewarded", "unrewarded"], ylim=(0.3, 1.0), title=learner,
               ylabel="stay probability")
    axes[0].legend(title="transition")
    return figure
