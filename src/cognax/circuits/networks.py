"""Layered feed-forward networks as plain pytrees, with the quantities learning rules need.

A learning rule other than backpropagation needs the forward pass's intermediate values
(pre-activations, activations, the output error), not just a loss. :class:`MLP` exposes
them: ``forward`` returns every layer's pre-activation ``a_l = h_{l-1} W_l + b_l`` and
activation ``h_l = f(a_l)``; the last layer is linear (logits or a regression output).

Parameters are a tuple of ``{"w": (n_in, n_out), "b": (n_out,)}`` dicts, one per layer, so
every rule returns an update of the same structure and any Optax optimiser applies it.

Example:
    >>> import jax
    >>> net = MLP((64, 32, 10))
    >>> params = net.init(jax.random.key(0))
    >>> net.output(params, jax.numpy.zeros((5, 64))).shape
    (5, 10)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from cognax.errors import CognaxError, unknown_name

Params = tuple[dict[str, Array], ...]

#: activation name -> (function, derivative as a function of the pre-activation).
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "tanh": (jnp.tanh, lambda a: 1.0 - jnp.tanh(a) ** 2),
    "relu": (jax.nn.relu, lambda a: (a > 0).astype(a.dtype)),
    "sigmoid": (jax.nn.sigmoid, lambda a: jax.nn.sigmoid(a) * (1.0 - jax.nn.sigmoid(a))),
    "linear": (lambda a: a, jnp.ones_like),
}
LOSSES = ("cross_entropy", "mse")


class Forward(NamedTuple):
    """A forward pass: ``pre[l]`` and ``post[l]`` for layers ``l = 0..L-1``; ``inputs`` is ``h_0``.

    ``post[-1]`` equals ``pre[-1]``: the output layer is linear.
    """

    inputs: Array
    pre: tuple[Array, ...]
    post: tuple[Array, ...]

    @property
    def output(self) -> Array:
        return self.pre[-1]

    def layer_input(self, layer: int) -> Array:
        """``h_{l-1}``, the activity that feeds layer ``layer``."""
        return self.inputs if layer == 0 else self.post[layer - 1]


@dataclass(frozen=True)
class MLP:
    """A multilayer perceptron with a linear output layer.

    Args:
        sizes: units per layer, input first: ``(n_in, hidden..., n_out)``; at least two.
        activation: hidden-unit nonlinearity, one of :data:`ACTIVATIONS`.
        loss: ``"cross_entropy"`` (integer class targets, softmax output) or ``"mse"``
            (real-valued targets, half squared error summed over outputs).
        weight_scale: weights start as ``N(0, weight_scale^2 / n_in)`` (LeCun's scaling).
    """

    sizes: tuple[int, ...]
    activation: str = "tanh"
    loss: str = "cross_entropy"
    weight_scale: float = 1.0

    def __post_init__(self):
        sizes = tuple(self.sizes)
        if len(sizes) < 2 or any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in sizes):
            raise CognaxError(f"network sizes must be at least two positive integers (inputs, ..., outputs); got {sizes}")
        object.__setattr__(self, "sizes", sizes)
        if self.activation not in ACTIVATIONS:
            raise unknown_name("activation", self.activation, ACTIVATIONS)
        if self.loss not in LOSSES:
            raise unknown_name("loss", self.loss, LOSSES)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_hidden_layers(self) -> int:
        return self.n_layers - 1

    def describe(self) -> str:
        return f"MLP {'-'.join(map(str, self.sizes))} ({self.activation})"

    def init(self, key: Array, dtype=None) -> Params:
        """Random weights (LeCun-normal times ``weight_scale``) and zero biases."""
        dtype = dtype or jnp.zeros(()).dtype
        keys = jax.random.split(key, self.n_layers)
        return tuple(
            {
                "w": self.weight_scale * jax.random.normal(k, (n_in, n_out), dtype) / jnp.sqrt(n_in),
                "b": jnp.zeros((n_out,), dtype),
            }
            for k, n_in, n_out in zip(keys, self.sizes[:-1], self.sizes[1:])
        )

    def phi(self, a: Array) -> Array:
        return ACTIVATIONS[self.activation][0](a)

    def phi_prime(self, a: Array) -> Array:
        return ACTIVATIONS[self.activation][1](a)

    def forward(self, params: Params, inputs: Float[Array, "batch n_in"], noise: Sequence[Array] | None = None) -> Forward:
        """The forward pass; ``noise[l]`` (if given) is added to layer ``l``'s pre-activation."""
        pre, post = [], []
        h = inputs
        for layer, p in enumerate(params):
            a = h @ p["w"] + p["b"]
            if noise is not None:
                a = a + noise[layer]
            h = a if layer == self.n_layers - 1 else self.phi(a)
            pre.append(a)
            post.append(h)
        return Forward(inputs, tuple(pre), tuple(post))

    def output(self, params: Params, inputs: Array) -> Array:
        return self.forward(params, inputs).output

    def per_example_loss(self, outputs: Array, targets: Array) -> Float[Array, " batch"]:
        if self.loss == "cross_entropy":
            log_p = jax.nn.log_softmax(outputs, axis=-1)
            return -jnp.take_along_axis(log_p, targets[:, None].astype(jnp.int32), axis=-1)[:, 0]
        return 0.5 * jnp.sum((outputs - targets) ** 2, axis=-1)

    def loss_value(self, params: Params, inputs: Array, targets: Array) -> Array:
        """The mean loss over the batch (what backpropagation differentiates)."""
        return jnp.mean(self.per_example_loss(self.output(params, inputs), targets))

    def output_error(self, outputs: Array, targets: Array) -> Float[Array, "batch n_out"]:
        """``dL_i/d output_i`` per example: ``softmax - onehot`` or ``output - target``."""
        if self.loss == "cross_entropy":
            return jax.nn.softmax(outputs, axis=-1) - jax.nn.one_hot(targets, self.sizes[-1], dtype=outputs.dtype)
        return outputs - targets

    def accuracy(self, params: Params, inputs: Array, labels: Array) -> Array:
        return jnp.mean(jnp.argmax(self.output(params, inputs), axis=-1) == labels)


def weight_gradients(forward: Forward, deltas: Sequence[Array]) -> Params:
    """Mean-over-batch ``dL/dW_l = h_{l-1}^T delta_l / batch`` and ``dL/db_l`` from per-layer deltas.

    Every rule that assigns credit through per-unit error signals (backprop, FA, DFA, sign
    symmetry, node perturbation) ends with this local, Hebbian-shaped product.
    """
    batch = forward.inputs.shape[0]
    return tuple(
        {"w": forward.layer_input(layer).T @ delta / batch, "b": jnp.sum(delta, axis=0) / batch}
        for layer, delta in enumerate(deltas)
    )


def zeros_like_params(params: Params) -> Params:
    return jax.tree.map(jnp.zeros_like, params)
