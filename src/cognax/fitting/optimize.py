"""Optimisers for many small problems at once, written as ``(init, step, done)`` per problem.

Each optimiser works on one problem in the unconstrained space; :mod:`cognax.fitting._lanes`
vmaps it over many problems and refills finished lanes with waiting problems, so a few
slow problems never hold the others back.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

#: Unconstrained values are kept in this box so that logistic and exp transforms stay
#: finite and differentiable; at |u| = 30 a logistic bound is reached to 1e-13.
UNCONSTRAINED_LIMIT = 30.0

#: Step sizes tried in parallel along each Newton direction (one vectorised evaluation).
STEP_SIZES = np.asarray([1.0, 0.5, 0.25, 0.125, 1 / 32, 1 / 256])

#: A coordinate past this |u| that the Newton step pushes further out is heading for a
#: bound; one extra candidate puts it there at once (see :func:`newton_step`).
BOUND_JUMP_FROM = 4.0


def safe_objective(objective: Callable) -> Callable:
    """``objective`` evaluated inside the box, with non-finite values replaced by 1e10."""

    def safe(u, *args):
        value = objective(jnp.clip(u, -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT), *args)
        return jnp.where(jnp.isfinite(value), value, 1e10)

    return safe


class NewtonState(NamedTuple):
    u: jax.Array
    value: jax.Array  # objective at u (inf before the first step)
    grad_norm: jax.Array  # at the u the last step started from (inf before the first step)
    count: jax.Array
    stalled: jax.Array
    #: gradient and Hessian where the last step started, and that step: together they give
    #: the gradient and curvature at the final u without another pass over the data.
    grad: jax.Array
    hessian: jax.Array
    move: jax.Array

    def final_gradient(self):
        """The gradient at ``u``, from the last evaluation and step (exact for a quadratic).

        Works on one problem or on stacked problems (leading axes), in JAX or NumPy.
        """
        return self.grad + (self.hessian @ self.move[..., None])[..., 0]


def newton_init(u0) -> NewtonState:
    """A fresh problem at ``u0`` (nothing evaluated yet: the first step does it)."""
    u0 = jnp.asarray(u0, dtype=float)
    n = u0.shape[0]
    return NewtonState(
        u0, jnp.asarray(jnp.inf), jnp.asarray(jnp.inf), jnp.asarray(0, jnp.int32), jnp.asarray(False),
        jnp.zeros(n), jnp.zeros((n, n)), jnp.zeros(n),
    )


def newton_step(safe, state: NewtonState, *args, ftol: float = 1e-10, max_step: float = 5.0) -> NewtonState:
    """One saddle-free Newton iteration with a parallel line search.

    The exact Hessian comes from autodiff; its eigenvalues are flipped and floored so the
    direction always descends (Dauphin et al. 2014). All step sizes in
    :data:`STEP_SIZES` are evaluated at once (likelihoods of learning models are long
    sequential scans, so passes over the data, not arithmetic, set the time), plus one
    candidate that moves coordinates drifting towards a bound of a logistic transform
    straight to it — in the unconstrained space a bound is infinitely far away, and
    Newton steps alone would creep there one unit per iteration.
    """
    u = state.u
    value_and_grad = jax.value_and_grad(safe)

    def gradient_with_value(v):
        value, grad = value_and_grad(v, *args)
        return grad, (grad, value)

    hessian, (grad, value) = jax.jacfwd(gradient_with_value, has_aux=True)(u)
    grad = jnp.where(jnp.isfinite(grad), grad, 0.0)
    hessian = jnp.where(jnp.isfinite(hessian), hessian, 0.0)
    hessian = 0.5 * (hessian + hessian.T)
    eigenvalues, eigenvectors = jnp.linalg.eigh(hessian)
    eigenvalues = jnp.maximum(jnp.abs(eigenvalues), 1e-6 * (1.0 + jnp.max(jnp.abs(eigenvalues))))
    direction = -eigenvectors @ ((eigenvectors.T @ grad) / eigenvalues)
    norm = jnp.linalg.norm(direction)
    direction = direction * jnp.minimum(1.0, max_step / jnp.maximum(norm, 1e-12))
    drifting = (jnp.abs(u) > BOUND_JUMP_FROM) & (u * direction > 0)
    to_bound = jnp.where(drifting, jnp.sign(u) * UNCONSTRAINED_LIMIT, u + direction)
    candidates = jnp.concatenate([u + STEP_SIZES[:, None] * direction, to_bound[None]])
    candidates = jnp.clip(candidates, -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT)
    values = jax.vmap(lambda c: safe(c, *args))(candidates)
    best = jnp.argmin(values)
    improved = values[best] < value
    new_u = jnp.where(improved, candidates[best], u)
    new_value = jnp.where(improved, values[best], value)
    stalled = ~improved | (value - new_value < ftol * (1.0 + jnp.abs(new_value)))
    return NewtonState(
        new_u, new_value, jnp.linalg.norm(grad), state.count + 1, stalled, grad, hessian, new_u - u
    )


def newton_done(state: NewtonState, max_iter: int, tol: float):
    return (state.count >= max_iter) | (state.grad_norm < tol) | state.stalled


class LbfgsState(NamedTuple):
    u: jax.Array
    opt_state: optax.OptState
    count: jax.Array
    stalled: jax.Array

    @property
    def value(self):
        return optax.tree.get(self.opt_state, "value")

    @property
    def grad_norm(self):
        return optax.tree.norm(optax.tree.get(self.opt_state, "grad"))


def lbfgs_init(u0) -> LbfgsState:
    u0 = jnp.asarray(u0, dtype=float)
    return LbfgsState(u0, optax.lbfgs().init(u0), jnp.asarray(0, jnp.int32), jnp.asarray(False))


def lbfgs_step(safe, state: LbfgsState, *args, ftol: float = 1e-10) -> LbfgsState:
    """One Optax L-BFGS iteration with its zoom line search."""
    solver = optax.lbfgs()
    fn = lambda v: safe(v, *args)
    value, grad = optax.value_and_grad_from_state(fn)(state.u, state=state.opt_state)
    grad = jnp.where(jnp.isfinite(grad), grad, 0.0)
    updates, opt_state = solver.update(grad, state.opt_state, state.u, value=value, grad=grad, value_fn=fn)
    u = jnp.clip(optax.apply_updates(state.u, updates), -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT)
    new_value = optax.tree.get(opt_state, "value")
    stalled = jnp.abs(value - new_value) < ftol * (1.0 + jnp.abs(new_value))
    return LbfgsState(u, opt_state, state.count + 1, stalled)


def lbfgs_done(state: LbfgsState, max_iter: int, tol: float):
    small = optax.tree.norm(optax.tree.get(state.opt_state, "grad")) < tol
    return (state.count > 0) & ((state.count >= max_iter) | small | state.stalled)


class Optimizer(NamedTuple):
    """A per-problem optimiser: ``init(u0)``, ``step(safe, state, *args)``, ``done(state, max_iter, tol)``."""

    init: Callable
    step: Callable
    done: Callable


OPTIMIZERS = {
    "newton": Optimizer(newton_init, newton_step, newton_done),
    "lbfgs": Optimizer(lbfgs_init, lbfgs_step, lbfgs_done),
}

