"""Hierarchical Bayesian fits (NumPyro NUTS or SVI) of any registered model.

The hierarchy is hBayesDM's (Ahn, Haines & Zhang 2017), built from the model's
parameter spec: on the unconstrained scale each subject's parameter is
``x[i, k] = mu_pr[k] + sigma[k] * z[i, k]`` with ``z ~ Normal(0, 1)`` (non-centred, which
spares NUTS the funnel between ``sigma`` and the subject values), and reaches the model
through the parameter's own transform (:meth:`Parameter.constrain`). The likelihood is
the model's own vmapped :func:`~cognax.models.trial_log_likelihood`. The reported group
value of a parameter is ``constrain(mu_pr)`` (hBayesDM's ``mu_<name>``). Priors default
to ``mu_pr ~ Normal(0, 1)``, ``sigma ~ HalfNormal(0.2)``, or the model's
``hierarchical_priors`` where it declares them.

NUTS chains run in parallel when JAX has a device per chain (the CLI shows every CPU
core to JAX as a device; in Python call :func:`cognax.devices.use_cpu_cores` before any
JAX computation), else vectorised in one device.

Example:
    >>> result = fit_hierarchical(models.make("q_learning"), batch, jax.random.key(0))
    >>> result.group_summary()          # doctest: +SKIP

References: Ahn WY, Haines N, Zhang L (2017). Revealing neurocomputational mechanisms of
reinforcement learning and decision-making with the hBayesDM package. Comput Psychiatry
1:24-57. Hoffman MD, Gelman A (2014). The No-U-Turn sampler. JMLR 15:1593-1623.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path
from typing import Any, Callable, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from cognax.errors import CognaxError, unknown_name
from cognax.fitting.diagnostics import import_arviz
from cognax.fitting.forward_gradient import sum_over_subjects
from cognax.fitting.mle import enable_float64
from cognax.models.base import Model, trial_log_likelihood
from cognax.models.streams import split_streams
from cognax.tasks.base import check_count, check_probability

#: One parameter's group-level priors: (mu_pr distribution, its arguments, sigma
#: distribution, its arguments), e.g. ``("normal", (0, 10), "halfcauchy", (1,))``.
Hierarchy = tuple[str, tuple[float, ...], str, tuple[float, ...]]
#: hBayesDM's usual hierarchy: ``mu_pr ~ Normal(0, 1)``, ``sigma ~ HalfNormal(0.2)``.
DEFAULT_HIERARCHY: Hierarchy = ("normal", (0.0, 1.0), "halfnormal", (0.2,))
_LOCATION = {"normal": "Normal", "cauchy": "Cauchy", "studentt": "StudentT", "uniform": "Uniform"}
_SCALE = {"halfnormal": "HalfNormal", "halfcauchy": "HalfCauchy", "exponential": "Exponential",
          "gamma": "Gamma", "lognormal": "LogNormal"}
#: SVI reports progress after each of this many pieces of its steps.
_SEGMENTS = 10
_NUTS_FIELDS = ("diverging", "num_steps", "energy", "potential_energy", "accept_prob", "adapt_state.step_size")


# ----------------------------------------------------------------------------- priors
def _distribution(kind: str, args: tuple):
    import numpyro.distributions as dist

    return getattr(dist, {**_LOCATION, **_SCALE}[kind])(*args, validate_args=True)


def group_priors(model: Model, priors: dict[str, Hierarchy] | None = None) -> dict[str, Hierarchy]:
    """Every parameter's group-level priors: ``priors``, else the model's, else hBayesDM's default."""
    declared = dict(getattr(model, "hierarchical_priors", None) or {})
    given = dict(priors or {})
    names = model.parameter_names
    for source, spec in ((f"hierarchical_priors of model {model.name!r}", declared), ("priors", given)):
        for name in spec:
            if name not in names:
                raise unknown_name(f"parameter in {source}", name, names)
    return {name: _check_hierarchy(name, given.get(name, declared.get(name, DEFAULT_HIERARCHY))) for name in names}


