"""Each learning rule's update against a hand computation (NumPy) on a tiny 2-3-2 network."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax.circuits import MLP, rules
from cognax.circuits.rules.hebbian import oja_direction, three_factor_direction
from cognax.circuits.rules.perturbation import (
    node_noise,
    node_perturbation_estimate,
    weight_noise,
    weight_perturbation_estimate,
)
from cognax.circuits.rules.predictive_coding import relax
from cognax.errors import CognaxError

NET = MLP((2, 3, 2))
X = np.array([[0.5, -1.0], [1.5, 0.25]])
Y = np.array([1, 0])


@pytest.fixture(scope="module")
def params():
    raw = NET.init(jax.random.key(3))
    # non-zero biases so that the hand computation covers them
    return tuple({"w": p["w"], "b": p["b"] + 0.1 * (i + 1)} for i, p in enumerate(raw))


def numpy_params(params):
    return [(np.asarray(p["w"]), np.asarray(p["b"])) for p in params]


def softmax(z):
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def hand_forward(params, noise=(0.0, 0.0)):
    (w1, b1), (w2, b2) = numpy_params(params)
    a1 = X @ w1 + b1 + noise[0]
    h1 = np.tanh(a1)
    a2 = h1 @ w2 + b2 + noise[1]
    return a1, h1, a2


def hand_losses(logits):
    return -np.log(softmax(logits)[np.arange(len(Y)), Y])


def hand_error(logits):
    return softmax(logits) - np.eye(2)[Y]


def hand_grads(h0, d1, h1, d2):
    batch = len(X)
    return [(h0.T @ d1 / batch, d1.sum(0) / batch), (h1.T @ d2 / batch, d2.sum(0) / batch)]


def assert_matches(direction, expected, rtol=1e-10):
    for layer, (w, b) in zip(direction, expected):
        np.testing.assert_allclose(layer["w"], w, rtol=rtol, atol=1e-12)
        np.testing.assert_allclose(layer["b"], b, rtol=rtol, atol=1e-12)


def hand_backprop(params, feedback_w2):
    a1, h1, a2 = hand_forward(params)
    e = hand_error(a2)
    d1 = (e @ feedback_w2.T) * (1 - np.tanh(a1) ** 2)
    return hand_grads(X, d1, h1, e)


def run(rule, params, key=jax.random.key(0)):
    return rule.update(rule.init(key, params), params, jnp.asarray(X), jnp.asarray(Y), key)


def test_backprop_matches_hand_gradient(params):
    direction, _ = run(rules.make("backprop", NET), params)
    assert_matches(direction, hand_backprop(params, numpy_params(params)[1][0]))


def test_shallow_trains_only_the_readout(params):
    direction, _ = run(rules.make("shallow", NET), params)
    expected = hand_backprop(params, numpy_params(params)[1][0])
    assert_matches(direction, [(np.zeros((2, 3)), np.zeros(3)), expected[1]])


def test_feedback_alignment_uses_its_fixed_random_matrix(params):
    rule = rules.make("feedback_alignment", NET)
    feedback = rule.init(jax.random.key(5), params)
    direction, state = rule.update(feedback, params, jnp.asarray(X), jnp.asarray(Y), None)
    assert_matches(direction, hand_backprop(params, np.asarray(feedback[1])))
    assert state is feedback  # the feedback never changes
    assert not np.allclose(feedback[1], params[1]["w"])


def test_direct_feedback_alignment_broadcasts_the_output_error(params):
    rule = rules.make("direct_feedback_alignment", NET)
    (d,) = rule.init(jax.random.key(5), params)
    direction, _ = rule.update((d,), params, jnp.asarray(X), jnp.asarray(Y), None)
    a1, h1, a2 = hand_forward(params)
    e = hand_error(a2)
    assert_matches(direction, hand_grads(X, (e @ np.asarray(d)) * (1 - np.tanh(a1) ** 2), h1, e))


def test_sign_symmetry_feeds_back_scaled_signs(params):
    w2 = numpy_params(params)[1][0]
    direction, _ = run(rules.make("sign_symmetry", NET), params)
    assert_matches(direction, hand_backprop(params, np.sign(w2) * np.abs(w2).mean()))


def test_node_perturbation_estimate_by_hand(params):
    sigma = 0.05
    noise = [np.array([[0.03, -0.02, 0.01], [0.0, 0.04, -0.05]]), np.array([[0.02, -0.01], [-0.03, 0.06]])]
    estimate = node_perturbation_estimate(NET, params, jnp.asarray(X), jnp.asarray(Y), [jnp.asarray(n) for n in noise], sigma)
    _, h1, clean = hand_forward(params)
    _, _, noisy = hand_forward(params, noise)
    change = (hand_losses(noisy) - hand_losses(clean))[:, None] / sigma**2
    assert_matches(estimate, hand_grads(X, change * noise[0], h1, change * noise[1]))


def test_node_perturbation_rule_averages_its_draws(params):
    sigma, key = 0.01, jax.random.key(9)
    direction, _ = rules.make("node_perturbation", NET, sigma=sigma, n_samples=3).update(
        (), params, jnp.asarray(X), jnp.asarray(Y), key
    )
    draws = [
        node_perturbation_estimate(NET, params, jnp.asarray(X), jnp.asarray(Y), node_noise(NET, k, 2, sigma, jnp.float64), sigma)
        for k in jax.random.split(key, 3)
    ]
    mean = jax.tree.map(lambda *e: sum(e) / 3, *draws)
    assert_matches(direction, [(m["w"], m["b"]) for m in mean], rtol=1e-9)


def test_weight_perturbation_estimate_by_hand(params):
    sigma = 0.02
    noise = weight_noise(params, jax.random.key(1), sigma)
    estimate = weight_perturbation_estimate(NET, params, jnp.asarray(X), jnp.asarray(Y), noise, sigma)
    perturbed = jax.tree.map(jnp.add, params, noise)
    change = hand_losses(hand_forward(perturbed)[2]).mean() - hand_losses(hand_forward(params)[2]).mean()
    assert_matches(estimate, [(change * n["w"] / sigma**2, change * n["b"] / sigma**2) for n in noise])
    direction, _ = rules.make("weight_perturbation", NET, sigma=sigma).update((), params, jnp.asarray(X), jnp.asarray(Y), jax.random.key(4))
    alone = weight_perturbation_estimate(NET, params, jnp.asarray(X), jnp.asarray(Y), weight_noise(params, jax.random.split(jax.random.key(4), 1)[0], sigma), sigma)
    assert_matches(direction, [(a["w"], a["b"]) for a in alone])


def test_oja_single_unit_is_y_times_x_minus_y_w():
    w = np.array([[0.3], [-0.2], [0.5]])
    x = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 0.25]])
    dw = np.mean([(xi @ w) * (xi[:, None] - (xi @ w) * w) for xi in x], axis=0)
    np.testing.assert_allclose(oja_direction(jnp.asarray(w), jnp.asarray(x)), -dw, rtol=1e-12)


def test_oja_rule_hidden_hebbian_readout_delta_rule(params):
    direction, _ = run(rules.make("oja", NET), params)
    (w1, _), _ = numpy_params(params)
    _, h1, a2 = hand_forward(params)
    y = X @ w1  # Oja acts on the linear drive of the hidden units
    dw1 = (X.T @ y - w1 @ (y.T @ y)) / len(X)
    e = hand_error(a2)
    assert_matches(direction, [(-dw1, np.zeros(3)), (h1.T @ e / 2, e.mean(0))])
    assert not rules.make("oja", NET).supervised


def test_three_factor_by_hand(params):
    sigma, baseline = 0.1, 0.25
    noise = np.array([[0.05, -0.1, 0.02], [-0.03, 0.08, 0.12]])
    choice = np.array([1, 1])  # first correct (reward 1), second wrong (reward 0)
    direction, reward = three_factor_direction(
        NET, params, jnp.asarray(X), jnp.asarray(Y), [jnp.asarray(noise)], jnp.asarray(choice), baseline, sigma
    )
    np.testing.assert_array_equal(reward, [1.0, 0.0])
    _, h1, a2 = hand_forward(params, (noise, 0.0))
    rpe = (np.array([1.0, 0.0]) - baseline)[:, None]
    post1 = noise / sigma**2
    post2 = np.eye(2)[choice] - softmax(a2)
    expected = [(-X.T @ (rpe * post1) / 2, -(rpe * post1).mean(0)), (-h1.T @ (rpe * post2) / 2, -(rpe * post2).mean(0))]
    assert_matches(direction, expected)


def test_three_factor_baseline_tracks_reward(params):
    rule = rules.make("three_factor", NET, baseline_rate=0.5)
    _, baseline = rule.update(rule.init(None, params), params, jnp.asarray(X), jnp.asarray(Y), jax.random.key(2))
    assert float(baseline) in (0.0, 0.25, 0.5)  # half-way from 0 to the batch's mean reward (0, 1/2 or 1)


def hand_predictive_coding(params, nudge, variance, n_steps, step_size):
    (w1, b1), (w2, b2) = numpy_params(params)
    a1, _, a2 = hand_forward(params)
    out = a2 - nudge * hand_error(a2)
    v1 = a1.copy()
    for _ in range(n_steps):
        e1 = v1 - (X @ w1 + b1)
        e2 = (out - (np.tanh(v1) @ w2 + b2)) / variance
        v1 = v1 - step_size * (e1 - (1 - np.tanh(v1) ** 2) * (e2 @ w2.T))
    e1 = v1 - (X @ w1 + b1)
    e2 = (out - (np.tanh(v1) @ w2 + b2)) / variance
    scale = -variance / (nudge * len(X))
    return [(scale * X.T @ e1, scale * e1.sum(0)), (scale * np.tanh(v1).T @ e2, scale * e2.sum(0))]


def test_predictive_coding_by_hand(params):
    direction, _ = run(rules.make("predictive_coding", NET, nudge=0.1, output_variance=3.0, n_steps=3, step_size=0.3), params)
    assert_matches(direction, hand_predictive_coding(params, 0.1, 3.0, 3, 0.3), rtol=1e-9)


def test_predictive_coding_equilibrium_approaches_backprop(params):
    expected = hand_backprop(params, numpy_params(params)[1][0])
    flat_expected = np.concatenate([np.ravel(a) for pair in expected for a in pair])

    def relative_error(variance):
        direction, _ = run(rules.make("predictive_coding", NET, nudge=1e-3, output_variance=variance, n_steps=200), params)
        flat = np.concatenate([np.ravel(leaf) for layer in direction for leaf in (layer["w"], layer["b"])])
        return np.linalg.norm(flat - flat_expected) / np.linalg.norm(flat_expected)

    # the discrepancy is O(1 / output_variance): below 3% at 100, and 10x smaller at 1000
    errors = [relative_error(v) for v in (100.0, 1000.0)]
    assert errors[0] < 0.03 and errors[1] < 0.2 * errors[0]
    values, weighted = relax(NET, params, jnp.asarray(X), jnp.asarray(Y), nudge=1e-3, output_variance=100.0, n_steps=5, step_size=0.2)
    assert len(values) == len(weighted) == 2


def test_every_registered_rule_returns_a_params_shaped_direction(params):
    for name in rules.RULE_NAMES:
        direction, _ = run(rules.make(name, NET), params)
        assert jax.tree.structure(direction) == jax.tree.structure(params), name
        assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(direction)), name


@pytest.mark.parametrize(
    "name, network, options, message",
    [
        ("backprp", NET, {}, "unknown learning rule 'backprp' .*did you mean 'backprop'.*valid: backprop"),
        ("oja", MLP((4, 2)), {}, "rule 'oja' cannot train MLP 4-2 .*no hidden layer"),
        ("direct_feedback_alignment", MLP((4, 2)), {}, "cannot train MLP 4-2"),
        ("shallow", MLP((4, 2)), {}, "only the readout"),
        ("three_factor", MLP((4, 3, 2), loss="mse"), {}, "loss 'mse'.*needs loss 'cross_entropy'"),
        ("feedback_alignment", object(), {}, "cannot train a object.*needs an MLP"),
        ("node_perturbation", NET, {"n_samples": 0}, "n_samples must be a positive integer"),
        ("predictive_coding", NET, {"step_size": 2.0}, "step_size in \\(0, 1\\)"),
    ],
)
def test_rules_that_cannot_apply_say_why(name, network, options, message):
    with pytest.raises(CognaxError, match=message):
        rules.make(name, network, **options)


@pytest.mark.parametrize("sizes, activation, loss, message", [
    ((4,), "tanh", "mse", "at least two positive integers"),
    ((4, 0, 2), "tanh", "mse", "at least two positive integers"),
    ((4, 2), "tahn", "mse", "unknown activation 'tahn'"),
    ((4, 2), "tanh", "hinge", "unknown loss 'hinge'"),
])
def test_bad_networks(sizes, activation, loss, message):
    with pytest.raises(CognaxError, match=message):
        MLP(sizes, activation=activation, loss=loss)
