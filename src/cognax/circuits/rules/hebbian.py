"""Hebbian rules: Oja's normalised Hebbian learning and a reward-modulated three-factor rule.

- Oja (1982, J Math Biol 15:267): ``dw = y (x - y w)`` with ``y = w . x``. The Hebbian term
  ``y x`` grows the weights along the input's dominant direction; the decay ``-y^2 w`` keeps
  ``|w| -> 1``, so ``w`` converges to the first principal component. For several units the
  subspace rule ``dW = x y^T - W y y^T`` (Oja 1989) finds the principal subspace. The rule
  uses no labels: in a network it trains the hidden layers, and the readout learns by the
  delta rule (the local product of its input and the output error).
- Three-factor rule (Frémaux & Gerstner 2016, Front Neural Circuits 9:85; the REINFORCE
  form of Williams 1992): each synapse keeps a Hebbian eligibility trace, presynaptic
  activity times the deviation of the postsynaptic unit from its mean (noise injected into
  hidden units; the sampled choice minus its probability at the output), and changes by that
  trace times a global third factor, the reward-prediction error ``r - r_bar``. The reward is
  1 for a correct choice; ``r_bar`` is a running average of reward (the rule's state).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.circuits.networks import MLP
from cognax.circuits.rules.base import LearningRule, no_state, require_hidden_layers, require_loss, require_mlp
from cognax.errors import CognaxError


def oja_direction(weights, inputs):
    """Oja's subspace rule in gradient convention, averaged over the batch.

    Args:
        weights: ``(n_in, n_units)``; one column per unit.
        inputs: ``(batch, n_in)``.

    Returns:
        ``-(x^T y - W y^T y) / batch`` with ``y = x W``; ``-direction`` is Oja's ``dW``.
    """
    outputs = inputs @ weights
    batch = inputs.shape[0]
    return -(inputs.T @ outputs - weights @ (outputs.T @ outputs)) / batch


def oja(network: MLP) -> LearningRule:
    """Oja's subspace rule in every hidden layer (on its linear drive), the delta rule at the readout."""
    require_mlp("oja", network)
    require_hidden_layers("oja", network, "it learns hidden features from the inputs alone and needs a hidden layer to do so")

    def update(state, params, inputs, targets, key):
        forward = network.forward(params, inputs)
        hidden = tuple(
            {"w": oja_direction(p["w"], forward.layer_input(layer)), "b": jnp.zeros_like(p["b"])}
            for layer, p in enumerate(params[:-1])
        )
        error = network.output_error(forward.output, targets)
        readout_input = forward.layer_input(network.n_layers - 1)
        readout = {"w": readout_input.T @ error / inputs.shape[0], "b": jnp.mean(error, axis=0)}
        return hidden + (readout,), state

    return LearningRule("oja", no_state, update, supervised=False)


def three_factor_direction(network: MLP, params, inputs, targets, noise, choice, baseline, sigma: float):
    """The three-factor update for given hidden-unit noise and sampled choices.

    Returns:
        ``(direction, reward)``: ``direction_l = -mean_i (r_i - baseline) pre_{l,i} post_{l,i}^T``
        where ``post`` is ``noise / sigma^2`` in hidden layers and ``onehot(choice) - softmax``
        at the output; ``reward`` is 1 where the choice equals the target.
    """
    batch = inputs.shape[0]
    forward = network.forward(params, inputs, list(noise) + [jnp.zeros((batch, network.sizes[-1]), inputs.dtype)])
    reward = (choice == targets).astype(inputs.dtype)
    rpe = reward - baseline
    # postsynaptic deviation from the unit's expected activity, per example
    deviations = [xi / sigma**2 for xi in noise]
    deviations.append(jax.nn.one_hot(choice, network.sizes[-1], dtype=inputs.dtype) - jax.nn.softmax(forward.output))
    # ascending reward = descending -reward: the direction is -(rpe x eligibility)
    direction = tuple(
        {
            "w": -forward.layer_input(layer).T @ (rpe[:, None] * post) / batch,
            "b": -jnp.mean(rpe[:, None] * post, axis=0),
        }
        for layer, post in enumerate(deviations)
    )
    return direction, reward


def three_factor(network: MLP, sigma: float = 0.1, baseline_rate: float = 0.05) -> LearningRule:
    """Reward-modulated Hebbian learning: eligibility trace x (reward - running mean reward).

    Args:
        network: an MLP with loss ``cross_entropy`` (its softmax is the choice policy).
        sigma: standard deviation of the noise in hidden units' drive.
        baseline_rate: step size of the running mean reward.
    """
    require_mlp("three_factor", network)
    require_loss("three_factor", network, "cross_entropy", "its reward is whether a sampled choice is correct")
    if not sigma > 0 or not 0 < baseline_rate <= 1:
        raise CognaxError(f"three_factor: sigma must be > 0 and baseline_rate in (0, 1]; got {sigma}, {baseline_rate}")

    def init(key, params):
        return jnp.zeros((), params[0]["w"].dtype)

    def update(baseline, params, inputs, targets, key):
        batch = inputs.shape[0]
        noise_key, choice_key = jax.random.split(key)
        keys = jax.random.split(noise_key, network.n_hidden_layers)
        noise = [sigma * jax.random.normal(k, (batch, n), inputs.dtype) for k, n in zip(keys, network.sizes[1:-1])]
        noisy_logits = network.forward(params, inputs, noise + [jnp.zeros((batch, network.sizes[-1]), inputs.dtype)]).output
        choice = jax.random.categorical(choice_key, noisy_logits)
        direction, reward = three_factor_direction(network, params, inputs, targets, noise, choice, baseline, sigma)
        return direction, baseline + baseline_rate * (jnp.mean(reward) - baseline)

    return LearningRule("three_factor", init, update)