def _check_hierarchy(name: str, spec) -> Hierarchy:
    shape = "(mu_pr distribution, args, sigma distribution, args), e.g. ('normal', (0, 1), 'halfnormal', (0.2,))"
    if not isinstance(spec, (tuple, list)) or len(spec) != 4:
        raise CognaxError(f"priors for {name!r} must be {shape}; got {spec!r}")
    mu_kind, mu_args, sigma_kind, sigma_args = spec
    for kind, allowed, role in ((mu_kind, _LOCATION, "mu_pr"), (sigma_kind, _SCALE, "sigma")):
        if kind not in allowed:
            raise CognaxError(f"{role} prior for {name!r} must be one of {', '.join(allowed)}; got {kind!r}")
    try:
        mu_args, sigma_args = tuple(map(float, mu_args)), tuple(map(float, sigma_args))
        _distribution(mu_kind, mu_args), _distribution(sigma_kind, sigma_args)
    except (TypeError, ValueError) as error:
        raise CognaxError(f"priors for {name!r}: bad distribution arguments in {spec!r} ({error})") from None
    return (mu_kind, mu_args, sigma_kind, sigma_args)


def _likelihood_data(model: Model, batch) -> tuple:
    """``(rows, owner)``: the batch, or its independent streams and each row's subject."""
    streams = split_streams(model, batch)
    return (batch, None) if streams is None else streams


def _subject_log_likelihoods(model: Model, fixed: dict, x, data) -> jax.Array:
    """``[subject]`` log-likelihoods at unconstrained ``x`` (``[subject, param]``)."""
    rows, owner = data
    if owner is None:
        return trial_log_likelihood(model, {**model.constrain(x), **fixed}, rows).sum(-1)
    per_row = trial_log_likelihood(model, {**model.constrain(x[owner]), **fixed}, rows).sum(-1)
    return jax.ops.segment_sum(per_row, owner, num_segments=x.shape[0])


def _numpyro_model(model: Model, hierarchy: dict[str, Hierarchy], fixed: dict, n_subjects: int, data) -> None:
    import numpyro
    import numpyro.distributions as dist

    mu_pr = jnp.stack([numpyro.sample(f"mu_pr_{n}", _distribution(*h[:2])) for n, h in hierarchy.items()])
    sigma = jnp.stack([numpyro.sample(f"sigma_{n}", _distribution(*h[2:])) for n, h in hierarchy.items()])
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand((n_subjects, model.n_params)).to_event(2))
    per_subject = functools.partial(_subject_log_likelihoods, model, fixed)
    if data[1] is None:  # one long scan per subject: gradient by forward mode, no tape
        total = sum_over_subjects(per_subject, model.n_params)
    else:  # short streams side by side: the tape is small, and reverse mode measured 6% faster (gng_m4)
        total = lambda x, data: per_subject(x, data).sum()
    numpyro.factor("log_likelihood", total(mu_pr + sigma * z, data))


