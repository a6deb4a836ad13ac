"""Distributional temporal-difference learning and dopamine (Dabney et al. 2020).

A population of value predictors (dopamine neurons' targets), each with its own
learning rates for positive and negative prediction errors, learns from the same
rewards:

    delta_i = r - V_i;     V_i <- V_i + alpha_plus_i delta_i   if delta_i > 0,
                           V_i <- V_i + alpha_minus_i delta_i  otherwise.

Unit i's value settles where positive and negative errors balance,
tau_i E[(r - V)_+] = (1 - tau_i) E[(V - r)_+] with tau_i = alpha_plus_i / (alpha_plus_i +
alpha_minus_i): the tau_i-expectile of the reward distribution. That value is the unit's
*reversal point*: rewards above it excite the unit, rewards below it inhibit it.
Optimistic units (tau > 1/2) reverse at large rewards, pessimistic ones at small
rewards, so the population codes the whole distribution, which can be decoded back by
finding a distribution whose expectiles match the reversal points.

Reference: Dabney W, Kurth-Nelson Z, Uchida N, Starkweather CK, Hassabis D, Munos R,
Botvinick M (2020). A distributional code for value in dopamine-based reinforcement
learning. Nature 577:671-675.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy import optimize

from cognax.errors import CognaxError


def _check_distribution(values, probabilities) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    if values.ndim != 1 or values.shape != probabilities.shape or values.size == 0:
        raise CognaxError(
            f"reward values and probabilities must be 1-D of the same length; got {values.shape} and {probabilities.shape}"
        )
    if not (np.isfinite(values).all() and np.isfinite(probabilities).all()) or (probabilities < 0).any():
        raise CognaxError("reward values must be finite and probabilities finite and >= 0")
    if not np.isclose(probabilities.sum(), 1.0, atol=1e-9):
        raise CognaxError(f"reward probabilities must sum to 1; they sum to {probabilities.sum():.6g}")
    return values, probabilities


def expectile(values, probabilities, tau: float) -> float:
    """The tau-expectile of a discrete distribution (root of its asymmetric balance).

    Solves tau E[(X - e)_+] = (1 - tau) E[(e - X)_+] by bracketing between the
    smallest and largest value; tau = 1/2 gives the mean.
    """
    values, probabilities = _check_distribution(values, probabilities)
    if not 0.0 < float(tau) < 1.0:
        raise CognaxError(f"tau must lie in (0, 1); got {tau!r}")

    def balance(e):
        above = probabilities @ np.maximum(values - e, 0.0)
        below = probabilities @ np.maximum(e - values, 0.0)
        return tau * above - (1.0 - tau) * below

    low, high = values.min(), values.max()
    if low == high:
        return float(low)
    return float(optimize.brentq(balance, low, high, xtol=1e-12))


def asymmetry(learning_rate_positive, learning_rate_negative) -> np.ndarray:
    """tau = alpha_plus / (alpha_plus + alpha_minus), per unit."""
    positive = np.asarray(learning_rate_positive, dtype=float)
    negative = np.asarray(learning_rate_negative, dtype=float)
    return positive / (positive + negative)


def learn_reversal_points(
    key: jax.Array,
    values,
    probabilities,
    learning_rate_positive,
    learning_rate_negative,
    n_trials: int,
    average_last: int | None = None,
) -> Float[Array, "unit"]:
    """Train the population on ``n_trials`` rewards drawn from a discrete distribution.

    Args:
        key: JAX key for the reward draws (all units see the same rewards).
        values, probabilities: the reward distribution.
        learning_rate_positive, learning_rate_negative: ``[unit]`` rates.
        n_trials: number of rewards.
        average_last: average each unit's value over its last ``average_last`` trials
            (Polyak averaging; the value itself keeps jittering around the expectile by
            about sqrt(alpha) times the reward SD). ``None``: the final value.

    Returns:
        The reversal point of each unit, ``[unit]``.
    """
    values, probabilities = _check_distribution(values, probabilities)
    positive = jnp.asarray(learning_rate_positive, dtype=float)
    negative = jnp.asarray(learning_rate_negative, dtype=float)
    if positive.shape != negative.shape or positive.ndim != 1:
        raise CognaxError(f"learning rates must be two 1-D arrays (one rate per unit) of one shape; got {positive.shape}, {negative.shape}")
    if not (bool(((positive > 0) & (positive <= 1)).all()) and bool(((negative > 0) & (negative <= 1)).all())):
        raise CognaxError("learning rates must lie in (0, 1]")
    average_last = n_trials if average_last is None else average_last
    if not 1 <= average_last <= n_trials:
        raise CognaxError(f"average_last must be in [1, n_trials={n_trials}]; got {average_last}")
    rewards = jax.random.choice(key, jnp.asarray(values), (n_trials,), p=jnp.asarray(probabilities))
    return _learn(rewards, positive, negative, n_trials - average_last)


@jax.jit
def _learn(rewards, positive, negative, start):
    def step(carry, inputs):
        value, total, count = carry
        reward, index = inputs
        delta = reward - value
        value = value + jnp.where(delta > 0, positive, negative) * delta
        counted = index >= start
        return (value, total + jnp.where(counted, value, 0.0), count + counted), None

    zero = jnp.zeros_like(positive)
    indices = jnp.arange(rewards.shape[0])
    (_, total, count), _ = jax.lax.scan(step, (zero, zero, jnp.zeros((), rewards.dtype)), (rewards, indices))
    return total / count


def decode_distribution(
    reversal_points, taus, n_atoms: int = 100, seed: int = 0, n_restarts: int = 5
) -> np.ndarray:
    """Impute a distribution whose expectiles match the reversal points (Dabney et al. 2020).

    The distribution is ``n_atoms`` equally weighted samples z; we minimise the squared
    expectile balance, sum_i [tau_i mean((z - e_i)_+) - (1 - tau_i) mean((e_i - z)_+)]^2,
    over z by L-BFGS from several random starts (spread over the range of the reversal
    points) and keep the best.

    Returns:
        The decoded samples, sorted, ``[n_atoms]``.
    """
    points = np.asarray(reversal_points, dtype=float)
    taus = np.asarray(taus, dtype=float)
    if points.shape != taus.shape or points.ndim != 1 or points.size < 2:
        raise CognaxError(f"need >= 2 reversal points with one tau each; got {points.shape} and {taus.shape}")
    if not np.isfinite(points).all() or ((taus <= 0) | (taus >= 1)).any():
        raise CognaxError("reversal points must be finite and taus in (0, 1)")

    def loss(z):
        diff = z[None, :] - points[:, None]
        above, below = np.maximum(diff, 0.0), np.maximum(-diff, 0.0)
        residual = taus * above.mean(1) - (1.0 - taus) * below.mean(1)
        gradient = (taus[:, None] * (diff > 0) + (1.0 - taus[:, None]) * (diff < 0)) / z.size
        return float(residual @ residual), 2.0 * residual @ gradient

    rng = np.random.default_rng(seed)
    spread = points.max() - points.min()
    best = None
    for _ in range(n_restarts):
        start = rng.uniform(points.min() - 0.5 * spread, points.max() + 0.5 * spread, n_atoms)
        result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B")
        if best is None or result.fun < best.fun:
            best = result
    return np.sort(best.x)


def wasserstein_to_discrete(samples, values, probabilities) -> float:
    """1-Wasserstein distance between equally weighted samples and a discrete distribution."""
    from scipy.stats import wasserstein_distance

    values, probabilities = _check_distribution(values, probabilities)
    return float(wasserstein_distance(np.asarray(samples, dtype=float), values, v_weights=probabilities))


__all__ = [
    "expectile", "asymmetry", "learn_reversal_points", "decode_distribution", "wasserstein_to_discrete",
]
