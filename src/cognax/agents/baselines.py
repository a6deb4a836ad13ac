"""Baselines for Bernoulli bandits: the Bayes-optimal policy and classic heuristics.

Regret is the *expected* regret: on each trial ``max_a p_a - p_chosen``, summed over
trials (cumulative) and averaged over episodes whose arm probabilities are drawn
independently from U[0, 1] (Wang et al. 2016, experiment 1).

- :func:`bayes_optimal_regret`: the policy that maximises the expected number of rewards
  over a finite horizon for two arms with uniform (Beta(1, 1)) priors, by dynamic
  programming over the Beta posterior counts (Bellman 1956; Gittins 1979). Its
  expected regret per trial is computed exactly by a forward pass over the same states.
- :func:`policy_regret` with :data:`POLICIES`: Thompson sampling (Thompson 1933),
  UCB1 (Auer, Cesa-Bianchi & Fischer 2002), ε-greedy, and a Rescorla–Wagner learner with
  a fixed learning rate and softmax choice (Rescorla & Wagner 1972), simulated on many
  episodes in JAX.
- :func:`best_fixed_parameters` picks the ε or the (α, β) of Rescorla–Wagner with the
  lowest regret on tuning episodes; the regret is then measured on fresh episodes.

Example:
    >>> curve = bayes_optimal_regret(horizon=100)
    >>> round(float(curve[-1]), 2)   # expected cumulative regret at trial 100
    1.75
"""

from __future__ import annotations

import functools
import itertools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from cognax.tasks.base import check_count


# ----------------------------------------------------------------------------- Bayes-optimal
def bayes_optimal_values(horizon: int) -> list[np.ndarray]:
    """Probability of choosing arm 0 in every posterior state, level by level.

    Level t (trials done so far) holds an array ``[n0, s0, s1]`` (``n1 = t - n0``): ``n0``
    pulls of arm 0 with ``s0`` successes, ``s1`` successes among arm 1's pulls. Ties get
    probability 1/2. Returns the list of these arrays for t = 0 .. horizon-1 and, as a
    last element, the optimal expected total reward ``V_0`` (a 0-d array).
    """
    check_count("horizon", horizon)
    next_value = np.zeros((horizon + 1,) * 3)
    choose_zero: list[np.ndarray] = [None] * horizon  # type: ignore[list-item]
    for t in range(horizon - 1, -1, -1):
        n0 = np.arange(t + 1)[:, None, None]
        s0 = np.arange(t + 1)[None, :, None]
        s1 = np.arange(t + 1)[None, None, :]
        p0 = (s0 + 1.0) / (n0 + 2.0)
        p1 = (s1 + 1.0) / ((t - n0) + 2.0)
        v = next_value
        q0 = p0 * (1.0 + v[1:t + 2, 1:t + 2, :t + 1]) + (1.0 - p0) * v[1:t + 2, :t + 1, :t + 1]
        q1 = p1 * (1.0 + v[:t + 1, :t + 1, 1:t + 2]) + (1.0 - p1) * v[:t + 1, :t + 1, :t + 1]
        tie = np.isclose(q0, q1, rtol=0.0, atol=1e-12)
        choose_zero[t] = np.where(tie, 0.5, (q0 > q1).astype(float))
        next_value = np.maximum(q0, q1)
    return choose_zero + [np.asarray(next_value[0, 0, 0])]


@functools.lru_cache(maxsize=4)
def _bayes_optimal_regret(horizon: int) -> np.ndarray:
    curve = _forward_regret(horizon)
    curve.setflags(write=False)
    return curve


def bayes_optimal_regret(horizon: int = 100) -> np.ndarray:
    """Expected cumulative regret after each trial of the Bayes-optimal policy (2 arms, U[0, 1]).

    Exact: the state distribution is carried forward under the optimal policy, and
    the expected regret of trial t is ``E[max(p0, p1)] - E[reward_t] = 2/3 - E[reward_t]``.
    The curve is computed once per horizon (about 10 s for 100 trials) and reused.
    """
    check_count("horizon", horizon)
    return np.array(_bayes_optimal_regret(horizon))


