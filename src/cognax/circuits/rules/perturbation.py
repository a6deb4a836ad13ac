"""Node perturbation and weight perturbation: gradients from noise and the change in loss.

Both rules need no backward pathway at all: inject small Gaussian noise, see how much the
loss (or reward) changes, and move along the noise in proportion (Williams 1992; Werfel,
Xie & Seung 2005, Neural Comput 17:2699; Fiete & Seung 2006, Phys Rev Lett 97:048104).
To first order in the noise ``xi ~ N(0, sigma^2)``,
``E[(L(xi) - L(0)) xi] / sigma^2 = dL/d(perturbed quantity)``, so the estimate is
unbiased for small ``sigma`` and its variance falls as ``1 / n_samples``.

- node perturbation perturbs every unit's pre-activation, per example; the estimate of
  ``dL/da_l`` then enters the local update ``h_{l-1}^T delta_l``. Its variance grows with
  the number of units.
- weight perturbation perturbs every parameter at once; its variance grows with the number
  of parameters (far more than units), which is why it learns more slowly.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.circuits.networks import MLP, Params, weight_gradients
from cognax.circuits.rules.base import LearningRule, no_state, require_mlp
from cognax.errors import CognaxError


def _check(rule: str, sigma: float, n_samples: int) -> None:
    if not sigma > 0:
        raise CognaxError(f"{rule}: sigma must be positive; got {sigma}")
    if not isinstance(n_samples, int) or n_samples < 1:
        raise CognaxError(f"{rule}: n_samples must be a positive integer; got {n_samples}")


def node_noise(network: MLP, key, batch: int, sigma: float, dtype) -> list:
    """One draw of pre-activation noise for every layer (``sigma`` times standard normals)."""
    keys = jax.random.split(key, network.n_layers)
    return [sigma * jax.random.normal(k, (batch, n), dtype) for k, n in zip(keys, network.sizes[1:])]


def node_perturbation_estimate(network: MLP, params: Params, inputs, targets, noise, sigma: float) -> Params:
    """One sample's estimate: ``delta_l = (L_i(xi) - L_i(0)) xi_l / sigma^2`` per example ``i``."""
    clean = network.forward(params, inputs)
    loss_clean = network.per_example_loss(clean.output, targets)
    loss_noisy = network.per_example_loss(network.forward(params, inputs, noise).output, targets)
    change = (loss_noisy - loss_clean)[:, None] / sigma**2
    return weight_gradients(clean, [change * xi for xi in noise])


def node_perturbation(network: MLP, sigma: float = 1e-2, n_samples: int = 1) -> LearningRule:
    """Node perturbation, averaged over ``n_samples`` independent noise draws per update.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from cognax.circuits import MLP
        >>> net = MLP((3, 4, 2)); params = net.init(jax.random.key(0))
        >>> rule = node_perturbation(net, n_samples=8)
        >>> g, _ = rule.update((), params, jnp.ones((5, 3)), jnp.zeros(5, int), jax.random.key(1))
        >>> g[1]["w"].shape
        (4, 2)
    """
    require_mlp("node_perturbation", network)
    _check("node_perturbation", sigma, n_samples)

    def update(state, params, inputs, targets, key):
        def one(sample_key):
            noise = node_noise(network, sample_key, inputs.shape[0], sigma, inputs.dtype)
            return node_perturbation_estimate(network, params, inputs, targets, noise, sigma)

        estimates = jax.vmap(one)(jax.random.split(key, n_samples))
        return jax.tree.map(lambda e: jnp.mean(e, axis=0), estimates), state

    return LearningRule("node_perturbation", no_state, update)


def weight_noise(params: Params, key, sigma: float) -> Params:
    """One draw of noise for every parameter."""
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(key, len(leaves))
    return jax.tree.unflatten(treedef, [sigma * jax.random.normal(k, x.shape, x.dtype) for k, x in zip(keys, leaves)])


def weight_perturbation_estimate(network: MLP, params: Params, inputs, targets, noise: Params, sigma: float) -> Params:
    """One sample's estimate: ``(L(theta + psi) - L(theta)) psi / sigma^2`` on the batch's mean loss."""
    perturbed = jax.tree.map(jnp.add, params, noise)
    change = network.loss_value(perturbed, inputs, targets) - network.loss_value(params, inputs, targets)
    return jax.tree.map(lambda psi: change * psi / sigma**2, noise)


def weight_perturbation(network: MLP, sigma: float = 1e-2, n_samples: int = 1) -> LearningRule:
    """Weight perturbation, averaged over ``n_samples`` independent noise draws per update."""
    require_mlp("weight_perturbation", network)
    _check("weight_perturbation", sigma, n_samples)

    def update(state, params, inputs, targets, key):
        def one(sample_key):
            return weight_perturbation_estimate(network, params, inputs, targets, weight_noise(params, sample_key, sigma), sigma)

        estimates = jax.vmap(one)(jax.random.split(key, n_samples))
        return jax.tree.map(lambda e: jnp.mean(e, axis=0), estimates), state

    return LearningRule("weight_perturbation", no_state, update)
