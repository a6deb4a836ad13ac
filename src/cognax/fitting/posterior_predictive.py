"""Posterior predictive checks of hierarchical fits: replicate data sets from posterior draws.

Each replicate is the whole group simulated with the parameters of one posterior draw;
the data's behavioural summary is set beside the replicates' (Gelman, Meng & Stern
1996). For maximum-likelihood fits see :mod:`cognax.fitting.predictive`.

Example:
    >>> check = posterior_predictive_check(result, table, tasks.make("two_step"), jax.random.key(0))
    >>> check.table()                                   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.fitting.hierarchical import HierarchicalResult
from cognax.tasks.base import check_count

def _replicate_task(batch, task=None):
    """``task`` (default: the data's task), made to run for the median subject's trials where it can."""
    from cognax import tasks

    factory = tasks.registry.factory(batch.task)
    accepted = inspect.signature(factory).parameters
    if task is None:
        task = factory(**({"n_arms": batch.n_actions} if "n_arms" in accepted else {}))
    if "n_trials" in accepted:
        settings = {name: getattr(task, name) for name in accepted if hasattr(task, name)}
        settings["n_trials"] = max(int(np.median(np.asarray(batch.mask).sum(axis=1))), 1)
        task = factory(**settings)
    if task.n_actions != batch.n_actions:
        raise CognaxError(f"the task has {task.n_actions} actions but the data {batch.n_actions}; pass task= built "
                          "with the data's settings")
    return task


def posterior_predictive(result: HierarchicalResult, batch, key: jax.Array, n_draws: int = 50, task=None):
    """Replicate data sets: for each of ``n_draws`` posterior draws, every subject simulated.

    Each subject plays the task afresh with its own parameters from that draw (it does
    not replay its recorded trial sequence). The task is ``task`` (default: the data's
    task with default settings) run for the median subject's number of trials where
    its constructor takes ``n_trials``. Returns one trial table per draw, with the
    data's subject labels.
    """
    from cognax.simulation import columns_to_table, simulate_columns

    check_count("n_draws", n_draws)
    task = _replicate_task(batch, task)
    posterior = result.idata.posterior
    names = result.model.parameter_names
    n_subjects = posterior.sizes["subject"]
    params = {n: posterior[n].values.reshape(-1, n_subjects) for n in names}
    pick_key, simulate_key = jax.random.split(key)
    total = next(iter(params.values())).shape[0]
    chosen = np.asarray(jax.random.choice(pick_key, total, (n_draws,), replace=n_draws > total))
    params = {n: jnp.asarray(v[chosen]) for n, v in params.items()}
    params.update({n: jnp.full((n_draws, n_subjects), v) for n, v in result.fixed.items()})
    run = jax.jit(jax.vmap(lambda k, p: simulate_columns(k, result.model, task, p, n_subjects)))
    columns = run(jax.random.split(simulate_key, n_draws), params)
    labels = np.asarray(list(batch.subjects), dtype=object)
    tables = []
    for d in range(n_draws):
        table = columns_to_table({name: values[d] for name, values in columns.items()})
        table["subject"] = labels[table["subject"].to_numpy()]
        tables.append(table)
    return tables


#: summary kind (see :func:`cognax.fitting.predictive.summary_kind`) -> (conditions, value).
_SUMMARY_COLUMNS = {
    "stay_probabilities": (("previous_reward", "previous_transition"), "stay_probability"),
    "rlwm_accuracy": (("set_size", "iteration"), "p_correct"),
    "go_nogo_accuracy": (("cue",), "accuracy"),
    "lagged_regression": (("regressor", "lag"), "coefficient"),
}


@dataclasses.dataclass(frozen=True)
class PredictiveCheck:
    """A behavioural summary of the data beside the same summary of replicate data sets.

    Attributes:
        kind: the summary, as chosen by :func:`cognax.fitting.predictive.summary_kind`.
        keys, value: its condition columns and value column.
        observed: the data's summary.
        simulated: the summary of each replicate.
    """

    kind: str
    keys: tuple[str, ...]
    value: str
    observed: pd.DataFrame
    simulated: list[pd.DataFrame]

    def table(self) -> pd.DataFrame:
        """Per condition: the data's mean over subjects; the replicates' mean and 95% interval."""
        keys = list(self.keys)
        observed = self.observed.groupby(keys, sort=True)[self.value].mean().rename("observed")
        replicates = pd.concat([s.groupby(keys, sort=True)[self.value].mean() for s in self.simulated], axis=1)
        band = pd.DataFrame({
            "simulated_mean": replicates.mean(axis=1),
            "simulated_low": replicates.quantile(0.025, axis=1),
            "simulated_high": replicates.quantile(0.975, axis=1),
        })
        return pd.concat([observed, band], axis=1).reset_index()

    @property
    def can_plot(self) -> bool:
        return self.value != "p_go"

    def plot(self, path, title: str = ""):
        """:func:`cognax.analysis.plot_predictive_check` with the replicates' 95% band."""
        from cognax.analysis.plots import plot_predictive_check

        if not self.can_plot:
            raise CognaxError("the data say nothing about which go/no-go response was correct; use .table()")
        observed, simulated, kind = self.observed, self.simulated, self.kind
        if kind == "go_nogo_accuracy":  # drawn as accuracy by cue, as cognax.fitting.predictive does
            rename = {"cue": "trial", "accuracy": "p_correct"}
            observed, simulated, kind = observed.rename(columns=rename), [s.rename(columns=rename) for s in simulated], "learning_curve"
        return plot_predictive_check(observed, simulated, kind, path=path, title=title)


def posterior_predictive_check(result: HierarchicalResult, table: pd.DataFrame, task, key: jax.Array, n_draws: int = 50):
    """Posterior predictive check: the data's behaviour against replicates from the posterior.

    The summary is the one :mod:`cognax.fitting.predictive` uses for the task (stay
    probabilities, RLWM accuracy, go/no-go accuracy by cue, lagged choice regression
    for two-option bandits); each replicate comes from one posterior draw (see
    :func:`posterior_predictive`). Returns ``None`` where no summary applies.

    Reference: Gelman A, Meng XL, Stern H (1996). Posterior predictive assessment of
    model fitness via realized discrepancies. Stat Sinica 6:733-807.
    """
    from cognax.data.batch import to_batch
    from cognax.fitting.predictive import summarise, summary_kind

    kind = summary_kind(task.name, table)
    if kind is None:
        return None
    batch = to_batch(table, task)
    replicates = posterior_predictive(result, batch, key, n_draws, _replicate_task(batch, task))
    keys, value = _SUMMARY_COLUMNS[kind]
    observed = summarise(kind, table)
    if value not in observed.columns:  # go/no-go data without the correct response: P(go) by cue
        value = "p_go"
    return PredictiveCheck(kind, keys, value, observed, [summarise(kind, t) for t in replicates])


__all__ = ["posterior_predictive", "posterior_predictive_check", "PredictiveCheck"]
