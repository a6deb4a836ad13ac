"""Backpropagation (the reference) and the "shallow" baseline that trains only the last layer.

Backpropagation of errors (Werbos 1974; Rumelhart, Hinton & Williams 1986, Nature 323:533)
gives the exact gradient of the loss; here it is JAX's autodiff. The shallow baseline is
Lillicrap et al.'s (2016, Nat Commun 7:13276) control: hidden layers stay at their random
initial weights and only the readout learns, so any rule that does better than it has
assigned useful credit to the hidden layers.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.circuits.networks import MLP
from cognax.circuits.rules.base import LearningRule, no_state, require_hidden_layers, require_mlp


def backprop(network: MLP) -> LearningRule:
    """Exact gradients of the mean loss by automatic differentiation.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from cognax.circuits import MLP
        >>> net = MLP((3, 4, 2)); params = net.init(jax.random.key(0))
        >>> rule = backprop(net)
        >>> grads, _ = rule.update(rule.init(None, params), params, jnp.ones((5, 3)), jnp.zeros(5, int), None)
        >>> grads[0]["w"].shape
        (3, 4)
    """
    require_mlp("backprop", network)
    gradient = jax.grad(network.loss_value)

    def update(state, params, inputs, targets, key):
        return gradient(params, inputs, targets), state

    return LearningRule("backprop", no_state, update)


def shallow(network: MLP) -> LearningRule:
    """Backpropagation on the last layer only; the hidden layers keep their random weights."""
    require_mlp("shallow", network)
    require_hidden_layers("shallow", network, "it trains only the readout on top of fixed random hidden layers")
    gradient = jax.grad(network.loss_value)

    def update(state, params, inputs, targets, key):
        grads = gradient(params, inputs, targets)
        frozen = tuple(jax.tree.map(jnp.zeros_like, layer) for layer in grads[:-1])
        return frozen + (grads[-1],), state

    return LearningRule("shallow", no_state, update)