# ----------------------------------------------------------------------------- the fit
@dataclasses.dataclass(frozen=True)
class HierarchicalResult:
    """A hierarchical fit: the posterior as ArviZ ``InferenceData`` plus summaries.

    Attributes:
        model: the fitted model.
        method: ``"nuts"`` or ``"svi"``.
        idata: ``posterior`` (``mu_<name>`` on the natural scale, ``mu_pr`` and ``sigma``
            on the unconstrained scale with dim ``parameter``, each parameter per
            ``subject``), ``sample_stats`` (NUTS) and ``log_likelihood`` (``subject_ll``
            per subject; ``trial_ll`` per subject and trial, NaN on padding and
            ``valid = False`` rows).
        fixed: values given to integer parameters (e.g. an RLWM capacity).
        losses: the SVI loss (negative ELBO) at each step; ``None`` for NUTS.
    """

    model: Model
    method: str
    idata: Any
    fixed: dict[str, float]
    losses: np.ndarray | None = None

    @property
    def subjects(self) -> np.ndarray:
        return self.idata.posterior["subject"].values

    def group_summary(self, hdi_prob: float = 0.95) -> pd.DataFrame:
        """``parameter, mean, sd, hdi_low, hdi_high, r_hat, ess_bulk`` for ``mu_<p>``, ``mu_pr_<p>``, ``sigma_<p>``."""
        import xarray as xr

        az = import_arviz()
        posterior = self.idata.posterior
        quantities = {}
        for name in self.model.parameter_names:
            quantities[f"mu_{name}"] = posterior[f"mu_{name}"]
            quantities[f"mu_pr_{name}"] = posterior["mu_pr"].sel(parameter=name, drop=True)
            quantities[f"sigma_{name}"] = posterior["sigma"].sel(parameter=name, drop=True)
        data = xr.Dataset(quantities)
        hdi = az.hdi(data, hdi_prob=hdi_prob)
        several = posterior.sizes["chain"] > 1
        r_hat = az.rhat(data) if several else None
        ess = az.ess(data, method="bulk")
        return pd.DataFrame([
            {
                "parameter": row,
                "mean": float(data[row].mean()),
                "sd": float(data[row].std(ddof=1)),
                "hdi_low": float(hdi[row].sel(hdi="lower")),
                "hdi_high": float(hdi[row].sel(hdi="higher")),
                "r_hat": float(r_hat[row]) if several else math.nan,
                "ess_bulk": float(ess[row]),
            }
            for row in quantities
        ])

    def subject_summary(self) -> pd.DataFrame:
        """``subject, model, <parameters>``: posterior means per subject."""
        posterior = self.idata.posterior
        frame = pd.DataFrame({"subject": self.subjects, "model": self.model.name})
        for name in self.model.parameter_names:
            frame[name] = posterior[name].mean(("chain", "draw")).values
        for name, value in self.fixed.items():
            frame[name] = value
        return frame

    def to_netcdf(self, path) -> Path:
        """Write ``idata`` to NetCDF atomically (a temporary file, then :func:`os.replace`)."""
        from cognax.data.io import atomic_write

        with atomic_write(path) as temporary:
            self.idata.to_netcdf(str(temporary))
        return Path(path)


def read_posterior(path):
    """Read a posterior written by :meth:`HierarchicalResult.to_netcdf` (ArviZ ``InferenceData``)."""
    from cognax.data.io import _check_file

    path = Path(path)
    _check_file(path)
    try:
        return import_arviz().from_netcdf(str(path))
    except (OSError, ValueError) as error:
        raise CognaxError(f"{path}: cannot be read as a NetCDF posterior ({error})") from None


def _fixed_values(model: Model, fixed: dict | None) -> dict[str, jax.Array]:
    fixed = dict(fixed or {})
    missing = [name for name in model.discrete_parameters if name not in fixed]
    if missing:
        options = ", ".join(f"{n} in {set(model.discrete_parameters[n])}" for n in missing)
        raise CognaxError(
            f"hierarchical fits need continuous parameters; model {model.name!r} has integer parameter(s) "
            f"{options}. Fit it by MLE/MAP, which profiles them (cognax fit --method mle), or fix them, "
            f"e.g. fixed={{{missing[0]!r}: {model.discrete_parameters[missing[0]][0]}}}"
        )
    for name in fixed:
        if name not in model.discrete_parameters:
            raise CognaxError(f"fixed= holds integer parameters only; {name!r} is not one of model {model.name!r}'s "
                              f"({', '.join(model.discrete_parameters) or 'it has none'})")
    checked = model.check_params(fixed, fill_defaults=False)
    return {name: jnp.asarray(value) for name, value in checked.items()}


def _check_start(model: Model, fixed: dict, batch) -> None:
    """The likelihood must be finite where every subject sits at the group priors' centre."""
    centre = model.constrain(jnp.zeros((batch.n_subjects, model.n_params)))
    ll = np.asarray(trial_log_likelihood(model, {**centre, **fixed}, batch).sum(-1))
    bad = np.flatnonzero(~np.isfinite(ll))
    if len(bad):
        shown = ", ".join(repr(batch.subjects[i]) for i in bad[:5])
        raise CognaxError(
            f"the log-likelihood of model {model.name!r} is not finite (NaN or infinite) at the starting point "
            f"for {len(bad)} subject(s) ({shown}); look for NaN or out-of-range rewards and choices in their "
            "rows (cognax.data.validate_table checks a table)"
        )


