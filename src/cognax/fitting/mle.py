"""Maximum-likelihood and MAP fits, vmapped over subjects x starts.

Every subject is fitted from ``n_starts`` starting points (the model's defaults plus
draws from its priors) with L-BFGS in the unconstrained space; the best start is kept.
Integer parameters (an RLWM capacity) are profiled: every value is fitted, the best kept.

Example:
    >>> result = fit(models.make("q_learning"), batch, jax.random.key(0), n_starts=10)
    >>> result.to_frame().head()
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from typing import Callable, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.fitting._lanes import solve_problems
from cognax.fitting.optimize import OPTIMIZERS
from cognax.models.base import Model, session_log_likelihood
from cognax.tasks.base import check_count

Method = Literal["mle", "map"]


@dataclasses.dataclass(frozen=True)
class FitResult:
    """Per-subject fitted parameters and fit statistics (arrays in subject order).

    Attributes:
        model: the model's registry id.
        method: ``"mle"`` or ``"map"``.
        subjects: subject labels.
        params: parameter name -> fitted values (discrete parameters included).
        standard_errors: parameter name -> Laplace standard errors on the natural scale
            (NaN where the Hessian is not positive definite; near a bound they describe
            only the local curvature and should be read with care).
        nll: negative log-likelihood of each subject's data at the fit.
        n_trials: number of trials that entered each fit.
        n_params: number of free parameters (a profiled integer counts once).
        converged: the optimiser met its gradient tolerance at a finite optimum.
        degenerate: the data cannot identify the model (fewer trials than parameters
            or a single repeated choice); the fit is still reported.
    """

    model: str
    method: str
    subjects: tuple
    params: dict[str, np.ndarray]
    standard_errors: dict[str, np.ndarray]
    nll: np.ndarray
    n_trials: np.ndarray
    n_params: int
    converged: np.ndarray
    degenerate: np.ndarray

    @property
    def aic(self) -> np.ndarray:
        return 2 * self.nll + 2 * self.n_params

    @property
    def bic(self) -> np.ndarray:
        return 2 * self.nll + self.n_params * np.log(np.maximum(self.n_trials, 1))

    def to_frame(self) -> pd.DataFrame:
        """``subject, model, <parameters>, nll, aic, bic, n_trials, converged, degenerate``."""
        frame = pd.DataFrame({"subject": list(self.subjects), "model": self.model})
        for name, values in self.params.items():
            frame[name] = values
        frame["nll"] = self.nll
        frame["aic"] = self.aic
        frame["bic"] = self.bic
        frame["n_trials"] = self.n_trials
        frame["converged"] = self.converged
        frame["degenerate"] = self.degenerate
        return frame


def enable_float64() -> None:
    """Fits run in float64 (DESIGN.md: users compare log-likelihoods to a few decimals)."""
    jax.config.update("jax_enable_x64", True)


def _decisions(batch, score_mask=None):
    from cognax import tasks

    task = tasks.make(batch.task)
    obs, actions, rewards = task.decisions(batch.columns)
    mask = task.trial_mask_to_decisions(batch.fit_mask)
    score = mask if score_mask is None else task.trial_mask_to_decisions(jnp.asarray(score_mask)) & mask
    return (obs, actions, rewards.astype(float), mask, score)


def _starts(model: Model, key, n_subjects: int, n_starts: int) -> np.ndarray:
    """Unconstrained starting points: the defaults, then draws from the priors.

    Drawn with NumPy from a generator seeded by ``key`` (the same key gives the same
    starts): JAX's Beta and Gamma samplers take seconds to compile, longer than many fits.
    """
    if not model.parameters:  # a model without free parameters
        return np.zeros((n_subjects, n_starts, 0))
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel().tolist())
    draws = {p.name: p.prior.sample_numpy(rng, (n_subjects, n_starts), p.low, p.high) for p in model.parameters}
    for name, value in model.default_params().items():
        if name in draws:
            draws[name][:, 0] = value
    return np.asarray(_unconstrain_function(model)(draws))


@functools.lru_cache(maxsize=64)
def _unconstrain_function(model: Model):
    return jax.jit(model.unconstrain)


@functools.lru_cache(maxsize=64)
def _log_prior_function(model: Model):
    return jax.jit(model.log_prior)


@functools.lru_cache(maxsize=64)
def _constrain_with_jacobian(model: Model):
    """Jitted ``u -> (params, d theta_i / d u_i)`` for stacked ``u`` (one compile, not one per
    eager operation: on a small fit those add up to a second)."""

    def constrain(u):
        jacobian = jnp.stack([jax.vmap(jax.grad(p.constrain))(u[:, i]) for i, p in enumerate(model.parameters)],
                             axis=1)
        return model.constrain(u), jacobian

    return jax.jit(constrain)


@functools.lru_cache(maxsize=64)
def _objective(model: Model, method: Method, n_actions: int):
    """``objective(u, fixed_values, subject_data)``: the NLL (minus the log prior for MAP)."""
    discrete = tuple(model.discrete_parameters)

    def objective(u, fixed_values, subject_data):
        obs, actions, rewards, mask, score = subject_data
        params = {**model.constrain(u), **dict(zip(discrete, fixed_values))}
        nll = -session_log_likelihood(model, params, obs, actions, rewards, mask, n_actions, score).sum()
        if method == "map":
            nll = nll - model.log_prior(params)
        return nll

    return objective


def _subject_data(subject, fixed_values, data):
    """Per-lane arguments: the lane's profiled values and its subject's rows of the data."""
    return fixed_values, jax.tree.map(lambda x: x[subject], data)


def _final(model, method, n_actions, with_standard_errors, u, fixed_values, data):
    """At each subject's best point: the NLL (without the prior), the gradient norm of the
    objective (forward mode: few parameters) and Laplace SEs."""
    objective = _objective(model, method, n_actions)
    mle_objective = _objective(model, "mle", n_actions)
    names = model.parameter_names

    def per_subject(u_subject, fixed_subject, subject_data):
        nll = mle_objective(u_subject, fixed_subject, subject_data)
        grad_norm = jnp.linalg.norm(jax.jacfwd(objective)(u_subject, fixed_subject, subject_data))
        if not with_standard_errors:
            return nll, grad_norm, jnp.full((len(names),), jnp.nan)
        theta = jnp.stack([model.constrain(u_subject)[n] for n in names])
        hessian = jax.hessian(lambda t: _nll_at(model, t, fixed_subject, subject_data, n_actions))(theta)
        eigenvalues = jnp.linalg.eigvalsh(hessian)
        positive = jnp.all(eigenvalues > 1e-8) & jnp.all(jnp.isfinite(hessian))
        covariance = jnp.linalg.inv(jnp.where(positive, hessian, jnp.eye(len(names))))
        return nll, grad_norm, jnp.where(positive, jnp.sqrt(jnp.abs(jnp.diag(covariance))), jnp.nan)

    return jax.vmap(per_subject)(u, fixed_values, data)


def _from_newton_state(model: Model, method: Method, state, with_standard_errors: bool):
    """NLL, gradient norm and Laplace SEs from the Newton solver's final state.

    The SEs use the delta method: with ``theta = constrain(u)``, the covariance of
    ``theta_i`` is ``J_i^2 (H_u^-1)_ii``, where ``H_u`` is the Hessian of the objective in
    the unconstrained space and ``J_i = d theta_i / d u_i`` — at a stationary point the
    same as inverting the natural-scale Hessian. For MAP fits they describe the
    posterior (the objective includes the prior).
    """
    nll = state.value
    natural, jacobian = _constrain_with_jacobian(model)(np.asarray(state.u))
    if method == "map":  # the objective is NLL - log prior
        nll = nll + np.asarray(_log_prior_function(model)(natural))
    grad_norm = np.linalg.norm(state.final_gradient(), axis=1)
    n = model.n_params
    if not with_standard_errors:
        return nll, grad_norm, np.full((len(nll), n), np.nan)
    jacobian = np.asarray(jacobian)
    hessian = np.where(np.isfinite(state.hessian), state.hessian, 0.0)
    eigenvalues = np.linalg.eigvalsh(hessian)
    positive = np.all(eigenvalues > 1e-8, axis=1) & np.all(np.isfinite(state.hessian), axis=(1, 2))
    covariance = np.linalg.inv(np.where(positive[:, None, None], hessian, np.eye(n)))
    se = np.abs(jacobian) * np.sqrt(np.abs(np.diagonal(covariance, axis1=1, axis2=2)))
    return nll, grad_norm, np.where(positive[:, None], se, np.nan)


def _nll_at(model, theta, fixed_values, subject_data, n_actions):
    """NLL as a function of the natural-scale parameters (for Laplace standard errors)."""
    obs, actions, rewards, mask, score = subject_data
    params = {**dict(zip(model.parameter_names, theta)), **dict(zip(model.discrete_parameters, fixed_values))}
    return -session_log_likelihood(model, params, obs, actions, rewards, mask, n_actions, score).sum()


def fit(
    model: Model,
    batch,
    key: jax.Array,
    n_starts: int = 10,
    method: Method = "mle",
    max_iter: int = 100,
    tol: float = 1e-5,
    optimizer: str = "newton",
    chunk_size: int = 256,
    score_mask=None,
    standard_errors: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> FitResult:
    """Fit ``model`` to every subject of ``batch`` by maximum likelihood (or MAP).

    Every (subject, start, profiled value) is one optimisation problem; problems run
    side by side in ``chunk_size`` lanes, and a lane whose problem has converged takes
    the next one (:mod:`cognax.fitting._lanes`). Each subject keeps its best problem.

    Args:
        model: the cognitive model; it must apply to ``batch.task``.
        batch: a :class:`~cognax.data.TrialBatch`.
        key: JAX key for the random starting points.
        n_starts: starting points per subject (the first is the model's defaults).
        method: ``"mle"`` or ``"map"`` (adds the log prior of the model's spec).
        max_iter, tol: iteration cap and gradient-norm tolerance.
        optimizer: ``"newton"`` (saddle-free Newton with exact autodiff Hessians, one
            pass over the data per iteration and backtracking across iterations; the
            default, fastest for few parameters) or ``"lbfgs"`` (Optax L-BFGS with a
            zoom line search).
        chunk_size: problems optimised side by side (one compile serves all). The
            default 256 is the fastest measured on CPU (``benchmarks/fit.py``): wider,
            the Hessian pass's working set outgrows the caches (``q_learning_persev``:
            1,024 lanes took twice as long per lane with the reverse-mode Hessian
            pass, and 512 were no faster with the forward-mode one).
        score_mask: ``[subject, trial]`` booleans: only these trials score (cross-validation).
        standard_errors: compute Laplace standard errors.
        progress: called as ``progress(done, total)`` as problems finish.
    """
    enable_float64()
    check_count("n_starts", n_starts)
    check_count("chunk_size", chunk_size)
    if optimizer not in OPTIMIZERS:
        raise CognaxError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}")
    if method not in ("mle", "map"):
        raise CognaxError(f"method must be 'mle' or 'map'; got {method!r}")
    model.check_task(batch.task)
    data = _decisions(batch, score_mask)
    n_subjects = batch.n_subjects
    discrete = model.discrete_parameters
    values = list(itertools.product(*discrete.values()))  # [()] when nothing is profiled
    combinations = np.array(values, dtype=float).reshape(len(values), len(discrete))
    n_combinations = len(combinations)

    u0 = _starts(model, key, n_subjects, n_starts)  # the same starts for every profiled value
    with_standard_errors = bool(standard_errors and model.n_params)
    if model.n_params == 0:  # nothing to optimise (a chance baseline): score the data
        u_best = np.zeros((n_subjects, 0))
        fixed_best = np.repeat(combinations[:1], n_subjects, axis=0)
    else:
        subject = np.tile(np.repeat(np.arange(n_subjects), n_starts), n_combinations)
        fixed = np.repeat(combinations, n_subjects * n_starts, axis=0)
        states = solve_problems(
            _objective(model, method, batch.n_actions),
            np.tile(u0.reshape(n_subjects * n_starts, -1), (n_combinations, 1)),
            (subject, fixed), (data,), optimizer=optimizer, max_iter=max_iter, tol=tol,
            lanes=chunk_size, prepare=_subject_data, progress=progress,
        )
        value = np.where(np.isfinite(states.value), states.value, np.inf)
        value = value.reshape(n_combinations, n_subjects, n_starts).transpose(1, 0, 2).reshape(n_subjects, -1)
        best = np.argmin(value, axis=1)  # over [combination x start]
        problem = (best // n_starts) * n_subjects * n_starts + np.arange(n_subjects) * n_starts + best % n_starts
        u_best, fixed_best = states.u[problem], fixed[problem]

    if optimizer == "newton" and model.n_params:
        # The solver's last gradient and Hessian describe the optimum: no further pass.
        state = jax.tree.map(lambda x: x[problem], states)
        nll, grad_norm, se = _from_newton_state(model, method, state, with_standard_errors)
    else:
        final = jax.jit(_final, static_argnums=(0, 1, 2, 3))
        chunk = min(chunk_size, n_subjects)
        parts = []
        for c in range(math.ceil(n_subjects / chunk)):
            index = np.arange(c * chunk, (c + 1) * chunk) % n_subjects  # pad the last chunk by wrapping
            outputs = final(model, method, batch.n_actions, with_standard_errors, jnp.asarray(u_best[index]),
                            jnp.asarray(fixed_best[index]), jax.tree.map(lambda x: x[index], data))
            parts.append([np.asarray(o)[: n_subjects - c * chunk] for o in outputs])
        nll, grad_norm, se = (np.concatenate(p) for p in zip(*parts))
    if model.n_params == 0 and progress is not None:
        progress(n_subjects, n_subjects)
    best = dict(
        u=u_best, nll=nll, grad_norm=grad_norm, se=se if with_standard_errors else None,
        combination={name: fixed_best[:, i] for i, name in enumerate(discrete)},
    )
    return _result(model, method, batch, best, tol, score_mask)


def _result(model, method, batch, best, tol, score_mask) -> FitResult:
    natural = _constrain_with_jacobian(model)(np.asarray(best["u"]))[0] if model.n_params else {}
    params = {name: np.asarray(natural[name]) for name in model.parameter_names}
    params.update(best["combination"])
    ses = {}
    for i, name in enumerate(model.parameter_names):
        ses[name] = best["se"][:, i] if best["se"] is not None else np.full(batch.n_subjects, np.nan)
    fit_mask = np.asarray(batch.fit_mask)
    if score_mask is not None:
        fit_mask = fit_mask & np.asarray(score_mask)
    n_trials = fit_mask.sum(axis=1)
    choices = np.where(fit_mask, np.asarray(batch.columns["choice"]), -1)
    n_distinct = np.array([len(set(row[row >= 0].tolist())) for row in choices])
    n_params = model.n_params + len(model.discrete_parameters)
    converged = np.isfinite(best["nll"]) & (best["grad_norm"] < max(tol * 100, 1e-3))
    return FitResult(
        model=model.name,
        method=method,
        subjects=batch.subjects,
        params=params,
        standard_errors=ses,
        nll=np.asarray(best["nll"]),
        n_trials=n_trials,
        n_params=n_params,
        converged=converged,
        degenerate=(n_trials <= n_params) | (n_distinct <= 1),
    )
