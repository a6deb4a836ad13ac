"""Feedback alignment, direct feedback alignment and sign symmetry.

Backpropagation sends the output error back through the transposes of the forward weights,
which a brain's separate feedback pathway would have to mirror exactly (the "weight
transport problem"). These rules replace the transposes:

- feedback alignment (FA; Lillicrap, Cownden, Tweed & Akerman 2016, Nat Commun 7:13276):
  fixed random matrices ``B_l`` carry the error back layer by layer,
  ``delta_{l-1} = (delta_l B_l^T) * f'(a_{l-1})``; the forward weights come to align with
  ``B`` so that the updates point downhill;
- direct feedback alignment (DFA; Nøkland 2016, NeurIPS): the output error reaches every
  hidden layer directly through its own fixed random matrix, ``delta_l = (e D_l) * f'(a_l)``;
- sign symmetry (Liao, Leibo & Poggio 2016, AAAI): the feedback shares only the signs of the
  forward weights, ``B_l = sign(W_l)``, scaled here by the layer's mean ``|W_l|`` so that the
  backward signal keeps backprop's magnitude.

Each ends with the local update ``dW_l = h_{l-1}^T delta_l``.
"""

from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp

from cognax.circuits.networks import MLP, Forward, weight_gradients
from cognax.circuits.rules.base import LearningRule, no_state, require_hidden_layers, require_mlp


def layerwise_deltas(network: MLP, forward: Forward, output_error, feedback: Sequence) -> list:
    """Per-layer errors sent back through ``feedback[l]`` (shaped like ``W_l``) in place of ``W_l``.

    With ``feedback[l] = W_l`` this is backpropagation; ``feedback[0]`` is never used.
    """
    deltas = [output_error]
    for layer in range(network.n_layers - 1, 0, -1):
        deltas.insert(0, (deltas[0] @ feedback[layer].T) * network.phi_prime(forward.pre[layer - 1]))
    return deltas


def _per_example_error(network: MLP, forward: Forward, targets):
    return network.output_error(forward.output, targets)


def feedback_alignment(network: MLP, feedback_scale: float = 1.0) -> LearningRule:
    """Feedback alignment: the error travels back through fixed random matrices.

    Args:
        network: the MLP.
        feedback_scale: the feedback matrices are ``N(0, feedback_scale^2 / n_in)``, the
            forward weights' own initial scaling.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from cognax.circuits import MLP
        >>> net = MLP((3, 4, 2)); params = net.init(jax.random.key(0))
        >>> rule = feedback_alignment(net); state = rule.init(jax.random.key(1), params)
        >>> [b.shape for b in state]
        [(3, 4), (4, 2)]
    """
    require_mlp("feedback_alignment", network)
    require_hidden_layers("feedback_alignment", network, "it replaces the backward weights into hidden layers")

    def init(key, params):
        keys = jax.random.split(key, len(params))
        return tuple(
            feedback_scale * jax.random.normal(k, p["w"].shape, p["w"].dtype) / jnp.sqrt(p["w"].shape[0])
            for k, p in zip(keys, params)
        )

    def update(feedback, params, inputs, targets, key):
        forward = network.forward(params, inputs)
        deltas = layerwise_deltas(network, forward, _per_example_error(network, forward, targets), feedback)
        return weight_gradients(forward, deltas), feedback

    return LearningRule("feedback_alignment", init, update)


def direct_feedback_alignment(network: MLP, feedback_scale: float = 1.0) -> LearningRule:
    """Direct feedback alignment: the output error goes straight to each hidden layer.

    The matrix for hidden layer ``l`` is ``(n_out, n_l)``, drawn ``N(0, feedback_scale^2 / n_out)``.
    """
    require_mlp("direct_feedback_alignment", network)
    require_hidden_layers("direct_feedback_alignment", network, "it broadcasts the output error to hidden layers")
    n_out = network.sizes[-1]

    def init(key, params):
        keys = jax.random.split(key, network.n_hidden_layers)
        return tuple(
            feedback_scale * jax.random.normal(k, (n_out, n), params[0]["w"].dtype) / jnp.sqrt(n_out)
            for k, n in zip(keys, network.sizes[1:-1])
        )

    def update(feedback, params, inputs, targets, key):
        forward = network.forward(params, inputs)
        error = _per_example_error(network, forward, targets)
        deltas = [(error @ d) * network.phi_prime(a) for d, a in zip(feedback, forward.pre[:-1])]
        return weight_gradients(forward, deltas + [error]), feedback

    return LearningRule("direct_feedback_alignment", init, update)


def sign_symmetry(network: MLP) -> LearningRule:
    """Sign symmetry: feedback ``sign(W_l) * mean|W_l|``, recomputed from the current weights."""
    require_mlp("sign_symmetry", network)
    require_hidden_layers("sign_symmetry", network, "it replaces the backward weights into hidden layers")

    def update(state, params, inputs, targets, key):
        forward = network.forward(params, inputs)
        feedback = [jnp.sign(p["w"]) * jnp.mean(jnp.abs(p["w"])) for p in params]
        deltas = layerwise_deltas(network, forward, _per_example_error(network, forward, targets), feedback)
        return weight_gradients(forward, deltas), state

    return LearningRule("sign_symmetry", no_state, update)
