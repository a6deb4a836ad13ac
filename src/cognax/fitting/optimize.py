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

#: After a rejected step the next one is this much shorter; after an accepted one, this
#: much longer (up to the full Newton step).
STEP_SHRINK = 0.25
#: A problem whose step fell below this fraction of the Newton step without improving stops.
MIN_STEP = 1 / 300
#: After a jump to the bounds is rejected at iteration ``c``, the next comes no earlier than
#: iteration ``JUMP_BACKOFF * c + 1``: a coordinate that cannot reach its bound alone (an
#: inverse temperature on a ridge with a learning rate) stops wasting every other pass.
JUMP_BACKOFF = 2

#: A problem stops when an iteration lowers the objective by less than this, relative to
#: ``1 + |f|``: SciPy's L-BFGS-B default (``factr`` 1e7 times machine epsilon). On flat
#: ridges (a learning rate going to 0 while the inverse temperature grows) a stricter
#: tolerance buys nothing but dozens of iterations that each gain ~1e-7.
FTOL = 2.2e-9

#: A coordinate past this |u| that the Newton step pushes further out is heading for a
#: bound; a jump proposal puts it there at once (see :func:`newton_step`).
BOUND_JUMP_FROM = 4.0
#: ... and whose part of the Newton step is at least this share of the largest part: a
#: coordinate that only trails along a valley (a learning rate sliding with an inverse
#: temperature) is not jumped, which would be rejected and waste the pass.
DRIFT_SHARE = 0.1


def safe_objective(objective: Callable) -> Callable:
    """``objective`` evaluated inside the box, with non-finite values replaced by 1e10."""

    def safe(u, *args):
        value = objective(jnp.clip(u, -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT), *args)
        return jnp.where(jnp.isfinite(value), value, 1e10)

    return safe


class NewtonState(NamedTuple):
    u: jax.Array
    value: jax.Array  # objective at u (inf before the first evaluation)
    grad_norm: jax.Array  # at u (inf before the first evaluation)
    count: jax.Array
    stalled: jax.Array
    #: the Hessian at u is positive definite and a full Newton step predicts a gain below ``ftol``
    settled: jax.Array
    #: gradient and Hessian at u: the next step, and at the end the standard errors
    grad: jax.Array
    hessian: jax.Array
    #: saddle-free Newton direction at u (zeros before the first evaluation)
    direction: jax.Array
    #: fraction of the Newton step the next proposal takes
    step: jax.Array
    #: no jump to the bounds is proposed before this iteration
    jump_after: jax.Array

    def final_gradient(self):
        """The gradient at ``u`` (held exactly: the last pass evaluated it there)."""
        return self.grad


def newton_init(u0) -> NewtonState:
    """A fresh problem at ``u0`` (nothing evaluated yet: the first step does it)."""
    u0 = jnp.asarray(u0, dtype=float)
    n = u0.shape[0]
    return NewtonState(
        u0, jnp.asarray(jnp.inf), jnp.asarray(jnp.inf), jnp.asarray(0, jnp.int32), jnp.asarray(False),
        jnp.asarray(False), jnp.zeros(n), jnp.zeros((n, n)), jnp.zeros(n), jnp.asarray(1.0), jnp.asarray(0, jnp.int32),
    )


@jax.custom_batching.custom_vmap
def symmetric_eigen(matrix):
    """``jnp.linalg.eigh`` of one matrix; vmapped, one LAPACK call per matrix in a loop.

    LAPACK's batched kernel spreads a large batch over XLA's intra-op thread pool and
    waits for it; when two devices (the cores :func:`cognax.devices.use_cpu_cores`
    exposes) do that at once, each can wait for threads the other holds, forever (seen
    with 2 cores, 1,024 lanes and 5 parameters). A batch of one runs inline, and for the
    few parameters of a cognitive model the loop costs microseconds per lane.
    """
    return tuple(jnp.linalg.eigh(matrix))


@symmetric_eigen.def_vmap
def _symmetric_eigen_batched(axis_size, in_batched, matrices):
    if not in_batched[0]:
        return tuple(jnp.linalg.eigh(matrices)), (False, False)
    return jax.lax.map(symmetric_eigen, matrices), (True, True)


def newton_direction(grad, hessian, max_step: float):
    """Saddle-free Newton direction: eigenvalues of the Hessian flipped and floored
    (Dauphin et al. 2014), so that it always descends; at most ``max_step`` long.

    Also returns the decrease a full step predicts on the quadratic model,
    ``g' |H|^-1 g / 2`` (half the squared Newton decrement), and whether ``H`` is
    positive definite (then the prediction is that of the plain Newton step).
    """
    hessian = 0.5 * (hessian + hessian.T)
    eigenvalues, eigenvectors = symmetric_eigen(hessian)
    positive = jnp.all(eigenvalues > 0)
    eigenvalues = jnp.maximum(jnp.abs(eigenvalues), 1e-6 * (1.0 + jnp.max(jnp.abs(eigenvalues))))
    projected = eigenvectors.T @ grad
    direction = -eigenvectors @ (projected / eigenvalues)
    predicted_decrease = 0.5 * jnp.sum(projected**2 / eigenvalues)
    norm = jnp.linalg.norm(direction)
    return direction * jnp.minimum(1.0, max_step / jnp.maximum(norm, 1e-12)), predicted_decrease, positive


