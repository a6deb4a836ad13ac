"""Batched L-BFGS (Optax) in the unconstrained space: one problem per subject x start."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

#: Unconstrained values are kept in this box so that logistic and exp transforms stay
#: finite and differentiable; at |u| = 30 a logistic bound is reached to 1e-13.
UNCONSTRAINED_LIMIT = 30.0


def minimize_lbfgs(objective, u0, max_iter: int = 200, tol: float = 1e-6, ftol: float = 1e-10):
    """Minimise ``objective(u)`` from ``u0`` with L-BFGS and a zoom line search.

    Returns ``(u, value, gradient_norm, iterations)``. Stops when the gradient norm falls
    below ``tol``, when an iteration improves the value by less than
    ``ftol * (1 + |value|)``, or after ``max_iter`` iterations. Written for one problem;
    under vmap every lane runs until the slowest stops, so the stagnation test matters.
    """

    def safe(u):
        value = objective(jnp.clip(u, -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT))
        return jnp.where(jnp.isfinite(value), value, 1e10)

    solver = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(safe)

    def step(carry):
        u, state, _, _ = carry
        value, grad = value_and_grad(u, state=state)
        grad = jnp.where(jnp.isfinite(grad), grad, 0.0)
        updates, state = solver.update(grad, state, u, value=value, grad=grad, value_fn=safe)
        u = jnp.clip(optax.apply_updates(u, updates), -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT)
        new_value = optax.tree.get(state, "value")
        stalled = jnp.abs(value - new_value) < ftol * (1.0 + jnp.abs(new_value))
        return u, state, optax.tree.get(state, "count"), stalled

    def keep_going(carry):
        _, state, count, stalled = carry
        grad = optax.tree.get(state, "grad")
        small = optax.tree.norm(grad) < tol
        return (count == 0) | ((count < max_iter) & ~small & ~stalled)

    state = solver.init(u0)
    start = (u0, state, jnp.asarray(0, dtype=jnp.int32), jnp.asarray(False))
    u, state, count, _ = jax.lax.while_loop(keep_going, step, start)
    value, grad = jax.value_and_grad(safe)(u)
    return u, value, optax.tree.norm(grad), count


#: Step sizes tried in parallel along each Newton direction (one vectorised evaluation).
STEP_SIZES = 0.5 ** jnp.arange(10)


def minimize_newton(objective, u0, max_iter: int = 50, tol: float = 1e-6, ftol: float = 1e-10, max_step: float = 5.0):
    """Minimise ``objective(u)`` with a saddle-free Newton method for few parameters.

    Each iteration computes the exact Hessian by autodiff, flips and floors its
    eigenvalues so the direction always descends (Dauphin et al. 2014), and evaluates
    all step sizes ``1, 1/2, ..., 1/512`` at once, keeping the best. Likelihoods of
    learning models are long sequential scans, so the number of passes over the data,
    not the arithmetic, sets the time: this needs far fewer passes than L-BFGS with a
    sequential line search. Returns ``(u, value, gradient_norm, iterations)``.
    """

    def safe(u):
        value = objective(jnp.clip(u, -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT))
        return jnp.where(jnp.isfinite(value), value, 1e10)

    value_and_grad = jax.value_and_grad(safe)

    def step(carry):
        u, value, _, count, _ = carry
        gradient_twice = lambda v: (jax.grad(safe)(v), jax.grad(safe)(v))
        hessian, grad = jax.jacfwd(gradient_twice, has_aux=True)(u)
        grad = jnp.where(jnp.isfinite(grad), grad, 0.0)
        hessian = jnp.where(jnp.isfinite(hessian), hessian, 0.0)
        eigenvalues, eigenvectors = jnp.linalg.eigh(0.5 * (hessian + hessian.T))
        eigenvalues = jnp.maximum(jnp.abs(eigenvalues), 1e-6 * (1.0 + jnp.max(jnp.abs(eigenvalues))))
        direction = -eigenvectors @ ((eigenvectors.T @ grad) / eigenvalues)
        norm = jnp.linalg.norm(direction)
        direction = direction * jnp.minimum(1.0, max_step / jnp.maximum(norm, 1e-12))
        candidates = jnp.clip(u + STEP_SIZES[:, None] * direction, -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT)
        values = jax.vmap(safe)(candidates)
        best = jnp.argmin(values)
        improved = values[best] < value
        new_u = jnp.where(improved, candidates[best], u)
        new_value = jnp.where(improved, values[best], value)
        stalled = ~improved | (value - new_value < ftol * (1.0 + jnp.abs(new_value)))
        return new_u, new_value, jnp.linalg.norm(grad), count + 1, stalled

    def keep_going(carry):
        _, _, grad_norm, count, stalled = carry
        return (count < max_iter) & (grad_norm >= tol) & ~stalled

    value0 = safe(u0)
    start = (u0, value0, jnp.asarray(jnp.inf, dtype=value0.dtype), jnp.asarray(0, dtype=jnp.int32), jnp.asarray(False))
    u, value, _, count, _ = jax.lax.while_loop(keep_going, step, start)
    value, grad = value_and_grad(u)
    return u, value, jnp.linalg.norm(grad), count
