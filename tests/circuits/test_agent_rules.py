"""Weight perturbation on the agents' learning-rule axis: hand computation, unbiasedness, registration."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax.agents.config import AgentConfig
from cognax.agents.learning_rules import registry
from cognax.circuits.agent_rules import AgentWeightPerturbation
from cognax.circuits.rules.perturbation import weight_noise
from cognax.errors import CognaxError

PARAMS = {"w": jnp.array([[0.5, -1.0], [2.0, 0.25]]), "b": jnp.array([0.1, -0.3])}


def quadratic(params):
    loss = jnp.sum(params["w"] ** 2) + 3.0 * jnp.sum(params["b"])
    return loss, ("end state", {"loss": loss})


def test_direction_by_hand():
    rule = AgentWeightPerturbation(sigma=0.05, n_samples=3)
    key = jax.random.key(7)
    direction, aux, state = rule.direction(quadratic, PARAMS, rule.init(key, PARAMS), key)
    assert aux == ("end state", {"loss": quadratic(PARAMS)[0]}) and state is None
    base = float(quadratic(PARAMS)[0])
    expected = {"w": np.zeros((2, 2)), "b": np.zeros(2)}
    for sample_key in jax.random.split(key, 3):
        noise = weight_noise(PARAMS, sample_key, 0.05)
        change = float(quadratic({k: PARAMS[k] + noise[k] for k in PARAMS})[0]) - base
        for name in expected:
            expected[name] += change * np.asarray(noise[name]) / 0.05**2 / 3
    for name in expected:
        np.testing.assert_allclose(direction[name], expected[name], rtol=1e-5, atol=1e-6)


def test_reward_is_the_score_when_the_rollout_reports_it():
    def rewarded(params):
        reward = jnp.sum(params["b"])  # the loss value is ignored: a surrogate
        return jnp.float32(123.0), (None, {"reward_per_trial": reward})

    rule = AgentWeightPerturbation(sigma=0.01, n_samples=2000)
    direction, _, _ = rule.direction(rewarded, PARAMS, None, jax.random.key(0))
    # gradient of -reward: -1 for each bias, 0 for the weights; sampling sd per entry = sqrt(2/2000) ~ 0.03
    np.testing.assert_allclose(direction["b"], [-1.0, -1.0], atol=0.15)
    np.testing.assert_allclose(direction["w"], 0.0, atol=0.15)


def test_estimate_is_unbiased_for_a_linear_loss():
    gradient = {"w": jnp.array([[1.0, -2.0], [0.5, 0.0]]), "b": jnp.array([3.0, -1.0])}

    def linear(params):
        return sum(jnp.sum(gradient[k] * params[k]) for k in params), None

    rule = AgentWeightPerturbation(sigma=0.1, n_samples=4000)
    direction, _, _ = rule.direction(linear, PARAMS, None, jax.random.key(1))
    flat = np.concatenate([np.ravel(direction[k]) for k in ("b", "w")])
    truth = np.concatenate([np.ravel(gradient[k]) for k in ("b", "w")])
    cosine = flat @ truth / np.linalg.norm(flat) / np.linalg.norm(truth)
    assert cosine > 0.99  # expected 1/sqrt(1 + (6 + 1)/4000) = 0.9991


def test_registered_on_the_agents_axis():
    assert "weight_perturbation" in registry
    assert isinstance(registry.make("weight_perturbation"), AgentWeightPerturbation)
    assert AgentConfig(learning_rule="weight_perturbation").learning_rule == "weight_perturbation"
    with pytest.raises(CognaxError, match="unknown learning rule 'feedback_alignmnt'"):
        AgentConfig(learning_rule="feedback_alignmnt")
    with pytest.raises(CognaxError, match="sigma must be > 0"):
        AgentWeightPerturbation(sigma=0.0)


def _unrolled_loss(agent, inputs, feedback_path=True):
    """Sum of squared outputs over a short sequence, through the agent or through plain matrix products."""
    from cognax.circuits.agent_feedback_alignment import FeedbackAlignmentAgent  # noqa: F401

    state, total = agent.initial_state(), 0.0
    for x in inputs:
        if feedback_path:
            logits, value, state = agent(x, state)
        else:
            h = jnp.tanh(agent.core.input_weight @ x + agent.core.recurrent_weight @ state[0] + agent.core.bias)
            state = (h,)
            logits, value = agent.policy_weight @ h + agent.policy_bias, (agent.value_weight @ h)[0] + agent.value_bias[0]
        total = total + jnp.sum(logits**2) + value**2
    return total


def test_feedback_alignment_agent_is_backprop_when_feedback_equals_weights():
    import equinox as eqx

    from cognax.circuits.agent_feedback_alignment import FeedbackAlignmentAgent

    agent = FeedbackAlignmentAgent(5, 8, 2, key=jax.random.key(0))
    inputs = jax.random.normal(jax.random.key(1), (6, 5))
    symmetric = eqx.tree_at(lambda a: (a.core.recurrent_feedback, a.policy_feedback, a.value_feedback), agent,
                            (agent.core.recurrent_weight, agent.policy_weight, agent.value_weight))
    exact = jax.grad(lambda a: _unrolled_loss(a, inputs, False))(symmetric)
    aligned = jax.grad(_unrolled_loss)(symmetric, inputs)
    random = jax.grad(_unrolled_loss)(agent, inputs)
    for name in ("input_weight", "recurrent_weight", "bias"):
        np.testing.assert_allclose(getattr(aligned.core, name), getattr(exact.core, name), rtol=1e-5, atol=1e-6)
        assert not np.allclose(getattr(random.core, name), getattr(exact.core, name), atol=1e-3)
    np.testing.assert_allclose(aligned.policy_weight, exact.policy_weight, rtol=1e-5, atol=1e-7)
    # the heads learn locally: the same update whatever the feedback
    np.testing.assert_allclose(random.value_weight, jax.grad(lambda a: _unrolled_loss(a, inputs, False))(agent).value_weight,
                               rtol=1e-5, atol=1e-6)
    assert np.all(np.asarray(random.policy_feedback) == 0) and np.all(np.asarray(random.core.recurrent_feedback) == 0)


def test_feedback_alignment_trainer_needs_the_vanilla_rnn():
    from cognax.circuits.agent_feedback_alignment import make_trainer

    with pytest.raises(CognaxError, match="needs architecture 'rnn' and learning_rule 'bptt'"):
        make_trainer(AgentConfig(task="bandit", architecture="lstm"))
    trainer = make_trainer(AgentConfig(task="bandit", architecture="rnn", hidden_size=4, n_envs=2, n_updates=1))
    state = trainer.init(jax.random.key(0))
    assert state.params.core.recurrent_feedback.shape == (4, 4)
