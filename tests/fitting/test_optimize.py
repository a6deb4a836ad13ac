"""The per-problem Newton optimiser: derivatives, stopping rules and jumps to the bounds."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax.fitting import optimize
from cognax.fitting.optimize import (
    FTOL,
    UNCONSTRAINED_LIMIT,
    newton_done,
    newton_init,
    newton_step,
    safe_objective,
    value_gradient_hessian,
)


@pytest.fixture(autouse=True)
def float64():
    with jax.enable_x64(True):
        yield


def scanned(u):
    """A sequential, likelihood-like function of ``u`` (a scan over 50 'trials')."""
    weights = jnp.linspace(0.5, 1.5, u.shape[0])

    def trial(carry, t):
        carry = 0.9 * carry + jnp.tanh(weights @ u + 0.1 * t)
        return carry, jnp.log1p(jnp.exp(carry - u @ u / 7.0))

    return jax.lax.scan(trial, 0.0, jnp.arange(50.0))[1].sum()


@pytest.mark.parametrize("n", [2, optimize.FORWARD_HESSIAN_MAX_PARAMS, 5])
def test_value_gradient_hessian_match_jax(n):
    """Forward over forward (few parameters) and forward over reverse give JAX's derivatives."""
    u = jnp.linspace(-0.7, 0.9, n)
    hessian, grad, value = jax.jit(lambda v: value_gradient_hessian(scanned, v))(u)
    np.testing.assert_allclose(value, scanned(u), rtol=1e-12)
    np.testing.assert_allclose(grad, jax.grad(scanned)(u), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hessian, jax.hessian(scanned)(u), rtol=1e-10, atol=1e-12)


def run_newton(objective, u0, max_iter=100, tol=1e-5):
    safe = safe_objective(objective)
    step = jax.jit(lambda state: newton_step(safe, state))
    state = newton_init(jnp.asarray(u0, dtype=float))
    while not newton_done(state, max_iter, tol):
        state = step(state)
    return state


def smooth_bowl(u):
    """Convex, not quadratic: minimum 0 at u = (1, -2, 0.5)."""
    d = u - jnp.asarray([1.0, -2.0, 0.5])
    return jnp.sum(jnp.cosh(d) - 1.0) + 0.3 * jnp.sum(d[:2] ** 2) * (1 + d[2] ** 2) + 200.0


def test_settled_problem_stops_one_pass_early_at_the_optimum(monkeypatch):
    """Where the quadratic model predicts a gain below ftol, the confirming pass is skipped."""
    tol = 1e-9  # so that the gradient test alone would take one more pass
    state = run_newton(smooth_bowl, [3.0, 1.0, -2.0], tol=tol)
    assert bool(state.settled) and tol < float(state.grad_norm) < 100 * tol
    np.testing.assert_allclose(state.u, [1.0, -2.0, 0.5], atol=1e-3)
    assert float(state.value) - 200.0 < FTOL * 201.0
    monkeypatch.setattr(optimize, "SETTLED_TOL_FACTOR", 0.0)  # only the gradient and ftol tests
    slower = run_newton(smooth_bowl, [3.0, 1.0, -2.0], tol=tol)
    assert int(slower.count) > int(state.count)
    assert float(slower.value) <= float(state.value) <= float(slower.value) + FTOL * 201.0


def test_coordinate_heading_for_a_bound_jumps_there():
    """A logistic bound is infinitely far in the unconstrained space: it is reached by a jump."""

    def toward_bound(u):  # decreasing in u[0] for ever; u[1] has an interior optimum
        return -jax.nn.log_sigmoid(u[0]) * 50.0 + (u[1] - 1.0) ** 2

    state = run_newton(toward_bound, [0.0, 0.0])
    assert float(state.u[0]) == UNCONSTRAINED_LIMIT
    np.testing.assert_allclose(float(state.u[1]), 1.0, atol=1e-6)
    assert int(state.count) < 15
