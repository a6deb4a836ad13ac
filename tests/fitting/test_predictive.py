"""Predictive checks: the simulated summaries of a well-specified model cover the data."""

import jax
import numpy as np

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.fitting import fit
from cognax.fitting.predictive import plot_predictive_check, predictive_check


def test_two_step_stay_probabilities_of_the_true_model_match_the_data(tmp_path):
    task = tasks.make("two_step", n_trials=100)
    model = models.make("daw_hybrid")
    table = cognax.simulate(jax.random.key(0), model, task, {"mb_weight": 0.8, "inverse_temperature_1": 6.0}, n_subjects=20)
    result = fit(model, to_batch(table, task), jax.random.key(1), n_starts=2, standard_errors=False)
    kind, observed, simulated = predictive_check(model, result, table, "two_step", jax.random.key(2), n_replicates=4)
    assert kind == "stay_probabilities"
    keys = ["previous_reward", "previous_transition"] if "previous_reward" in observed else list(observed.columns[1:3])
    value = [c for c in observed.columns if c.startswith("p_") or c == "stay_probability"][0]
    data_means = observed.groupby(keys)[value].mean()
    sim_means = np.stack([s.groupby(keys)[value].mean().to_numpy() for s in simulated])
    # Data and replicates come from the same generative model; with 20 subjects x ~25 trials per
    # cell, the SE of a cell mean is ~0.022 (0.03 for a difference of two), so 0.1 is > 3 SE.
    np.testing.assert_allclose(sim_means.mean(axis=0), data_means.to_numpy(), atol=0.1)
    assert plot_predictive_check(model, result, table, "two_step", jax.random.key(2), tmp_path / "ppc.png", 2).exists()


def test_bandit_check_uses_the_lagged_regression():
    task = tasks.make("bandit", n_trials=200)
    model = models.make("q_learning")
    table = cognax.simulate(jax.random.key(3), model, task, n_subjects=8)
    result = fit(model, to_batch(table, task), jax.random.key(4), n_starts=2, standard_errors=False)
    kind, observed, simulated = predictive_check(model, result, table, "bandit", jax.random.key(5), n_replicates=2)
    assert kind == "lagged_regression" and len(simulated) == 2
    assert {"regressor", "lag", "coefficient"} <= set(observed.columns)
