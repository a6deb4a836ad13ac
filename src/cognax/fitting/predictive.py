"""Predictive checks: simulate every subject with its fitted parameters and compare the
data's behavioural summaries with the simulated ones (Palminteri, Wyart & Koechlin
2017, Trends Cogn Sci; Wilson & Collins 2019, eLife, rule 10).

The summary depends on the task: the two-step stay probabilities by previous reward ×
transition (Daw et al. 2011), RLWM accuracy by set size and stimulus iteration (Collins
& Frank 2012), go/no-go accuracy by cue, and for two-option bandits the lagged logistic
regression of choice on past rewards and choices (Lau & Glimcher 2005).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from cognax.models.base import Model
from cognax.simulation import simulate


def summary_kind(task_name: str, table: pd.DataFrame) -> str | None:
    """Which behavioural summary suits a task's data (``None`` when none applies)."""
    if task_name.startswith("two_step"):
        return "stay_probabilities"
    if task_name == "rlwm":
        return "rlwm_accuracy"
    if task_name == "go_nogo":
        return "go_nogo_accuracy"
    if int(table["choice"].max()) <= 1:
        return "lagged_regression"
    return None


def summarise(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    from cognax import analysis

    if kind == "lagged_regression":
        return analysis.lagged_regression(table, n_lags=5, pooled=True, penalty=1.0)
    return getattr(analysis, kind)(table)


def _design_task(task_name: str, table: pd.DataFrame):
    """The task at the data's design: its number of trials where the task takes one."""
    from cognax import tasks

    factory = tasks.registry.factory(task_name)
    if "n_trials" in inspect.signature(factory).parameters:
        return factory(n_trials=int(table.groupby("subject").size().median()))
    return factory()


def predictive_check(model: Model, fit_result, table: pd.DataFrame, task_name: str, key, n_replicates: int = 5):
    """Data summary and the same summary of ``n_replicates`` simulated data sets.

    Each replicate simulates every subject once with that subject's fitted parameters
    (integer parameters such as an RLWM capacity included) on the task at the data's
    design. Returns ``(kind, observed, simulated)`` or ``None`` when no summary applies.
    """
    kind = summary_kind(task_name, table)
    if kind is None:
        return None
    task = _design_task(task_name, table)
    names = list(model.parameter_names) + list(model.discrete_parameters)
    params = {name: np.asarray(fit_result.params[name]) for name in names}
    observed = summarise(kind, table)
    simulated = []
    for replicate_key in jax.random.split(key, n_replicates):
        replicate = simulate(replicate_key, model, task, params, n_subjects=len(fit_result.subjects))
        simulated.append(summarise(kind, replicate))
    return kind, observed, simulated


def plot_predictive_check(model: Model, fit_result, table, task_name: str, key, path: Path, n_replicates: int = 5):
    """Run :func:`predictive_check` and save its figure; returns the path or ``None``."""
    from cognax.analysis import plots

    check = predictive_check(model, fit_result, table, task_name, key, n_replicates)
    if check is None:
        return None
    kind, observed, simulated = check
    plot_kind = "learning_curve" if kind == "go_nogo_accuracy" else kind
    if kind == "go_nogo_accuracy":  # plotted as accuracy by cue
        observed = observed.rename(columns={"cue": "trial", "accuracy": "p_correct"})
        simulated = [s.rename(columns={"cue": "trial", "accuracy": "p_correct"}) for s in simulated]
    plots.plot_predictive_check(observed, simulated, plot_kind, path=path, title=f"{model.name}: data vs simulated")
    return path
