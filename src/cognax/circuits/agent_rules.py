"""Circuits learning rules on the agents' learning-rule axis (:mod:`cognax.agents.learning_rules`).

The agents' interface hands a rule the whole roll-out and loss as one opaque function of the
parameters, ``loss_fn(params) -> (loss, aux)``. A rule that needs only the loss's value at
perturbed parameters fits it exactly: weight perturbation (registered here as
``"weight_perturbation"``). Rules that need each unit's activity or a different backward
pathway — feedback alignment (random matrices in place of ``W^T`` inside the recurrent
core and heads) and node perturbation (noise injected into every unit at every step) — do
not: the opaque function exposes neither. They live in the agent itself instead:
:mod:`cognax.circuits.agent_feedback_alignment` and
:mod:`cognax.circuits.agent_node_perturbation`.

For a policy-gradient objective (A2C, REINFORCE) the loss is a surrogate: only its gradient
means something, not the change of its value under a perturbation. The rule therefore
scores a perturbation by the change in reward (``aux[1]["reward_per_trial"]``, negated)
when the roll-out reports it, and by the change in loss otherwise. The perturbed roll-outs
reuse the unperturbed one's random keys (the closure fixes them), so actions and task
outcomes differ only where the parameters change them: common random numbers, which is
what keeps the estimate's variance manageable (as in evolution strategies, Salimans et al.
2017).

Reference: Williams RJ (1992). Simple statistical gradient-following algorithms for
connectionist reinforcement learning. Mach Learn 8:229. Werfel J, Xie X, Seung HS (2005).
Learning curves for stochastic gradient descent in linear feedforward networks. Neural
Comput 17:2699.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from cognax.circuits.rules.perturbation import weight_noise
from cognax.errors import CognaxError


def _score(output) -> jax.Array:
    loss, aux = output
    try:
        return -aux[1]["reward_per_trial"]
    except (TypeError, KeyError, IndexError):
        return loss


class AgentWeightPerturbation:
    """Weight perturbation for agents: ``mean_k (S(theta + psi_k) - S(theta)) psi_k / sigma^2``.

    ``S`` is minus the reward per trial where the roll-out reports it, else the loss (see the
    module docs); ``psi_k ~ N(0, sigma^2)`` on every trainable array.

    Args:
        sigma: noise standard deviation.
        n_samples: perturbations per update (evaluated in parallel with ``vmap``).
    """

    name = "weight_perturbation"

    def __init__(self, sigma: float = 0.1, n_samples: int = 32):
        if not sigma > 0 or not isinstance(n_samples, int) or n_samples < 1:
            raise CognaxError(f"weight_perturbation: sigma must be > 0 and n_samples a positive integer; got {sigma}, {n_samples}")
        self.sigma, self.n_samples = sigma, n_samples

    def init(self, key, params):
        return None

    def direction(self, loss_fn, params, state, key):
        clean = loss_fn(params)
        baseline = _score(clean)

        def one(sample_key):
            noise = weight_noise(params, sample_key, self.sigma)
            change = _score(loss_fn(jax.tree.map(jnp.add, params, noise))) - baseline
            return jax.tree.map(lambda psi: change * psi / self.sigma**2, noise)

        estimates = jax.vmap(one)(jax.random.split(key, self.n_samples))
        return jax.tree.map(lambda e: jnp.mean(e, axis=0), estimates), clean[1], state

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (other.sigma, other.n_samples) == (self.sigma, self.n_samples)

    def __hash__(self) -> int:
        return hash((type(self), self.sigma, self.n_samples))


def register(registry) -> None:
    """Add the circuits rules that fit the agents' interface to their registry (idempotent)."""
    if AgentWeightPerturbation.name not in registry:
        registry.register(AgentWeightPerturbation.name, AgentWeightPerturbation)


def _register_on_import() -> None:
    # cognax.agents.learning_rules imports this module once its registry exists; importing
    # this module first works too (the registry is then complete before either is used)
    from cognax.agents.learning_rules import registry

    register(registry)


_register_on_import()
