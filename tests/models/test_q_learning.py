"""q_learning: NumPy reference likelihood, simulation statistics, parameter checks."""

import jax
import numpy as np
import pandas as pd
import pytest

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.errors import CognaxError


def reference_log_likelihood(choices, rewards, learning_rate, inverse_temperature, n_actions=2):
    """Plain NumPy loop: Rescorla-Wagner values from 0.5, softmax choice."""
    values = np.full(n_actions, 0.5)
    total = 0.0
    for choice, reward in zip(choices, rewards):
        logits = inverse_temperature * values
        logits = logits - logits.max()
        total += logits[choice] - np.log(np.exp(logits).sum())
        values[choice] += learning_rate * (reward - values[choice])
    return total


def random_table(rng, n_subjects, n_trials, n_actions=2):
    return pd.DataFrame({
        "subject": np.repeat(np.arange(n_subjects), n_trials),
        "trial": np.tile(np.arange(n_trials), n_subjects),
        "choice": rng.integers(0, n_actions, n_subjects * n_trials),
        "reward": rng.integers(0, 2, n_subjects * n_trials).astype(float),
    })


def test_matches_numpy_reference():
    rng = np.random.default_rng(0)
    table = random_table(rng, 5, 80)
    batch = to_batch(table, tasks.make("bandit"))
    learning_rates = rng.uniform(0, 1, 5)
    temperatures = rng.uniform(0, 20, 5)
    got = models.log_likelihood(
        models.make("q_learning"), {"learning_rate": learning_rates, "inverse_temperature": temperatures}, batch
    )
    for s in range(5):
        rows = table[table.subject == s]
        expected = reference_log_likelihood(rows.choice.to_numpy(), rows.reward.to_numpy(), learning_rates[s], temperatures[s])
        np.testing.assert_allclose(got[s], expected, rtol=0, atol=1e-6)


def test_three_arms_and_padding():
    rng = np.random.default_rng(1)
    table = random_table(rng, 2, 30, n_actions=3).iloc[:-7]  # ragged: subject 1 is shorter
    batch = to_batch(table, tasks.make("bandit", n_arms=3))
    got = models.log_likelihood(models.make("q_learning"), {"learning_rate": 0.4, "inverse_temperature": 3.0}, batch)
    for s in range(2):
        rows = table[table.subject == s]
        expected = reference_log_likelihood(rows.choice.to_numpy(), rows.reward.to_numpy(), 0.4, 3.0, n_actions=3)
        np.testing.assert_allclose(got[s], expected, atol=1e-6)


def test_invalid_rows_are_skipped():
    rng = np.random.default_rng(2)
    table = random_table(rng, 1, 40)
    table["valid"] = rng.uniform(size=40) > 0.3
    batch = to_batch(table, tasks.make("bandit"))
    got = models.log_likelihood(models.make("q_learning"), {"learning_rate": 0.5, "inverse_temperature": 4.0}, batch)
    kept = table[table.valid]
    expected = reference_log_likelihood(kept.choice.to_numpy(), kept.reward.to_numpy(), 0.5, 4.0)
    np.testing.assert_allclose(got[0], expected, atol=1e-6)


def test_simulation_is_deterministic_and_learns():
    task = tasks.make("bandit", n_trials=100)
    model = models.make("q_learning")
    a = cognax.simulate(jax.random.key(5), model, task, {"learning_rate": 0.3, "inverse_temperature": 8.0}, n_subjects=400)
    b = cognax.simulate(jax.random.key(5), model, task, {"learning_rate": 0.3, "inverse_temperature": 8.0}, n_subjects=400)
    pd.testing.assert_frame_equal(a, b)
    better = (a.p_1 > a.p_0).astype(int)
    late = a[a.trial >= 50]
    accuracy = (late.choice == better[a.trial >= 50]).mean()
    # A learner picks the better arm far above chance; a random policy gives 0.5 +- 0.004 (SE over 20k trials).
    assert accuracy > 0.7
    rand = cognax.simulate(jax.random.key(5), models.make("random"), task, n_subjects=400)
    rand_late = rand[rand.trial >= 50]
    rand_accuracy = (rand_late.choice == (rand_late.p_1 > rand_late.p_0)).mean()
    assert abs(rand_accuracy - 0.5) < 3 * np.sqrt(0.25 / len(rand_late)) * 3  # 3 SE, inflated for within-episode correlation


def test_per_subject_parameters_and_bad_values():
    task = tasks.make("bandit", n_trials=10)
    model = models.make("q_learning")
    table = cognax.simulate(jax.random.key(0), model, task, {"learning_rate": np.array([0.1, 0.9])}, n_subjects=2)
    assert table.subject.nunique() == 2
    with pytest.raises(CognaxError, match="learning_rate.*must lie in \\[0, 1\\]"):
        cognax.simulate(jax.random.key(0), model, task, {"learning_rate": 1.5})
    with pytest.raises(CognaxError, match="valid: inverse_temperature, learning_rate"):
        cognax.simulate(jax.random.key(0), model, task, {"alpha": 0.5})
    with pytest.raises(CognaxError, match="n_subjects must be an integer >= 1"):
        cognax.simulate(jax.random.key(0), model, task, n_subjects=0)
    with pytest.raises(CognaxError, match="one per subject"):
        cognax.simulate(jax.random.key(0), model, task, {"learning_rate": np.array([0.1, 0.2, 0.3])}, n_subjects=2)


def test_model_task_compatibility():
    with pytest.raises(CognaxError, match="does not apply to task 'two_step'"):
        models.make("q_learning").check_task("two_step")


def test_gradients_finite_at_extremes():
    rng = np.random.default_rng(3)
    batch = to_batch(random_table(rng, 1, 50), tasks.make("bandit"))
    model = models.make("q_learning")

    def nll(u):
        return -models.log_likelihood(model, model.constrain(u), batch).sum()

    for lr, beta in [(0.0, 0.0), (1.0, 50.0), (1e-9, 1000.0), (0.5, 1000.0)]:
        u = model.unconstrain({"learning_rate": lr, "inverse_temperature": min(beta, 50.0)})
        value, grad = jax.value_and_grad(nll)(u)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
