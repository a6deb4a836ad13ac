"""Hierarchical NUTS: cognax (NumPyro, JAX) against Stan (PyStan 3) on hBayesDM's models.

One command runs both sides::

    python benchmarks/hierarchical.py

For hBayesDM's ``bandit2arm_delta`` and ``gng_m4`` it simulates a group with cognax (each
subject's unconstrained parameters drawn from the hierarchy, ``x = mu_pr + sigma * z``),
writes the data as an hBayesDM-style tab-separated file, and fits that one file twice
with the same hierarchical model, chains, warm-up and draws:

- **cognax** (in this process): :func:`cognax.data.read_hbayesdm`, then
  :func:`cognax.fitting.fit_hierarchical` with ``method="nuts"``.
- **Stan** (a subprocess in ``benchmarks/.venv-stan`` running ``stan/run_stan.py``):
  the programs ``stan/bandit2arm_delta.stan`` and ``stan/gng_m4.stan``, written from
  the models' specification (their module docstrings in ``cognax.models.hbayesdm``),
  compiled and sampled by PyStan 3 with Stan's defaults (diagonal metric,
  ``adapt_delta`` 0.8, tree depth 10: NumPyro's defaults too). Create the venv with
  ``bash benchmarks/setup_stan_env.sh``.

Each model runs on ``--seeds`` (3) data sets, seeds ``--seed``, ``--seed`` + 1, ...: the
seed draws the data and both samplers' randomness. NUTS's adaptation sometimes ends one
chain with a several times smaller step size (on either side), so one seed's ratio can
mislead; the summary lists every seed and the ratio of the two sides' median ESS/s.

Reported per model and seed: Stan's compile time (apart), each side's sampling time and whole
wall time, the bulk ESS (``arviz.ess``) of the slowest group-level quantity
(``mu_pr``, ``sigma`` and ``mu_<name>`` of every parameter) and ESS per second, their
ratio against the goal (cognax at least 5x Stan), and whether every group-level
posterior mean agrees within Monte Carlo error: ``|a - b| < 3 sqrt(mcse_a^2 + mcse_b^2)``
with ``arviz.mcse(method="mean")``.

cognax's time is split with JAX's monitoring events: "compile" is the union of the time
spans JAX records for tracing, lowering and XLA compilation during the call; "sampling"
is NumPyro's ``MCMC.run`` (warm-up and draws; timed by a wrapper that waits for the
draws) less the compiling inside it. Its whole
call also builds ArviZ ``InferenceData`` with every draw's per-trial log-likelihood.
Stan's "sampling" is ``posterior.sample`` (warm-up, draws, and PyStan reading the draws
back), its compile time is ``stan.build`` (httpstan caches compiled programs, so it is a
cache load after the first run unless ``--fresh-compile``).

By default both sides run their chains in parallel, one CPU core per chain: Stan in
processes, cognax by giving JAX one CPU device per chain (``XLA_FLAGS``, set before JAX
starts), which makes ``fit_hierarchical`` pick NumPyro's ``"parallel"`` chain method.
``--chain-method vectorized`` runs cognax's chains vectorised in one device instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
STAN_PYTHON = HERE / ".venv-stan" / "bin" / "python"
STAN_RUNNER = HERE / "stan" / "run_stan.py"
SETUP_SCRIPT = HERE / "setup_stan_env.sh"
GOAL = 5.0

#: model -> its Stan program, hBayesDM data format, and the true sigma of each parameter in the simulation
CASES = {
    "bandit2arm_delta": {"program": "bandit2arm_delta.stan", "format": "bandit", "sigma": {"A": 0.3, "tau": 0.3}},
    "gng_m4": {"program": "gng_m4.stan", "format": "go/no-go",
               "sigma": {"xi": 0.3, "ep": 0.3, "b": 0.5, "pi": 0.5, "rhoRew": 0.3, "rhoPun": 0.3}},
}


# --------------------------------------------------------------------------- data
def make_task(name: str, args):
    from cognax import tasks

    if name == "bandit2arm_delta":
        return tasks.make("bandit", n_arms=2, n_trials=args.bandit_trials)
    return tasks.make("go_nogo", trials_per_cue=args.gng_trials_per_cue)


def simulate_group(name: str, model, task, n_subjects: int, key):
    """True group values (``mu_pr`` = the model's defaults, unconstrained) and a simulated table."""
    import jax
    import jax.numpy as jnp

    import cognax

    mu_pr = np.asarray(model.unconstrain(model.default_params()))
    sigma = np.array([CASES[name]["sigma"][p] for p in model.parameter_names])
    z_key, sim_key = jax.random.split(key)
    z = np.asarray(jax.random.normal(z_key, (n_subjects, model.n_params)))
    params = {k: np.asarray(v) for k, v in model.constrain(jnp.asarray(mu_pr + sigma * z)).items()}
    table = cognax.simulate(sim_key, model, task, params=params, n_subjects=n_subjects)
    return mu_pr, sigma, table


def write_hbayesdm(table, fmt: str, path: Path) -> None:
    """hBayesDM's columns: subjID, then choice (1..n) and outcome, or cue (1..4), keyPressed and outcome."""
    import pandas as pd

    out = pd.DataFrame({"subjID": [f"s{int(s):03d}" for s in table["subject"]]})
    if fmt == "bandit":
        out["choice"] = table["choice"].to_numpy() + 1
    else:
        out["cue"] = table["cue"].to_numpy() + 1
        out["keyPressed"] = table["choice"].to_numpy()
    out["outcome"] = table["reward"].to_numpy()
    out.to_csv(path, sep="\t", index=False)


# --------------------------------------------------------------------------- cognax
def _union_length(spans, low: float, high: float) -> float:
    clipped = sorted((max(a, low), min(b, high)) for a, b in spans if b > low and a < high)
    total, end = 0.0, -np.inf
    for a, b in clipped:
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


_COMPILE_SPANS: list[tuple[float, float]] = []


def _record_compile(event: str, start: float, end: float, **_) -> None:
    if event.startswith("/jax/core/compile/"):
        _COMPILE_SPANS.append((start, end))


_MCMC_SPANS: list[tuple[float, float]] = []


def _time_mcmc_runs() -> None:
    """Wrap NumPyro's ``MCMC.run`` to record its time span, waiting for its draws.

    ``MCMC.run`` can return before the chains finish (JAX dispatches asynchronously);
    ``fit_hierarchical`` waits for them right after, when it converts them to NumPy, so
    waiting here adds no work but puts the sampling inside the recorded span.
    """
    import jax
    from numpyro.infer import MCMC

    original = MCMC.run

    def run(self, *args, **kwargs):
        start = time.time()
        original(self, *args, **kwargs)
        jax.block_until_ready((self.get_samples(group_by_chain=True), self.get_extra_fields(group_by_chain=True)))
        _MCMC_SPANS.append((start, time.time()))

    MCMC.run = run


def run_cognax(model, batch, args) -> dict:
    import jax

    from cognax.fitting import fit_hierarchical

    _COMPILE_SPANS.clear()
    _MCMC_SPANS.clear()
    start = time.time()
    result = fit_hierarchical(model, batch, jax.random.key(args.seed), method="nuts", chains=args.chains,
                              warmup=args.warmup, samples=args.samples)
    end = time.time()
    (nuts_start, nuts_end), = _MCMC_SPANS
    nuts_compile = _union_length(_COMPILE_SPANS, nuts_start, nuts_end)
    posterior = result.idata.posterior
    stats = result.idata.sample_stats
    return {
        "wall_s": end - start,
        "compile_s": _union_length(_COMPILE_SPANS, start, end),
        "sample_s": nuts_end - nuts_start - nuts_compile,
        "chain_method": posterior.attrs.get("chain_method", "?"),
        "draws": {
            **{f"mu_pr_{n}": posterior["mu_pr"].sel(parameter=n).values for n in model.parameter_names},
            **{f"sigma_{n}": posterior["sigma"].sel(parameter=n).values for n in model.parameter_names},
            **{f"mu_{n}": posterior[f"mu_{n}"].values for n in model.parameter_names},
        },
        "divergences": int(stats["diverging"].values.sum()),
        "leapfrog": float(stats["n_steps"].values.mean()),
    }


# --------------------------------------------------------------------------- Stan
def run_stan(name: str, model, data_path: Path, folder: Path, args) -> dict:
    request = {
        "program": str(HERE / "stan" / CASES[name]["program"]), "data": str(data_path),
        "format": CASES[name]["format"], "chains": args.chains, "warmup": args.warmup, "samples": args.samples,
        "seed": args.seed, "draws": str(folder / f"{name}_stan.npz"), "vectors": ["mu_pr", "sigma"],
        "scalars": [f"mu_{n}" for n in model.parameter_names],
    }
    request_path = folder / f"{name}_request.json"
    request_path.write_text(json.dumps(request))
    env = dict(os.environ)
    if args.fresh_compile:
        env["XDG_CACHE_HOME"] = str(folder / "stan-cache")
    start = time.perf_counter()
    done = subprocess.run([str(STAN_PYTHON), str(STAN_RUNNER), str(request_path)], capture_output=True, text=True,
                          env=env, timeout=args.stan_timeout)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"Stan run for {name} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(request["draws"]) as npz:
        stored = {k: npz[k] for k in npz.files}
    names = model.parameter_names
    draws = {
        **{f"mu_pr_{n}": stored["mu_pr"][..., k] for k, n in enumerate(names)},
        **{f"sigma_{n}": stored["sigma"][..., k] for k, n in enumerate(names)},
        **{f"mu_{n}": stored[f"mu_{n}"] for n in names},
    }
    return {"wall_s": wall, "compile_s": report["build_s"], "sample_s": report["sample_s"],
            "cached": report["cached"], "versions": f"pystan {report['pystan']}, httpstan {report['httpstan']}",
            "draws": draws, "divergences": int(stored["divergent__"].sum()),
            "leapfrog": float(stored["n_leapfrog__"].mean())}


# --------------------------------------------------------------------------- comparison
def summarise(draws: dict) -> dict:
    """Per group-level quantity: mean, MCSE of the mean, bulk ESS and R-hat (ArviZ)."""
    import arviz as az
    import xarray as xr

    data = xr.Dataset({k: (("chain", "draw"), np.asarray(v, dtype=float)) for k, v in draws.items()})
    ess, mcse = az.ess(data, method="bulk"), az.mcse(data, method="mean")
    rhat = az.rhat(data) if data.sizes["chain"] > 1 else None
    return {k: {"mean": float(data[k].mean()), "mcse": float(mcse[k]), "ess": float(ess[k]),
                "rhat": float(rhat[k]) if rhat is not None else float("nan")} for k in draws}


def compare(name: str, batch, truth, cognax_run: dict, stan_run: dict, args) -> dict:
    ours, theirs = summarise(cognax_run["draws"]), summarise(stan_run["draws"])
    slow_ours = min(ours, key=lambda k: ours[k]["ess"])
    slow_theirs = min(theirs, key=lambda k: theirs[k]["ess"])
    rate_ours = ours[slow_ours]["ess"] / cognax_run["sample_s"]
    rate_ours_wall = ours[slow_ours]["ess"] / cognax_run["wall_s"]
    rate_theirs = theirs[slow_theirs]["ess"] / stan_run["sample_s"]

    trials = int(np.asarray(batch.mask).sum())
    print(f"\n== {name}: {batch.n_subjects} subjects, {trials} trials in all; {args.chains} chains x "
          f"{args.warmup} warm-up + {args.samples} draws each")
    cached = " (cache load)" if stan_run["cached"] else ""
    rows = [
        ("compile (s)", f"{cognax_run['compile_s']:.1f}", f"{stan_run['compile_s']:.1f}{cached}"),
        ("sampling (s), compile excluded", f"{cognax_run['sample_s']:.1f}", f"{stan_run['sample_s']:.1f}"),
        ("whole call (s)", f"{cognax_run['wall_s']:.1f}", f"{stan_run['wall_s']:.1f}"),
        ("slowest group ESS (bulk)", f"{ours[slow_ours]['ess']:.0f} {slow_ours}",
         f"{theirs[slow_theirs]['ess']:.0f} {slow_theirs}"),
        ("ESS/s, sampling", f"{rate_ours:.1f}", f"{rate_theirs:.1f}"),
        ("ESS/s, cognax whole call", f"{rate_ours_wall:.1f}", ""),
        ("max group R-hat", f"{max(v['rhat'] for v in ours.values()):.3f}",
         f"{max(v['rhat'] for v in theirs.values()):.3f}"),
        ("divergences", str(cognax_run["divergences"]), str(stan_run["divergences"])),
        ("mean leapfrog steps per draw", f"{cognax_run['leapfrog']:.1f}", f"{stan_run['leapfrog']:.1f}"),
    ]
    print(f"{'':32s} {'cognax':>24s} {'Stan':>24s}")
    for label, a, b in rows:
        print(f"{label:32s} {a:>24s} {b:>24s}")

    print(f"\n{'group-level mean':18s} {'true':>8s} {'cognax':>9s} {'mcse':>7s} {'Stan':>9s} {'mcse':>7s} "
          f"{'|diff|/se':>9s}  agree")
    agree_all = True
    names = list(ours)
    true_values = {**{f"mu_pr_{n}": truth[0][k] for k, n in enumerate(truth[2])},
                   **{f"sigma_{n}": truth[1][k] for k, n in enumerate(truth[2])}, **truth[3]}
    for k in names:
        a, b = ours[k], theirs[k]
        se = float(np.hypot(a["mcse"], b["mcse"]))
        z = abs(a["mean"] - b["mean"]) / se
        agree = z < 3
        agree_all &= agree
        print(f"{k:18s} {true_values[k]:8.3f} {a['mean']:9.3f} {a['mcse']:7.3f} {b['mean']:9.3f} {b['mcse']:7.3f} "
              f"{z:9.2f}  {'yes' if agree else 'NO'}")
    return {"model": name, "ours": rate_ours, "ours_wall": rate_ours_wall, "theirs": rate_theirs,
            "agree": agree_all}


# --------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description="cognax vs Stan (PyStan 3): hierarchical NUTS on hBayesDM models")
    parser.add_argument("--models", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--bandit-trials", type=int, default=100)
    parser.add_argument("--gng-trials-per-cue", type=int, default=60, help="4 cues: 60 gives 240 trials")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3,
                        help="data sets and fits per model, seeds --seed, --seed + 1, ...; the summary takes medians")
    parser.add_argument("--chain-method", choices=("parallel", "vectorized"), default="parallel",
                        help="cognax's chains: one JAX CPU device per chain (default), or vectorised in one")
    parser.add_argument("--fresh-compile", action="store_true",
                        help="compile the Stan programs into a temporary cache, to time the compile")
    parser.add_argument("--keep-data", type=Path, help="write the data files and draws here, not to a temp folder")
    parser.add_argument("--stan-timeout", type=float, default=1800, help="seconds allowed for one Stan subprocess")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1; got {args.seeds}")

    if args.chain_method == "parallel" and "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
        # Before JAX starts: one CPU device per chain, so NumPyro runs the chains in parallel.
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                                   + f" --xla_force_host_platform_device_count={args.chains}").strip()
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.monitoring.register_event_time_span_listener(_record_compile)
    _time_mcmc_runs()
    from cognax import data, models

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {cores} CPU cores; load average at start "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min); JAX {jax.__version__}, "
          f"{jax.local_device_count()} CPU device(s)")
    if not STAN_PYTHON.exists():
        sys.exit(f"no Stan venv at {STAN_PYTHON.parent.parent}; create it with: bash {SETUP_SCRIPT}")

    started = time.perf_counter()
    summary = []
    with tempfile.TemporaryDirectory(prefix="cognax-stan-") as temporary:
        folder = args.keep_data or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for name in args.models:
            model, task = models.make(name), make_task(name, args)
            index = list(CASES).index(name)  # the same data whichever --models are run
            for seed in range(args.seed, args.seed + args.seeds):
                run_args = argparse.Namespace(**{**vars(args), "seed": seed})
                mu_pr, sigma, table = simulate_group(name, model, task, args.subjects,
                                                     jax.random.fold_in(jax.random.key(seed), index))
                path = folder / f"{name}_seed{seed}.txt"
                write_hbayesdm(table, CASES[name]["format"], path)
                batch = data.to_batch(data.read_hbayesdm(path, task), task)
                true_mu = {f"mu_{n}": float(v) for n, v in model.constrain(mu_pr).items()}
                cognax_run = run_cognax(model, batch, run_args)
                stan_run = run_stan(name, model, path, folder, run_args)
                print(f"\n[seed {seed}]", end="")
                result = compare(name, batch, (mu_pr, sigma, model.parameter_names, true_mu), cognax_run, stan_run,
                                 run_args)
                result["chain_method"], result["versions"] = cognax_run["chain_method"], stan_run["versions"]
                result["seed"] = seed
                summary.append(result)

    print(f"\n== summary: ESS/s of the slowest group-level quantity (cognax chain method "
          f"{summary[0]['chain_method']}; {summary[0]['versions']})")
    print(f"{'model':18s} {'seed':>6s} {'cognax':>8s} {'Stan':>8s} {'ratio':>7s} {'goal':>6s}  {'whole-call ratio':>16s}"
          "  means agree")
    for name in args.models:
        runs = [r for r in summary if r["model"] == name]
        for r in runs:
            print(f"{name:18s} {r['seed']:6d} {r['ours']:8.1f} {r['theirs']:8.1f} {r['ours'] / r['theirs']:6.1f}x "
                  f"{'':6s}  {r['ours_wall'] / r['theirs']:15.2f}x  {'yes' if r['agree'] else 'NO'}")
        if len(runs) > 1:
            ours, theirs = (float(np.median([r[k] for r in runs])) for k in ("ours", "theirs"))
            ratio = ours / theirs
            print(f"{name:18s} {'median':>6s} {ours:8.1f} {theirs:8.1f} {ratio:6.1f}x {GOAL:5.0f}x  "
                  f"{float(np.median([r['ours_wall'] for r in runs])) / theirs:15.2f}x  "
                  f"{'yes' if all(r['agree'] for r in runs) else 'NO'}  {'(goal met)' if ratio >= GOAL else '(goal not met)'}")
        else:
            ratio = runs[0]["ours"] / runs[0]["theirs"]
            print(f"{'':18s} {'':6s} {'':8s} {'':8s} {'':7s} {GOAL:5.0f}x  {'':16s}  "
                  f"{'(goal met)' if ratio >= GOAL else '(goal not met)'}")
    load = os.getloadavg()
    print(f"\nload average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; "
          f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