def _forward_regret(horizon: int) -> np.ndarray:
    choose_zero = bayes_optimal_values(horizon)[:-1]
    probability = np.ones((1, 1, 1))
    regret = np.zeros(horizon)
    for t in range(horizon):
        n0 = np.arange(t + 1)[:, None, None]
        s0 = np.arange(t + 1)[None, :, None]
        s1 = np.arange(t + 1)[None, None, :]
        p0 = (s0 + 1.0) / (n0 + 2.0)
        p1 = (s1 + 1.0) / ((t - n0) + 2.0)
        a0 = choose_zero[t]
        expected_reward = np.sum(probability * (a0 * p0 + (1 - a0) * p1))
        regret[t] = 2.0 / 3.0 - expected_reward
        following = np.zeros((t + 2,) * 3)
        following[1:, 1:, :t + 1] += probability * a0 * p0
        following[1:, :t + 1, :t + 1] += probability * a0 * (1 - p0)
        following[:t + 1, :t + 1, 1:] += probability * (1 - a0) * p1
        following[:t + 1, :t + 1, :t + 1] += probability * (1 - a0) * (1 - p1)
        probability = following
    return np.cumsum(regret)


def brute_force_value(horizon: int, grid: int = 2001) -> float:
    """Optimal expected total reward by expectimax over every history (a check of the DP).

    Independent of :func:`bayes_optimal_values`: it walks the full history tree (no
    merging of histories with equal counts) and computes posterior means by numerical
    integration of the likelihood on a grid, not by the Beta formula. Cost grows as 4^horizon.
    """
    p = (np.arange(grid) + 0.5) / grid

    def posterior_mean(history_of_arm: tuple[int, ...]) -> float:
        likelihood = np.ones_like(p)
        for outcome in history_of_arm:
            likelihood = likelihood * (p if outcome else 1 - p)
        return float(np.sum(p * likelihood) / np.sum(likelihood))

    def value(histories: tuple[tuple[int, ...], tuple[int, ...]], remaining: int) -> float:
        if remaining == 0:
            return 0.0
        best = -np.inf
        for arm in (0, 1):
            mean = posterior_mean(histories[arm])
            total = 0.0
            for outcome, probability in ((1, mean), (0, 1 - mean)):
                extended = tuple(h + (outcome,) if a == arm else h for a, h in enumerate(histories))
                total += probability * (outcome + value(extended, remaining - 1))
            best = max(best, total)
        return best

    return value(((), ()), horizon)


# ----------------------------------------------------------------------------- heuristics
def _thompson(key, successes, failures, t, settings):
    return jnp.argmax(jax.random.beta(key, successes + 1.0, failures + 1.0))


def _ucb1(key, successes, failures, t, settings):
    pulls = successes + failures
    means = successes / jnp.maximum(pulls, 1.0)
    bonus = jnp.sqrt(2.0 * jnp.log(jnp.maximum(t, 1.0)) / jnp.maximum(pulls, 1.0))
    # Every arm is played once first (an unplayed arm has an infinite bound).
    return jnp.argmax(jnp.where(pulls > 0, means + bonus, jnp.inf))


def _epsilon_greedy(key, successes, failures, t, settings):
    explore_key, arm_key, tie_key = jax.random.split(key, 3)
    pulls = successes + failures
    means = jnp.where(pulls > 0, successes / jnp.maximum(pulls, 1.0), jnp.inf)
    # Random tie-breaking, so that equal estimates do not favour arm 0.
    greedy = jnp.argmax(means + 1e-6 * jax.random.uniform(tie_key, means.shape))
    return jnp.where(jax.random.uniform(explore_key) < settings["epsilon"],
                     jax.random.randint(arm_key, (), 0, means.shape[0]), greedy)


POLICIES: dict[str, Callable] = {"thompson": _thompson, "ucb1": _ucb1, "epsilon_greedy": _epsilon_greedy}


def _episode_regret(policy: str, settings, key, p, horizon: int):
    """Per-trial expected regret of one episode (Rescorla–Wagner or a counting policy)."""
    n_arms = p.shape[0]

    def body(carry, inputs):
        successes, failures, values = carry
        key, t = inputs
        choice_key, reward_key = jax.random.split(key)
        if policy == "rescorla_wagner":
            arm = jax.random.categorical(choice_key, settings["inverse_temperature"] * values)
        else:
            arm = POLICIES[policy](choice_key, successes, failures, t, settings)
        reward = jax.random.bernoulli(reward_key, p[arm]).astype(p.dtype)
        chosen = jax.nn.one_hot(arm, n_arms, dtype=p.dtype)
        successes = successes + chosen * reward
        failures = failures + chosen * (1.0 - reward)
        if policy == "rescorla_wagner":
            values = values + chosen * settings["learning_rate"] * (reward - values)
        return (successes, failures, values), jnp.max(p) - p[arm]

    start = (jnp.zeros(n_arms), jnp.zeros(n_arms), jnp.full(n_arms, 0.5))
    keys = jax.random.split(key, horizon)
    _, regret = jax.lax.scan(body, start, (keys, jnp.arange(horizon, dtype=p.dtype)))
    return regret


