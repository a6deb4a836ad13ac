"""Bandit baselines: the Bayes-optimal DP against brute force, heuristics against known regrets."""

import jax
import numpy as np
import pytest

from cognax.agents.baselines import (
    bayes_optimal_regret,
    bayes_optimal_values,
    best_fixed_parameters,
    brute_force_value,
    policy_regret,
)
from cognax.errors import CognaxError


@pytest.mark.parametrize("horizon", [1, 2, 3, 5])
def test_dynamic_programming_equals_brute_force(horizon):
    """Expectimax over full histories with numerically integrated posteriors (grid error < 1e-6)."""
    dp_value = float(bayes_optimal_values(horizon)[-1])
    np.testing.assert_allclose(dp_value, brute_force_value(horizon), atol=1e-6)


def test_one_trial_value_is_one_half_and_regret_is_consistent():
    assert float(bayes_optimal_values(1)[-1]) == pytest.approx(0.5)
    for horizon in (1, 4, 7):
        # Total expected reward of the optimal policy = horizon * E[max p] - its regret.
        value = float(bayes_optimal_values(horizon)[-1])
        assert value == pytest.approx(horizon * 2 / 3 - bayes_optimal_regret(horizon)[-1], abs=1e-10)


def test_bayes_optimal_regret_at_100_trials():
    curve = bayes_optimal_regret(100)
    # Independent computations give about 1.75 (Wang et al. 2016 report the Gittins index near it).
    assert curve[-1] == pytest.approx(1.75, abs=0.01)
    assert np.all(np.diff(curve) > 0)   # every trial adds some expected regret


def test_dynamic_programming_policy_by_simulation():
    """Simulating the DP policy gives its exact regret within 4 standard errors (horizon 8)."""
    horizon = 8
    choose_zero = bayes_optimal_values(horizon)[:-1]
    rng = np.random.default_rng(0)
    n = 20_000
    p = rng.uniform(size=(n, 2))
    counts = np.zeros((n, 2, 2), dtype=int)  # [episode, arm, (success, failure)]
    regret = np.zeros(n)
    for t in range(horizon):
        n0 = counts[:, 0].sum(1)
        prob = choose_zero[t][n0, counts[:, 0, 0], counts[:, 1, 0]]
        arm = np.where(rng.uniform(size=n) < prob, 0, 1)
        reward = rng.uniform(size=n) < p[np.arange(n), arm]
        counts[np.arange(n), arm, np.where(reward, 0, 1)] += 1
        regret += p.max(1) - p[np.arange(n), arm]
    se = regret.std(ddof=1) / np.sqrt(n)
    assert abs(regret.mean() - bayes_optimal_regret(horizon)[-1]) < 4 * se


def test_heuristics_match_reference_regrets():
    """Thompson ~2.78 and UCB1 ~5.6 at trial 100 (independent computations); 4 standard errors."""
    mean, se = policy_regret("thompson", jax.random.key(0), n_episodes=4000)
    assert abs(mean[-1] - 2.78) < 4 * se[-1] + 0.02
    mean, se = policy_regret("ucb1", jax.random.key(1), n_episodes=4000)
    assert abs(mean[-1] - 5.6) < 4 * se[-1] + 0.05
    # Random choice: 100 * E[max p - p_a] = 100 * (2/3 - 1/2).
    mean, se = policy_regret("epsilon_greedy", jax.random.key(2), n_episodes=4000, epsilon=1.0)
    assert abs(mean[-1] - 100 / 6) < 4 * se[-1]


def test_best_fixed_rescorla_wagner_beats_random_and_loses_to_bayes():
    settings = best_fixed_parameters("rescorla_wagner", jax.random.key(3), n_episodes=300)
    assert set(settings) == {"learning_rate", "inverse_temperature"}
    mean, se = policy_regret("rescorla_wagner", jax.random.key(4), n_episodes=2000, **settings)
    assert bayes_optimal_regret(100)[-1] < mean[-1] < 100 / 6 - 4 * se[-1]


def test_bad_baseline_input():
    with pytest.raises(CognaxError, match="unknown baseline policy 'gittins'"):
        policy_regret("gittins", jax.random.key(0))
    with pytest.raises(CognaxError, match="horizon must be an integer >= 1"):
        bayes_optimal_regret(0)