def fit_hierarchical(
    model: Model,
    batch,
    key: jax.Array,
    method: Literal["nuts", "svi"] = "nuts",
    chains: int = 4,
    warmup: int = 500,
    samples: int = 500,
    target_accept: float = 0.8,
    priors: dict[str, Hierarchy] | None = None,
    fixed: dict[str, float] | None = None,
    max_tree_depth: int = 10,
    svi_steps: int = 3000,
    learning_rate: float = 0.01,
    progress: Callable[[int, int], None] | None = None,
) -> HierarchicalResult:
    """Fit ``model`` hierarchically to every subject of ``batch``.

    Args:
        model: any model with continuous parameters (integer ones must be ``fixed``).
        batch: a :class:`~cognax.data.TrialBatch` with at least two subjects.
        key: JAX key; the same key gives the same draws.
        method: ``"nuts"`` (MCMC) or ``"svi"`` (variational, an ``AutoNormal`` guide
            fitted with Adam; ``samples`` draws from it form one "chain").
        chains, warmup, samples: NUTS chains, warm-up iterations and draws per chain.
        target_accept: NUTS target acceptance probability (higher: smaller steps, fewer
            divergences).
        priors: per-parameter group priors overriding the model's, as
            :data:`Hierarchy` tuples.
        fixed: values of integer parameters, e.g. ``{"capacity": 3}``.
        max_tree_depth: NUTS maximum tree depth.
        svi_steps, learning_rate: SVI optimisation steps and Adam step size.
        progress: called as ``progress(done, total)``: by NUTS at the start and the end
            (warm-up and sampling run as one compiled call), by SVI after each tenth
            of its steps.

    Raises:
        CognaxError: a single subject (fit it by MAP instead), integer parameters not
            fixed, a model without parameters, bad priors, or a likelihood that is not
            finite at the starting point.
    """
    enable_float64()
    if method not in ("nuts", "svi"):
        raise CognaxError(f"method must be 'nuts' or 'svi'; got {method!r}")
    for name, value in (("chains", chains), ("warmup", warmup), ("samples", samples), ("svi_steps", svi_steps),
                        ("max_tree_depth", max_tree_depth)):
        check_count(name, value)
    check_probability("target_accept", target_accept)
    model.check_task(batch.task)
    if model.n_params == 0:
        raise CognaxError(f"model {model.name!r} has no continuous parameters to fit hierarchically")
    if batch.n_subjects < 2:
        raise CognaxError(
            "a hierarchical fit needs at least two subjects (the group level is estimated from them); "
            "for one subject use MAP: fit(model, batch, key, method='map') or cognax fit --method map"
        )
    fixed_values = _fixed_values(model, fixed)
    hierarchy = group_priors(model, priors)
    _check_start(model, fixed_values, batch)
    numpyro_model = functools.partial(_numpyro_model, model, hierarchy, fixed_values, batch.n_subjects)
    data = _likelihood_data(model, batch)
    if method == "nuts":
        draws, stats, settings = _run_nuts(numpyro_model, data, key, chains, warmup, samples, target_accept,
                                           max_tree_depth, progress)
        losses = None
    else:
        draws, losses, settings = _run_svi(numpyro_model, data, key, samples, svi_steps, learning_rate, progress)
        stats = {}
    settings["method"] = method
    settings["priors"] = "; ".join(f"{n}: mu_pr ~ {h[0]}{h[1]}, sigma ~ {h[2]}{h[3]}" for n, h in hierarchy.items())
    idata = _inference_data(model, fixed_values, batch, draws, stats, settings)
    fixed_out = {name: float(value) for name, value in fixed_values.items()}
    return HierarchicalResult(model=model, method=method, idata=idata, fixed=fixed_out, losses=losses)


