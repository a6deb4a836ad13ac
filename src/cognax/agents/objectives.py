"""Objectives: the loss a roll-out segment is scored with.

Each objective ``objective(segment, config, entropy_coef)`` maps a segment's per-decision arrays (``[decision, env]``: logits,
values, actions, rewards, whether the episode ended after the decision, the task's
correct action) plus the value bootstrapped at the segment's end to ``(loss, metrics)``;
``entropy_coef`` is the entropy weight in force (it may follow a schedule).

- ``a2c``: advantage actor-critic (Mnih et al. 2016, ICML): policy gradient weighted by
  generalised advantage estimates (Schulman et al. 2016, ICLR; λ = 1 gives n-step
  returns bootstrapped at the segment's end), a squared-error value loss and an entropy
  bonus. Wang et al. (2016) trained their meta-RL agents this way.
- ``reinforce``: Williams (1992), Mach Learn 8:229: the policy gradient weighted by the
  discounted Monte Carlo return of the whole episode minus a learned baseline (the
  value head, trained by the same squared error).
- ``supervised``: cross-entropy between the policy and the task's correct action, for
  tasks that define one (``info["correct_action"]``).

All three return the mean policy entropy among their metrics.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from cognax._pytree import pytree_dataclass
from cognax.agents.config import AgentConfig


@pytree_dataclass
class Segment:
    """A roll-out segment's arrays, ``[decision, env]`` (``last_value``: ``[env]``)."""

    logits: Float[Array, "decision env action"]
    values: Float[Array, "decision env"]
    actions: Int[Array, "decision env"]
    rewards: Float[Array, "decision env"]
    episode_end: Bool[Array, "decision env"]
    correct_action: Int[Array, "decision env"]
    last_value: Float[Array, "env"]


def _log_prob_and_entropy(logits, actions):
    log_probs = jax.nn.log_softmax(logits)
    taken = jnp.take_along_axis(log_probs, actions[..., None], axis=-1)[..., 0]
    entropy = -jnp.sum(jnp.exp(log_probs) * log_probs, axis=-1)
    return taken, entropy


def generalized_advantages(
    rewards, values, episode_end, last_value, gamma: float, gae_lambda: float
) -> Float[Array, "decision env"]:
    """GAE(γ, λ): ``A_t = δ_t + γλ A_{t+1}``, ``δ_t = r_t + γ V_{t+1} - V_t`` (no bootstrapping across episode ends)."""

    def body(carry, inputs):
        advantage_next, value_next = carry
        reward, value, end = inputs
        keep = 1.0 - end.astype(value.dtype)
        delta = reward + gamma * value_next * keep - value
        advantage = delta + gamma * gae_lambda * keep * advantage_next
        return (advantage, value), advantage

    _, advantages = jax.lax.scan(body, (jnp.zeros_like(last_value), last_value), (rewards, values, episode_end),
                                 reverse=True)
    return advantages


def discounted_returns(rewards, episode_end, gamma: float) -> Float[Array, "decision env"]:
    """``G_t = r_t + γ G_{t+1}`` within each episode."""

    def body(return_next, inputs):
        reward, end = inputs
        value = reward + gamma * return_next * (1.0 - end.astype(reward.dtype))
        return value, value

    _, returns = jax.lax.scan(body, jnp.zeros_like(rewards[0]), (rewards, episode_end), reverse=True)
    return returns


def a2c_loss(segment: Segment, config: AgentConfig, entropy_coef):
    values = jax.lax.stop_gradient(segment.values)
    advantages = generalized_advantages(
        segment.rewards, values, segment.episode_end, jax.lax.stop_gradient(segment.last_value),
        config.gamma, config.gae_lambda,
    )
    returns = advantages + values
    log_prob, entropy = _log_prob_and_entropy(segment.logits, segment.actions)
    policy_loss = -jnp.mean(log_prob * advantages)
    value_loss = 0.5 * jnp.mean((returns - segment.values) ** 2)
    loss = policy_loss + config.value_coef * value_loss - entropy_coef * jnp.mean(entropy)
    return loss, {"policy_loss": policy_loss, "value_loss": value_loss, "entropy": jnp.mean(entropy)}


def reinforce_loss(segment: Segment, config: AgentConfig, entropy_coef):
    returns = discounted_returns(segment.rewards, segment.episode_end, config.gamma)
    advantages = returns - jax.lax.stop_gradient(segment.values)
    log_prob, entropy = _log_prob_and_entropy(segment.logits, segment.actions)
    policy_loss = -jnp.mean(log_prob * advantages)
    value_loss = 0.5 * jnp.mean((returns - segment.values) ** 2)
    loss = policy_loss + config.value_coef * value_loss - entropy_coef * jnp.mean(entropy)
    return loss, {"policy_loss": policy_loss, "value_loss": value_loss, "entropy": jnp.mean(entropy)}


def supervised_loss(segment: Segment, config: AgentConfig, entropy_coef):
    log_probs = jax.nn.log_softmax(segment.logits)
    target = jnp.clip(segment.correct_action, 0, segment.logits.shape[-1] - 1)
    cross_entropy = -jnp.take_along_axis(log_probs, target[..., None], axis=-1)[..., 0]
    _, entropy = _log_prob_and_entropy(segment.logits, segment.actions)
    loss = jnp.mean(cross_entropy) - entropy_coef * jnp.mean(entropy)
    return loss, {"cross_entropy": jnp.mean(cross_entropy), "entropy": jnp.mean(entropy)}


OBJECTIVES: dict[str, Callable] = {"a2c": a2c_loss, "reinforce": reinforce_loss, "supervised": supervised_loss}

__all__ = ["Segment", "OBJECTIVES", "a2c_loss", "reinforce_loss", "supervised_loss", "generalized_advantages",
           "discounted_returns"]