@functools.lru_cache(maxsize=32)
def _program(policy: str, n_episodes: int, horizon: int, n_arms: int):
    """The compiled simulation of a policy; its settings are arguments, so a grid search compiles once."""

    def run(key, settings):
        p_key, run_key = jax.random.split(key)
        p = jax.random.uniform(p_key, (n_episodes, n_arms))
        episode = lambda k, q: _episode_regret(policy, settings, k, q, horizon)  # noqa: E731
        return jax.vmap(episode)(jax.random.split(run_key, n_episodes), p)

    return jax.jit(run)


def policy_regret(policy: str, key: jax.Array, n_episodes: int = 10_000, horizon: int = 100, n_arms: int = 2,
                  **settings) -> tuple[np.ndarray, np.ndarray]:
    """Mean expected cumulative regret per trial and its standard error, over episodes.

    Args:
        policy: ``"thompson"``, ``"ucb1"``, ``"epsilon_greedy"`` (setting ``epsilon``)
            or ``"rescorla_wagner"`` (settings ``learning_rate``, ``inverse_temperature``).
        key: JAX key (arm probabilities ~ U[0, 1] and the policy's choices).
    """
    check_count("n_episodes", n_episodes)
    check_count("horizon", horizon)
    if policy not in (*POLICIES, "rescorla_wagner"):
        from cognax.errors import unknown_name

        raise unknown_name("baseline policy", policy, (*POLICIES, "rescorla_wagner"))
    with jax.enable_x64(False):
        settings = {k: jnp.asarray(v, jnp.float32) for k, v in settings.items()}
        regret = _program(policy, n_episodes, horizon, n_arms)(key, settings)
        cumulative = np.cumsum(np.asarray(regret, dtype=float), axis=1)
    return cumulative.mean(axis=0), cumulative.std(axis=0, ddof=1) / np.sqrt(n_episodes)


EPSILONS = (0.01, 0.02, 0.05, 0.1, 0.2)
LEARNING_RATES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
INVERSE_TEMPERATURES = (2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)


def best_fixed_parameters(policy: str, key: jax.Array, n_episodes: int = 2_000, horizon: int = 100) -> dict:
    """The grid setting with the lowest regret at the horizon, tuned on ``n_episodes`` episodes."""
    if policy == "epsilon_greedy":
        grid = [{"epsilon": e} for e in EPSILONS]
    else:
        grid = [{"learning_rate": a, "inverse_temperature": b}
                for a, b in itertools.product(LEARNING_RATES, INVERSE_TEMPERATURES)]
    scores = [policy_regret(policy, key, n_episodes, horizon, **setting)[0][-1] for setting in grid]
    return grid[int(np.argmin(scores))]


def baseline_regrets(key: jax.Array, horizon: int = 100, n_episodes: int = 10_000) -> dict[str, dict]:
    """Every baseline's regret curve: ``name -> {"mean", "se", "settings"}`` (Bayes-optimal exact, se 0)."""
    tune_key, key = jax.random.split(key)
    results = {"bayes_optimal": {"mean": bayes_optimal_regret(horizon), "se": np.zeros(horizon), "settings": {}}}
    for index, policy in enumerate(("thompson", "ucb1", "epsilon_greedy", "rescorla_wagner")):
        settings = {}
        if policy in ("epsilon_greedy", "rescorla_wagner"):
            settings = best_fixed_parameters(policy, jax.random.fold_in(tune_key, index), max(n_episodes // 5, 200),
                                             horizon)
        mean, se = policy_regret(policy, jax.random.fold_in(key, index), n_episodes, horizon, **settings)
        results[policy] = {"mean": mean, "se": se, "settings": settings}
    return results


__all__ = ["bayes_optimal_values", "bayes_optimal_regret", "brute_force_value", "policy_regret",
           "best_fixed_parameters", "baseline_regrets", "POLICIES"]
