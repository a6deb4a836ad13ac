"""A uniformly random policy: the chance baseline, valid on every task."""

from __future__ import annotations

import jax.numpy as jnp

from cognax.models.base import Model
from cognax.tasks.base import Reference


class RandomPolicy(Model):
    """Chooses every action with equal probability; no parameters, no learning."""

    name = "random"
    description = "uniformly random choices (chance baseline)"
    reference = Reference("chance baseline")
    tasks = None
    parameters = ()

    def init_latent(self, params, n_actions):
        return jnp.zeros((n_actions,))

    def log_policy(self, params, latent, obs):
        return latent

    def update(self, params, latent, obs, action, reward):
        return latent