def _run_nuts(numpyro_model, data, key, chains, warmup, samples, target_accept, max_tree_depth, progress):
    from numpyro.infer import MCMC, NUTS

    chain_method = "parallel" if chains > 1 and jax.local_device_count() >= chains else "vectorized"
    kernel = NUTS(numpyro_model, target_accept_prob=target_accept, max_tree_depth=max_tree_depth)
    mcmc = MCMC(kernel, num_warmup=warmup, num_samples=samples, num_chains=chains, chain_method=chain_method,
                progress_bar=False)
    total = warmup + samples
    if progress is not None:
        progress(0, total)
    # One call for warm-up and sampling: numpyro retraces (seconds) on every call, so
    # running in pieces to report progress would cost more than it shows.
    try:
        mcmc.run(key, data, extra_fields=_NUTS_FIELDS)
    except RuntimeError as error:
        if "valid initial" not in str(error):
            raise
        raise CognaxError("NUTS found no starting point with a finite log density; check the data and the priors") from None
    if progress is not None:
        progress(total, total)
    draws = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    stats = {k: np.asarray(v) for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}
    settings = dict(chains=chains, warmup=warmup, samples=samples, target_accept=target_accept,
                    max_tree_depth=max_tree_depth, chain_method=chain_method)
    return draws, stats, settings


