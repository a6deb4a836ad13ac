"""Temporal-difference learning as a model of phasic dopamine (Schultz, Dayan & Montague 1997).

Within a trial of ``n_steps`` time steps, the state at step t is a feature vector
x_t; with a cue at step ``cue_step`` the tapped delay line (complete serial compound)
has one feature per step since cue onset, x_t(i) = [t - cue_step = i], and no feature
before the cue (the cue arrives unpredictably, so nothing before it predicts it). The
value is linear, V_t = w . x_t, and the prediction error at step t is

    delta_t = r_t + gamma V_t - V_{t-1},        V_{-1} = 0 (the inter-trial state),

the difference between what arrived at t (reward plus discounted future value) and
what was predicted one step before. Learning is TD(lambda) with accumulating traces
of the states that made the predictions:

    e_t = gamma lambda e_{t-1} + x_{t-1},       w <- w + learning_rate delta_t e_t,

traces reset at each trial start; lambda = 0 is TD(0). After learning with reward R at
``reward_delay`` D steps after the cue, V before the reward is R, V at cue is
gamma^(D-1) R, so the cue's prediction error is gamma^D R, the reward's is 0, and an
omitted reward gives -R.

Reference: Schultz W, Dayan P, Montague PR (1997). A neural substrate of prediction and
reward. Science 275:1593-1599. Sutton RS (1988). Learning to predict by the methods of
temporal differences. Machine Learning 3:9-44.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from cognax._pytree import pytree_dataclass
from cognax.errors import CognaxError
from cognax.tasks.base import check_count


@pytree_dataclass
class TDResult:
    """What :func:`td_learning` returns.

    Attributes:
        rpe: prediction error at every step of every trial, ``[trial, step]``.
        value: value V_t of every step, with the weights in force at that step, ``[trial, step]``.
        weights: weights after each trial, ``[trial, feature]``.
    """

    rpe: Float[Array, "trial step"]
    value: Float[Array, "trial step"]
    weights: Float[Array, "trial feature"]


def complete_serial_compound(n_steps: int, cue_step: int) -> Float[Array, "step feature"]:
    """Tapped-delay-line features: one-hot of the steps since cue onset, zero before the cue.

    Returns an ``[n_steps, n_steps - cue_step]`` matrix whose row t is x_t.
    """
    check_count("n_steps", n_steps, minimum=1)
    check_count("cue_step", cue_step, minimum=0)
    if cue_step >= n_steps:
        raise CognaxError(f"cue_step must be < n_steps ({n_steps}); got {cue_step}")
    return jnp.eye(n_steps, n_steps - cue_step, k=-cue_step)


def _check_rates(discount, learning_rate, trace_decay) -> None:
    for name, value, low, high in (
        ("discount", discount, 0.0, 1.0), ("learning_rate", learning_rate, 0.0, 1.0),
        ("trace_decay", trace_decay, 0.0, 1.0),
    ):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CognaxError(f"{name} must be a number in [{low:g}, {high:g}]; got {value!r}") from None
        if not low <= number <= high:
            raise CognaxError(f"{name} must lie in [{low:g}, {high:g}]; got {value!r}")


def _trial(weights, features, rewards, discount, learning_rate, trace_decay, learn: bool):
    """One trial of online TD(lambda); returns the new weights, the RPEs and the values."""

    def step(carry, inputs):
        weights, trace, previous_features, previous_value = carry
        x, reward = inputs
        value = x @ weights
        delta = reward + discount * value - previous_value
        trace = discount * trace_decay * trace + previous_features
        if learn:
            weights = weights + learning_rate * delta * trace
        # The prediction carried to the next step is the one made with the updated weights.
        return (weights, trace, x, x @ weights), (delta, value)

    zeros = jnp.zeros_like(weights)
    start = (weights, zeros, zeros, jnp.zeros((), weights.dtype))
    (weights, *_), (rpe, value) = jax.lax.scan(step, start, (features, rewards))
    return weights, rpe, value


def td_learning(
    features: Float[Array, "step feature"],
    rewards: Float[Array, "trial step"],
    discount: float = 0.98,
    learning_rate: float = 0.1,
    trace_decay: float = 0.0,
    initial_weights: Float[Array, "feature"] | None = None,
) -> TDResult:
    """Learn values online over conditioning trials with TD(lambda).

    Args:
        features: x_t for each step of a trial (e.g. :func:`complete_serial_compound`).
        rewards: reward at each step of each trial.
        discount: gamma.
        learning_rate: step size of the weight update.
        trace_decay: lambda (0 gives TD(0)).
        initial_weights: starting weights (zeros by default: a naive animal).

    Returns:
        A :class:`TDResult` with the prediction errors, values and weights.

    Example:
        >>> x = complete_serial_compound(40, 9)
        >>> r = jnp.zeros((100, 40)).at[:, 19].set(10.0)
        >>> result = td_learning(x, r, discount=0.98, learning_rate=0.2)
        >>> float(result.rpe[0, 19]), round(float(result.rpe[-1, 9]), 2)
        (10.0, 8.17)
    """
    features = jnp.asarray(features, dtype=float)
    rewards = jnp.asarray(rewards, dtype=float)
    if features.ndim != 2 or rewards.ndim != 2 or rewards.shape[1] != features.shape[0]:
        raise CognaxError(
            f"features must be [step, feature] and rewards [trial, step] with the same steps; "
            f"got {features.shape} and {rewards.shape}"
        )
    if not bool(jnp.isfinite(rewards).all()):
        raise CognaxError("rewards must be finite numbers (NaN or inf found)")
    _check_rates(discount, learning_rate, trace_decay)
    weights = jnp.zeros(features.shape[1]) if initial_weights is None else jnp.asarray(initial_weights, dtype=float)
    return _td_learning(features, rewards, weights, discount, learning_rate, trace_decay)


@jax.jit
def _td_learning(features, rewards, weights, discount, learning_rate, trace_decay) -> TDResult:
    def trial(weights, trial_rewards):
        weights, rpe, value = _trial(weights, features, trial_rewards, discount, learning_rate, trace_decay, True)
        return weights, (rpe, value, weights)

    _, (rpe, value, history) = jax.lax.scan(trial, weights, rewards)
    return TDResult(rpe=rpe, value=value, weights=history)


def td_probe(
    features: Float[Array, "step feature"], rewards: Float[Array, "step"], weights: Float[Array, "feature"],
    discount: float = 0.98,
) -> Float[Array, "step"]:
    """Prediction errors of one probe trial with fixed weights (no learning), e.g. an omission."""
    _check_rates(discount, 0.0, 0.0)
    features = jnp.asarray(features, dtype=float)
    _, rpe, _ = _trial(jnp.asarray(weights, dtype=float), features, jnp.asarray(rewards, dtype=float), discount, 0.0, 0.0, False)
    return rpe


def pavlovian_rewards(task, key: jax.Array, params=None) -> Float[Array, "trial step"]:
    """Run a :class:`~cognax.tasks.pavlovian.Pavlovian` episode; rewards as ``[trial, step]``."""
    params = task.default_params() if params is None else params
    return _rollout(task, key, params)


def _rollout(task, key, params):
    reset_key, key = jax.random.split(key)
    _, state = task.reset(reset_key, params)

    def body(state, step_key):
        timestep = task.step(step_key, state, jnp.int32(0), params)
        return timestep.state, timestep.reward

    _, rewards = jax.lax.scan(body, state, jax.random.split(key, task.n_decisions))
    return rewards.reshape(task.n_trials, task.n_steps)


def steady_state_cue_response(reward: float, delay: int, discount: float, probability: float = 1.0) -> float:
    """The learned prediction error at the cue, p gamma^D R (the closed form the checks use)."""
    return float(probability * discount**delay * reward)


__all__ = [
    "TDResult", "complete_serial_compound", "td_learning", "td_probe", "pavlovian_rewards",
    "steady_state_cue_response",
]