#: Up to this many parameters the Hessian pass runs forward mode over forward mode;
#: beyond, forward over reverse (see :func:`value_gradient_hessian`).
FORWARD_HESSIAN_MAX_PARAMS = 3


def value_gradient_hessian(function: Callable, u):
    """Hessian, gradient and value of a scalar ``function`` at ``u``, in one pass.

    For a few parameters, forward mode twice carries all second derivatives through the
    likelihood's scan with no reverse-mode tape over the trials. Against forward over
    reverse, with 3 parameters a fit compiled 0.4 s faster and ran as fast or a little
    faster (``q_learning_persev``, 500 trials); with 4 it ran 1.8x slower
    (``model_based``), so more parameters keep forward over reverse.
    """

    def value_twice(v):
        value = function(v)
        return value, value

    def gradient_with_value(v):
        if u.shape[0] <= FORWARD_HESSIAN_MAX_PARAMS:
            grad, value = jax.jacfwd(value_twice, has_aux=True)(v)
        else:
            value, grad = jax.value_and_grad(function)(v)
        return grad, (grad, value)

    hessian, (grad, value) = jax.jacfwd(gradient_with_value, has_aux=True)(u)
    return hessian, grad, value


def newton_step(safe, state: NewtonState, *args, ftol: float = FTOL, max_step: float = 5.0) -> NewtonState:
    """One saddle-free Newton iteration that costs exactly one pass for the derivatives.

    The step is proposed from the gradient and exact autodiff Hessian already held at
    ``u``; one pass (:func:`value_gradient_hessian`) then gives the objective, gradient
    and Hessian at the proposal. If the objective fell, the proposal is taken and its derivatives
    serve the next step; if not, the next proposal is ``STEP_SHRINK`` times shorter
    (backtracking spread over iterations, so that no pass goes to a line search).
    Likelihoods of learning models are long sequential scans, so passes over the data,
    not arithmetic, set the time. A coordinate drifting towards a bound of a logistic
    transform is proposed straight at the bound: in the unconstrained space a bound is
    infinitely far away, and Newton steps alone would creep there a few units at a time.

    A problem stops (``stalled``) when an accepted step gained less than ``ftol``
    relative to ``1 + |f|`` (SciPy's test) or the step shrank below ``MIN_STEP``. It is
    ``settled`` when, at a positive-definite Hessian, the next full Newton step predicts
    a gain that small (the Newton-decrement stop, Boyd & Vandenberghe 2004, sec. 9.5):
    near the optimum the quadratic model is exact to the precision that matters, so the
    pass that would only confirm it is saved (see :func:`newton_done`).
    """
    u = state.u
    evaluated = jnp.isfinite(state.value)
    outward = jnp.sign(u) * state.direction
    drifting = (jnp.abs(u) > BOUND_JUMP_FROM) & (outward > DRIFT_SHARE * jnp.max(jnp.abs(state.direction)))
    jump = evaluated & jnp.any(drifting) & (state.count >= state.jump_after) & (state.step == 1.0)
    proposal = jnp.where(jump & drifting, jnp.sign(u) * UNCONSTRAINED_LIMIT, u + state.step * state.direction)
    proposal = jnp.clip(jnp.where(evaluated, proposal, u), -UNCONSTRAINED_LIMIT, UNCONSTRAINED_LIMIT)

    hessian, grad, value = value_gradient_hessian(lambda v: safe(v, *args), proposal)
    grad = jnp.where(jnp.isfinite(grad), grad, 0.0)
    hessian = jnp.where(jnp.isfinite(hessian), hessian, 0.0)
    accept = value < state.value
    keep = lambda new, old: jnp.where(accept, new, old)
    grad, hessian, value = keep(grad, state.grad), keep(hessian, state.hessian), keep(value, state.value)
    direction, predicted_decrease, positive = newton_direction(grad, hessian, max_step)
    step = jnp.where(accept, jnp.minimum(1.0, state.step / STEP_SHRINK),
                     jnp.where(jump, state.step, state.step * STEP_SHRINK))
    small = ftol * (1.0 + jnp.abs(value))
    stalled = jnp.where(accept, state.value - value < small, step < MIN_STEP)
    settled = positive & (predicted_decrease < small)
    return NewtonState(
        keep(proposal, u), value, jnp.linalg.norm(grad), state.count + 1, stalled, settled, grad, hessian, direction,
        step,
        jnp.where(jump & ~accept, JUMP_BACKOFF * state.count + 1, state.jump_after),
    )


#: A settled problem stops once its gradient norm is below this many times ``tol`` (the
#: gradient a fit still counts as converged, see :func:`cognax.fitting.mle.fit`).
SETTLED_TOL_FACTOR = 100


def newton_done(state: NewtonState, max_iter: int, tol: float):
    settled = state.settled & (state.grad_norm < SETTLED_TOL_FACTOR * tol)
    return (state.count >= max_iter) | (state.grad_norm < tol) | state.stalled | settled


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


def lbfgs_step(safe, state: LbfgsState, *args, ftol: float = FTOL) -> LbfgsState:
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

