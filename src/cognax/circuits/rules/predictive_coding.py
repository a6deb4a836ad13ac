"""Predictive coding (Whittington & Bogacz 2017, Neural Comput 29:1229).

Each layer holds value nodes ``v_l`` (its pre-activations) and error nodes
``eps_l = v_l - mu_l``, where ``mu_l = f(v_{l-1}) W_l + b_l`` is the layer's prediction
from the one below (``f(v_0)`` is the input itself for the first layer). The energy is
``F = sum_l |eps_l|^2 / (2 Sigma_l)`` with error variance ``Sigma_l = 1`` in hidden layers
and ``Sigma_L = output_variance`` at the output.

1. Forward sweep: ``v_l = mu_l`` (all errors zero).
2. Nudge the output a little towards lower loss, ``v_L = mu_L - gamma dL/d mu_L``, and
   clamp it.
3. Inference: relax the hidden value nodes by gradient descent on ``F``,
   ``dv_l = -xi_l + f'(v_l) * (xi_{l+1} W_{l+1}^T)`` with ``xi_l = eps_l / Sigma_l`` — every
   term is local.
4. Learning: the local, Hebbian update ``dW_l = f(v_{l-1})^T xi_l``.

At equilibrium ``xi_l = f'(v_l) * (xi_{l+1} W_{l+1}^T)``: the precision-weighted errors obey
backpropagation's recursion. They equal ``-(gamma / Sigma_L)`` times backprop's errors when
the value nodes stay close to their feed-forward values: a small nudge, and an output
variance large next to the hidden ones, so that the hidden errors barely move the output's
prediction (the relative discrepancy is of order ``1 / output_variance``). The returned
direction is ``-(Sigma_L / gamma) dW_l`` divided by the batch size.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.circuits.networks import MLP
from cognax.circuits.rules.base import LearningRule, no_state, require_mlp
from cognax.errors import CognaxError


def relax(network: MLP, params, inputs, targets, *, nudge: float, output_variance: float, n_steps: int, step_size: float):
    """Run inference to (near) equilibrium.

    Returns:
        ``(values, weighted_errors)``: per layer, the value nodes ``v_l`` and the
        precision-weighted error nodes ``xi_l = eps_l / Sigma_l``.
    """
    precision = [1.0] * (network.n_layers - 1) + [1.0 / output_variance]

    def weighted_errors(values):
        below = [inputs] + [network.phi(v) for v in values[:-1]]
        return [pi * (v - (h @ p["w"] + p["b"])) for pi, v, h, p in zip(precision, values, below, params)]

    forward = network.forward(params, inputs)
    output = forward.output - nudge * network.output_error(forward.output, targets)

    def inference_step(hidden, _):
        errors = weighted_errors(list(hidden) + [output])
        new_hidden = [
            v - step_size * (errors[layer] - network.phi_prime(v) * (errors[layer + 1] @ params[layer + 1]["w"].T))
            for layer, v in enumerate(hidden)
        ]
        return new_hidden, None

    hidden, _ = jax.lax.scan(inference_step, list(forward.pre[:-1]), None, length=n_steps)
    values = list(hidden) + [output]
    return values, weighted_errors(values)


def predictive_coding(
    network: MLP, nudge: float = 1e-2, output_variance: float = 100.0, n_steps: int = 50, step_size: float = 0.2
) -> LearningRule:
    """Predictive coding: inference to equilibrium with a nudged output, then local updates.

    Args:
        network: the MLP.
        nudge: ``gamma``, how far the output is moved down the loss.
        output_variance: ``Sigma_L``, the output error variance relative to the hidden ones.
        n_steps: inference steps before the weights change.
        step_size: step size of the inference dynamics (stable below 1).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from cognax.circuits import MLP
        >>> net = MLP((3, 4, 2)); params = net.init(jax.random.key(0))
        >>> rule = predictive_coding(net)
        >>> g, _ = rule.update((), params, jnp.ones((5, 3)), jnp.zeros(5, int), None)
        >>> g[0]["w"].shape
        (3, 4)
    """
    require_mlp("predictive_coding", network)
    if not nudge > 0 or not output_variance > 0 or not 0 < step_size < 1 or not isinstance(n_steps, int) or n_steps < 1:
        raise CognaxError(
            "predictive_coding: nudge and output_variance must be > 0, step_size in (0, 1), n_steps a positive "
            f"integer; got {nudge}, {output_variance}, {step_size}, {n_steps}"
        )

    def update(state, params, inputs, targets, key):
        values, errors = relax(network, params, inputs, targets, nudge=nudge, output_variance=output_variance,
                               n_steps=n_steps, step_size=step_size)
        below = [inputs] + [network.phi(v) for v in values[:-1]]
        scale = -output_variance / (nudge * inputs.shape[0])
        direction = tuple({"w": scale * (h.T @ e), "b": scale * jnp.sum(e, axis=0)} for h, e in zip(below, errors))
        return direction, state

    return LearningRule("predictive_coding", no_state, update)
