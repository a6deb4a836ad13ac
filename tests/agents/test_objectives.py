"""Objectives: the A2C loss and its gradient against a hand computation."""

import jax
import jax.numpy as jnp
import numpy as np

from cognax.agents import AgentConfig
from cognax.agents.objectives import Segment, a2c_loss, discounted_returns, generalized_advantages


def _segment(logits, values, actions, rewards, ends, last_value):
    return Segment(logits=jnp.asarray(logits), values=jnp.asarray(values), actions=jnp.asarray(actions),
                   rewards=jnp.asarray(rewards), episode_end=jnp.asarray(ends),
                   correct_action=jnp.zeros_like(jnp.asarray(actions)), last_value=jnp.asarray(last_value))


def test_advantages_by_hand():
    # One environment, three decisions, the episode ends after the second; bootstrap 0.5 at the end.
    rewards = np.array([[1.0], [0.0], [1.0]])
    values = np.array([[0.2], [0.4], [0.3]])
    ends = np.array([[False], [True], [False]])
    gamma, lam = 0.9, 0.8
    advantages = np.asarray(generalized_advantages(rewards, values, ends, np.array([0.5]), gamma, lam))[:, 0]
    delta2 = 1.0 + gamma * 0.5 - 0.3
    delta1 = 0.0 - 0.4                     # episode ends: no bootstrap
    delta0 = 1.0 + gamma * 0.4 - 0.2
    expected = [delta0 + gamma * lam * delta1, delta1, delta2]
    np.testing.assert_allclose(advantages, expected, rtol=1e-6)
    returns = np.asarray(discounted_returns(rewards, ends, gamma))[:, 0]
    np.testing.assert_allclose(returns, [1.0, 0.0, 1.0], rtol=1e-6)


def test_a2c_gradient_matches_hand_computation():
    """d loss / d logits and d loss / d values for a 2-decision, 2-environment segment."""
    config = AgentConfig(gamma=0.5, gae_lambda=1.0, value_coef=0.7)
    entropy_coef = 0.3
    logits = np.array([[[0.2, -0.1], [0.0, 0.5]], [[1.0, 0.3], [-0.4, 0.2]]])
    values = np.array([[0.1, 0.6], [0.3, -0.2]])
    actions = np.array([[0, 1], [1, 0]])
    rewards = np.array([[1.0, 0.0], [0.0, 1.0]])
    ends = np.array([[False, False], [False, True]])
    last_value = np.array([0.4, 0.9])
    T, E = 2, 2
    n = T * E

    # Returns (n-step, bootstrapped unless the episode ended) and advantages by hand.
    returns = np.zeros((T, E))
    for e in range(E):
        following = 0.0 if ends[-1, e] else last_value[e]
        for t in reversed(range(T)):
            following = rewards[t, e] + config.gamma * following * (0.0 if ends[t, e] else 1.0)
            returns[t, e] = following
    advantages = returns - values

    def loss(lg, v):
        return a2c_loss(_segment(lg, v, actions, rewards, ends, last_value), config, entropy_coef)[0]

    grad_logits, grad_values = jax.grad(loss, argnums=(0, 1))(jnp.asarray(logits), jnp.asarray(values))

    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    onehot = np.eye(2)[actions]
    log_p = np.log(p)
    entropy = -(p * log_p).sum(-1, keepdims=True)
    # d(-A log p_a)/d logits = -A (onehot - p); d(-c H)/d logits = c p (log p + H).
    expected_logits = (-advantages[..., None] * (onehot - p) + entropy_coef * p * (log_p + entropy)) / n
    # Value loss 0.5 * c * mean((R - V)^2) with R held fixed: d/dV = -c (R - V) / n.
    expected_values = -config.value_coef * (returns - values) / n
    np.testing.assert_allclose(np.asarray(grad_logits), expected_logits, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(grad_values), expected_values, rtol=1e-5, atol=1e-7)
    # And the loss value itself.
    value = float(loss(jnp.asarray(logits), jnp.asarray(values)))
    taken = (log_p * onehot).sum(-1)
    expected = (-(taken * advantages).mean() + config.value_coef * 0.5 * ((returns - values) ** 2).mean()
                - entropy_coef * entropy.mean())
    np.testing.assert_allclose(value, expected, rtol=1e-5)
