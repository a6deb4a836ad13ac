"""Gradients of per-subject sums by forward mode: one pass over the data, no stored tape.

A learning model's likelihood is a long ``lax.scan`` over trials with a handful of
parameters per subject. Reverse mode runs that scan forward storing every trial's
residuals, then runs it again backwards. Subjects are independent, so perturbing
parameter ``j`` of *every* subject at once is a single tangent direction: the ``k``
directions of forward mode (one per parameter) give the whole ``[subject, param]``
gradient in one forward scan that carries ``k`` tangents beside the values. With the few
parameters cognitive models have, that is the cheaper way (measured in
``benchmarks/hierarchical.py``; 1.6x faster gradients for ``bandit2arm_delta`` and
``gng_m4``).
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

#: Above this many parameters per subject, reverse mode is used instead.
MAX_FORWARD_PARAMS = 8


def sum_over_subjects(per_subject: Callable[[jax.Array, Any], jax.Array], n_params: int) -> Callable:
    """``(x, data) -> per_subject(x, data).sum()`` with its ``x``-gradient by forward mode.

    ``x`` is ``[subject, param]`` and ``per_subject(x, data)`` is ``[subject]``, where
    entry ``i`` depends on row ``i`` of ``x`` only. ``data`` (any pytree) gets no gradient.
    Models with more than :data:`MAX_FORWARD_PARAMS` parameters keep reverse mode.
    """
    if n_params > MAX_FORWARD_PARAMS:
        return lambda x, data: per_subject(x, data).sum()

    @jax.custom_vjp
    def total(x, data):
        return per_subject(x, data).sum()

    def forward(x, data):
        directions = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype)[:, None, :], (x.shape[-1], *x.shape))
        along = lambda direction: jax.jvp(lambda v: per_subject(v, data), (x,), (direction,))
        values, tangents = jax.vmap(along, out_axes=(None, 0))(directions)  # [subject], [param, subject]
        return values.sum(), tangents.T

    def backward(gradient, cotangent):
        return cotangent * gradient, None

    total.defvjp(forward, backward)
    return total