def _run_svi(numpyro_model, data, key, samples, steps, learning_rate, progress):
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoNormal
    from numpyro.optim import Adam

    guide = AutoNormal(numpyro_model)
    svi = SVI(numpyro_model, guide, Adam(learning_rate), Trace_ELBO())
    init_key, sample_key = jax.random.split(key)
    state = svi.init(init_key, data)
    n_segments = min(_SEGMENTS, steps)
    segment = -(-steps // n_segments)

    @jax.jit
    def run_segment(state, data):
        return jax.lax.scan(lambda s, _: svi.update(s, data), state, None, length=segment)

    losses = []
    for i in range(n_segments):
        state, loss = run_segment(state, data)
        losses.append(np.asarray(loss))
        if progress is not None:
            progress((i + 1) * segment, segment * n_segments)
    losses = np.concatenate(losses)
    if not np.all(np.isfinite(losses)):
        raise CognaxError(f"SVI diverged (the loss became NaN or infinite); lower learning_rate (now {learning_rate})")
    draws = guide.sample_posterior(sample_key, svi.get_params(state), data, sample_shape=(samples,))
    tail = max(len(losses) // 10, 1)
    last, before = losses[-tail:].mean(), losses[-2 * tail:-tail].mean()
    settings = dict(samples=samples, svi_steps=len(losses), learning_rate=learning_rate, final_loss=float(last),
                    loss_relative_change=float(abs(last - before) / max(abs(last), 1e-12)))
    return {k: np.asarray(v)[None] for k, v in draws.items()}, losses, settings


@functools.partial(jax.jit, static_argnums=(0,))
def _draw_log_likelihoods(model, fixed, batch, unconstrained):
    """``[draw, subject, trial]`` log-likelihoods of ``[draw, subject, param]`` draws."""
    per_draw = lambda u: trial_log_likelihood(model, {**model.constrain(u), **fixed}, batch)
    return jax.lax.map(per_draw, unconstrained, batch_size=64)


def _subject_coords(subjects) -> np.ndarray:
    labels = np.asarray(list(subjects))
    return labels.astype(str) if labels.dtype == object else labels


def _inference_data(model, fixed, batch, draws, stats, settings):
    az = import_arviz()
    names = model.parameter_names
    mu_pr = np.stack([draws[f"mu_pr_{n}"] for n in names], axis=-1)
    sigma = np.stack([draws[f"sigma_{n}"] for n in names], axis=-1)
    n_chains, n_draws = mu_pr.shape[:2]
    x = mu_pr[:, :, None, :] + sigma[:, :, None, :] * draws["z"]
    subject = model.constrain(jnp.asarray(x))
    group = model.constrain(jnp.asarray(mu_pr))
    flat = x.reshape(n_chains * n_draws, batch.n_subjects, model.n_params)
    trial_ll = np.asarray(_draw_log_likelihoods(model, fixed, batch, jnp.asarray(flat)))
    trial_ll = np.where(np.asarray(batch.fit_mask), trial_ll, np.nan).reshape(n_chains, n_draws, *batch.mask.shape)
    posterior = {f"mu_{n}": np.asarray(group[n]) for n in names}
    posterior.update(mu_pr=mu_pr, sigma=sigma)
    posterior.update({n: np.asarray(subject[n]) for n in names})
    sample_stats = {}
    if stats:
        sample_stats = {
            "diverging": stats["diverging"].astype(bool),
            "n_steps": stats["num_steps"],
            "tree_depth": np.floor(np.log2(np.maximum(stats["num_steps"], 1))).astype(int) + 1,
            "energy": stats["energy"],
            "lp": -stats["potential_energy"],
            "acceptance_rate": stats["accept_prob"],
            "step_size": stats["adapt_state.step_size"],
        }
    dims = {"mu_pr": ["parameter"], "sigma": ["parameter"], **{n: ["subject"] for n in names},
            "subject_ll": ["subject"], "trial_ll": ["subject", "trial"]}
    coords = {"parameter": list(names), "subject": _subject_coords(batch.subjects), "trial": np.arange(batch.n_trials)}
    attrs = {"model": model.name, "task": batch.task, **settings,
             **{f"fixed_{name}": float(value) for name, value in fixed.items()}}
    idata = az.from_dict(
        posterior=posterior,
        sample_stats=sample_stats or None,
        log_likelihood={"subject_ll": np.nansum(trial_ll, axis=-1), "trial_ll": trial_ll},
        coords=coords, dims=dims,
    )
    idata.posterior.attrs.update(attrs)
    return idata


# ----------------------------------------------------------------------------- facade
class Hierarchical:
    """Hierarchical Bayesian fit of one model to every subject of a trial table.

    ``__init__`` only stores; :meth:`fit` returns ``self`` with ``result_`` (the
    :class:`HierarchicalResult`), ``idata_`` (ArviZ ``InferenceData``), ``summary_``
    (group-level table), ``subjects_`` (posterior means per subject) and
    ``diagnostics_`` (:class:`~cognax.fitting.diagnostics.Diagnostics`).

    Example:
        >>> Hierarchical("q_learning", chains=4).fit(table, task="bandit").summary_   # doctest: +SKIP
    """

    def __init__(self, model, method: str = "nuts", chains: int = 4, warmup: int = 500, samples: int = 500,
                 target_accept: float = 0.8, priors=None, fixed=None, seed: int = 0):
        self.model = model
        self.method = method
        self.chains = chains
        self.warmup = warmup
        self.samples = samples
        self.target_accept = target_accept
        self.priors = priors
        self.fixed = fixed
        self.seed = seed

    def fit(self, table: pd.DataFrame, task="bandit") -> "Hierarchical":
        from cognax import models, tasks
        from cognax.data.batch import to_batch
        from cognax.data.validate import validate_table
        from cognax.fitting.diagnostics import diagnose

        model = models.make(self.model) if isinstance(self.model, str) else self.model
        task_object = tasks.make(task) if isinstance(task, str) else task
        model.check_task(task_object.name)
        batch = to_batch(validate_table(table, task_object), task_object)
        self.result_ = fit_hierarchical(
            model, batch, jax.random.key(self.seed), method=self.method, chains=self.chains, warmup=self.warmup,
            samples=self.samples, target_accept=self.target_accept, priors=self.priors, fixed=self.fixed,
        )
        self.idata_ = self.result_.idata
        self.summary_ = self.result_.group_summary()
        self.subjects_ = self.result_.subject_summary()
        self.diagnostics_ = diagnose(self.idata_)
        return self


__all__ = [
    "fit_hierarchical", "Hierarchical", "HierarchicalResult", "group_priors", "read_posterior",
    "DEFAULT_HIERARCHY",
]
