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
import itertools
import math
from typing import Callable, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.errors import CognaxError
from cognax.fitting.optimize import minimize_lbfgs, minimize_newton
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


def _starts(model: Model, key, n_subjects: int, n_starts: int):
    """Unconstrained starting points: the defaults, then draws from the priors."""
    defaults = model.unconstrain(model.default_params())
    draws = []
    for parameter, parameter_key in zip(model.parameters, jax.random.split(key, max(model.n_params, 1))):
        values = parameter.prior.sample(parameter_key, (n_subjects, n_starts), parameter.low, parameter.high)
        draws.append(parameter.unconstrain(values))
    if not draws:  # a model without free parameters
        return jnp.zeros((n_subjects, n_starts, 0))
    u0 = jnp.stack(draws, axis=-1)
    return u0.at[:, 0, :].set(defaults)


OPTIMIZERS = {"newton": minimize_newton, "lbfgs": minimize_lbfgs}


def _fit_chunk(model, method, fixed, n_actions, max_iter, tol, optimizer, u0, data):
    """Best of the starts for each subject of a chunk; jitted once per shape."""

    def objective(u, subject_data):
        obs, actions, rewards, mask, score = subject_data
        params = {**model.constrain(u), **fixed}
        nll = -session_log_likelihood(model, params, obs, actions, rewards, mask, n_actions, score).sum()
        if method == "map":
            nll = nll - model.log_prior(params)
        return nll

    def per_subject(u0_subject, subject_data):
        if model.n_params == 0:  # nothing to optimise (a chance baseline): score the data
            u_best = jnp.zeros((0,))
            value = objective(u_best, subject_data)  # no parameters, no prior: value is the NLL
            return u_best, value, value, jnp.zeros_like(value)
        minimize = OPTIMIZERS[optimizer]
        solve = lambda start: minimize(lambda u: objective(u, subject_data), start, max_iter, tol)
        u, value, grad_norm, _ = jax.vmap(solve)(u0_subject)
        best = jnp.argmin(jnp.where(jnp.isfinite(value), value, jnp.inf))
        u_best = u[best]
        obs, actions, rewards, mask, score = subject_data
        params = {**model.constrain(u_best), **fixed}
        nll = -session_log_likelihood(model, params, obs, actions, rewards, mask, n_actions, score).sum()
        return u_best, value[best], nll, grad_norm[best]

    return jax.vmap(per_subject)(u0, data)


def _standard_errors(model, fixed, n_actions, u, data):
    """Laplace standard errors on the natural scale from the Hessian of the NLL."""
    names = model.parameter_names

    def nll_natural(theta, subject_data):
        obs, actions, rewards, mask, score = subject_data
        params = {**dict(zip(names, theta)), **fixed}
        return -session_log_likelihood(model, params, obs, actions, rewards, mask, n_actions, score).sum()

    def per_subject(u_subject, subject_data):
        theta = jnp.stack([model.constrain(u_subject)[n] for n in names])
        hessian = jax.hessian(nll_natural)(theta, subject_data)
        eigenvalues = jnp.linalg.eigvalsh(hessian)
        positive = jnp.all(eigenvalues > 1e-8) & jnp.all(jnp.isfinite(hessian))
        covariance = jnp.linalg.inv(jnp.where(positive, hessian, jnp.eye(len(names))))
        return jnp.where(positive, jnp.sqrt(jnp.abs(jnp.diag(covariance))), jnp.nan)

    return jax.vmap(per_subject)(u, data)


def fit(
    model: Model,
    batch,
    key: jax.Array,
    n_starts: int = 10,
    method: Method = "mle",
    max_iter: int = 100,
    tol: float = 1e-5,
    optimizer: str = "newton",
    chunk_size: int = 512,
    score_mask=None,
    standard_errors: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> FitResult:
    """Fit ``model`` to every subject of ``batch`` by maximum likelihood (or MAP).

    Args:
        model: the cognitive model; it must apply to ``batch.task``.
        batch: a :class:`~cognax.data.TrialBatch`.
        key: JAX key for the random starting points.
        n_starts: starting points per subject (the first is the model's defaults).
        method: ``"mle"`` or ``"map"`` (adds the log prior of the model's spec).
        max_iter, tol: iteration cap and gradient-norm tolerance.
        optimizer: ``"newton"`` (saddle-free Newton with exact autodiff Hessians and a
            parallel line search; the default, fastest for few parameters) or
            ``"lbfgs"`` (Optax L-BFGS with a zoom line search).
        chunk_size: subjects fitted at once (bounds memory; one compile serves all chunks).
        score_mask: ``[subject, trial]`` booleans: only these trials score (cross-validation).
        standard_errors: compute Laplace standard errors.
        progress: called as ``progress(done, total)`` after each chunk.
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
    chunk = min(chunk_size, n_subjects)
    n_chunks = math.ceil(n_subjects / chunk)
    discrete = model.discrete_parameters
    combinations = [dict(zip(discrete, values)) for values in itertools.product(*discrete.values())] or [{}]
    total = n_chunks * len(combinations)
    fit_chunk = jax.jit(_fit_chunk, static_argnums=(0, 1, 3, 4, 5, 6))
    se_chunk = jax.jit(_standard_errors, static_argnums=(0, 2))

    u0_all = _starts(model, key, n_subjects, n_starts)  # the same starts for every profiled value
    best = None
    done = 0
    for combination in combinations:
        fixed = {name: jnp.asarray(float(value)) for name, value in combination.items()}
        parts = []
        for c in range(n_chunks):
            index = np.arange(c * chunk, (c + 1) * chunk) % n_subjects  # pad the last chunk by wrapping
            chunk_data = jax.tree.map(lambda x: x[index], data)
            u, objective, nll, grad_norm = fit_chunk(
                model, method, fixed, batch.n_actions, max_iter, tol, optimizer, u0_all[index], chunk_data
            )
            se = se_chunk(model, fixed, batch.n_actions, u, chunk_data) if standard_errors and model.n_params else None
            keep = slice(0, n_subjects - c * chunk)
            parts.append((u[keep], objective[keep], nll[keep], grad_norm[keep], None if se is None else se[keep]))
            done += 1
            if progress is not None:
                progress(done, total)
        u = np.concatenate([np.asarray(p[0]) for p in parts])
        objective = np.concatenate([np.asarray(p[1]) for p in parts])
        nll = np.concatenate([np.asarray(p[2]) for p in parts])
        grad_norm = np.concatenate([np.asarray(p[3]) for p in parts])
        se = None if parts[0][4] is None else np.concatenate([np.asarray(p[4]) for p in parts])
        candidate = dict(u=u, objective=objective, nll=nll, grad_norm=grad_norm, se=se, combination=combination)
        if best is None:
            best = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in candidate.items()}
            best["combination"] = {name: np.full(n_subjects, value, dtype=float) for name, value in combination.items()}
        else:
            better = candidate["objective"] < best["objective"]
            for name in ("u", "objective", "nll", "grad_norm"):
                best[name][better] = candidate[name][better]
            if se is not None:
                best["se"][better] = se[better]
            for name, value in combination.items():
                best["combination"][name][better] = value
    return _result(model, method, batch, best, tol, score_mask)


def _result(model, method, batch, best, tol, score_mask) -> FitResult:
    natural = model.constrain(jnp.asarray(best["u"]))
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
