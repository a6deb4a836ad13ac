"""Node perturbation inside the bandit agent: eligibilities and update by hand, an unbiased estimate, determinism."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax.agents.config import AgentConfig
from cognax.circuits.agent_node_perturbation import (
    FIELDS, NodePerturbationAgent, make_trainer, node_perturbation_direction, perturbed_state,
)
from cognax.errors import CognaxError


def _tiny():
    agent = NodePerturbationAgent(2, 3, 2, key=jax.random.key(0))
    inputs = jax.random.normal(jax.random.key(1), (4, 2))
    return agent, inputs


def _run(agent, inputs, noise):
    state = perturbed_state(agent, agent.initial_state(), noise)
    outputs = []
    for x in inputs:
        logits, value, state = agent(x, state)
        outputs.append((logits, value))
    return outputs, state


def test_eligibility_and_update_match_a_hand_computation():
    agent, inputs = _tiny()
    noise = 0.1 * jax.random.normal(jax.random.key(2), (4, agent.n_units))
    outputs, state = _run(agent, inputs, noise)
    W, U, b = (np.asarray(agent.input_weight), np.asarray(agent.recurrent_weight), np.asarray(agent.bias))
    P, c, v, d = (np.asarray(agent.policy_weight), np.asarray(agent.policy_bias), np.asarray(agent.value_weight),
                  np.asarray(agent.value_bias))
    h = np.zeros(3)
    traces = [np.zeros_like(np.asarray(getattr(agent, name))) for name in FIELDS]
    for t, x in enumerate(np.asarray(inputs)):
        xi = np.asarray(noise[t])
        xi_h, xi_p, xi_v = xi[:3], xi[3:5], xi[5:]
        new_h = np.tanh(W @ x + U @ h + b + xi_h)
        logits, value = P @ new_h + c + xi_p, (v @ new_h + d + xi_v)[0]
        np.testing.assert_allclose(outputs[t][0], logits, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(outputs[t][1], value, rtol=1e-5, atol=1e-6)
        for i, increment in enumerate((np.outer(xi_h, x), np.outer(xi_h, h), xi_h, np.outer(xi_p, new_h), xi_p,
                                       np.outer(xi_v, new_h), xi_v)):
            traces[i] += increment
        h = new_h
    for name, got, want in zip(FIELDS, state[1], traces):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=name)
    # two environments: the update is mean_e change_e * eligibility_e / sigma^2, value head by its own change
    eligibility = tuple(jnp.stack([e, -2.0 * e]) for e in state[1])
    change, value_change = jnp.array([0.3, -0.1]), jnp.array([0.05, 0.2])
    direction = node_perturbation_direction(agent, eligibility, change, value_change, 0.1)
    for name, trace in zip(FIELDS, traces):
        c0, c1 = (value_change if name.startswith("value") else change).tolist()
        np.testing.assert_allclose(getattr(direction, name), (c0 * trace + c1 * (-2.0) * trace) / 2 / 0.01,
                                   rtol=1e-5, atol=1e-6, err_msg=name)


def test_zero_noise_is_the_clean_agent():
    agent, inputs = _tiny()
    outputs, _ = _run(agent, inputs, jnp.zeros((4, agent.n_units)))
    state = agent.initial_state()
    for x, (logits, value) in zip(inputs, outputs):
        clean_logits, clean_value, state = agent(x, state)
        np.testing.assert_array_equal(logits, clean_logits)
        np.testing.assert_array_equal(value, clean_value)


def test_estimate_points_along_the_true_gradient():
    # S = sum_t (sum of logits^2 + value^2), a smooth function of the units: the node-perturbation
    # estimate over K = 4000 noise draws (sigma = 1e-3, so second-order bias is negligible) has
    # expected cosine about 1/sqrt(1 + 30/4000) = 0.996 with the gradient (30 parameters); 0.95 leaves room.
    agent, inputs = _tiny()

    def score(a, noise):
        outputs, state = _run(a, inputs, noise)
        return sum(jnp.sum(logits**2) + value**2 for logits, value in outputs), state[1]

    sigma, n_draws = 1e-3, 4000
    noises = sigma * jax.random.normal(jax.random.key(3), (n_draws, 4, agent.n_units))
    clean, _ = score(agent, jnp.zeros((4, agent.n_units)))
    scores, eligibility = jax.vmap(lambda n: score(agent, n))(noises)
    direction = node_perturbation_direction(agent, eligibility, scores - clean, scores - clean, sigma)
    gradient = jax.grad(lambda a: score(a, jnp.zeros((4, agent.n_units)))[0])(agent)
    flat = np.concatenate([np.ravel(getattr(direction, n)) for n in FIELDS])
    truth = np.concatenate([np.ravel(getattr(gradient, n)) for n in FIELDS])
    assert flat @ truth / np.linalg.norm(flat) / np.linalg.norm(truth) > 0.95


def test_training_is_deterministic_and_moves_the_weights():
    config = AgentConfig(task="bandit", task_options=(("n_arms", 2), ("n_trials", 10)), architecture="rnn",
                         hidden_size=4, n_envs=4, rollout_length=5, n_updates=2)
    trainer = make_trainer(config, sigma=0.1, n_samples=2)
    update = jax.jit(trainer.update)  # one compile serves every run below

    def run(seed):
        with jax.enable_x64(False):  # agents train in float32, whatever the suite switched on
            state = start = trainer.init(jax.random.key(seed))
            for _ in range(2):
                state, metrics = update(state)
        return start, state, metrics

    start, first, metrics = run(0)
    _, again, _ = run(0)
    _, other, _ = run(1)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(first.params, name), getattr(again.params, name))
        assert not np.array_equal(getattr(first.params, name), getattr(other.params, name))
        assert not np.allclose(getattr(first.params, name), getattr(start.params, name))
    assert np.isfinite(metrics["loss"]) and 0.0 <= metrics["regret_per_trial"] <= 1.0


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(CognaxError, match="needs architecture 'rnn' and learning_rule 'bptt'"):
        make_trainer(AgentConfig(task="bandit", architecture="gru"))
    with pytest.raises(CognaxError, match="sigma must be a finite number > 0"):
        make_trainer(AgentConfig(task="bandit", architecture="rnn"), sigma=0.0)
    with pytest.raises(CognaxError, match="n_samples must be a positive integer"):
        make_trainer(AgentConfig(task="bandit", architecture="rnn"), n_samples=0)
