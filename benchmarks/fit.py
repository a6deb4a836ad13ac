"""Likelihood and fitting speed: cognax (jitted, vmapped) against NumPy loops and SciPy.

One command runs every part::

    python benchmarks/fit.py            # the sizes of the goals (long: see README)
    python benchmarks/fit.py --quick    # small sizes, a few minutes

1. Likelihood throughput (trials per second) of ``q_learning`` (bandit, 500 trials),
   ``daw_hybrid`` (two-step, 201 trials) and ``rlwm`` (RLWM task, 240 trials):
   cognax's ``log_likelihood`` jitted and vmapped over many simulated subjects, in
   float64, against a plain Python loop over trials with NumPy arrays, written here
   from the models' equations. Before timing, the loops are checked against cognax to
   1e-6 on the benchmark data (for ``rlwm`` also on the bundled Collins experiment 1,
   which has missed trials and block changes). Compile time is reported apart.
2. Fitting simulated subjects (1,000 x 500 trials, ``q_learning_persev``, 10 starts):
   ``cognax.fitting.fit`` with its defaults against ``scipy.optimize.minimize``
   (L-BFGS-B with bounds, finite-difference gradients, the NumPy-loop likelihood,
   10 starts: the model's defaults then draws from its priors) in a Python loop over
   subjects. SciPy is timed on a subset of subjects and scaled up; the NLLs are compared
   on that subset.
3. ``rlwm`` on the 79 people of the bundled Collins experiment 1 (every capacity,
   10 starts, ``--rlwm-starts`` to change): wall time with compile included and excluded.
4. Peak memory of a fresh subprocess (started before the other parts; ``VmHWM`` on
   Linux, else ``ru_maxrss``) simulating and fitting 10,000 subjects x 500 trials with
   ``q_learning_persev`` (3 starts, ``chunk_size`` 512).

cognax splits its fits over every CPU core, as the CLI does (``cognax.devices``);
``--devices 1`` keeps it on one core like the SciPy loop.

Compile time inside ``fit`` is measured with JAX's monitoring events (tracing,
lowering and XLA compilation), so "compile excluded" is the wall time minus those.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # what fit() uses; the throughput runs match it

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize  # noqa: E402

import cognax  # noqa: E402
from cognax import data, models, tasks  # noqa: E402
from cognax.devices import use_cpu_cores  # noqa: E402
from cognax.fitting import fit, sample_parameters  # noqa: E402

HERE = Path(__file__).resolve().parent

#: the goals the numbers are checked against.
GOAL_FIT_RATIO = 300
GOAL_NO_WORSE = 0.99
GOAL_RLWM_S = 60.0
GOAL_MEMORY_GB = 8.0
NLL_TOLERANCE = 1e-4
AGREEMENT_TOLERANCE = 1e-6


# =========================================================================== compile time
class CompileClock:
    """Sums JAX's tracing, lowering and XLA-compile durations while it is active."""

    EVENTS = (
        "/jax/core/compile/jaxpr_trace_duration",
        "/jax/core/compile/jaxpr_to_mlir_module_duration",
        "/jax/core/compile/backend_compile_duration",
    )

    def __init__(self):
        self.seconds = 0.0
        self.active = False
        jax.monitoring.register_event_duration_secs_listener(self._listen)

    def _listen(self, event, duration, **_):
        if self.active and event in self.EVENTS:
            self.seconds += duration

    def __enter__(self):
        self.seconds, self.active = 0.0, True
        return self

    def __exit__(self, *exc):
        self.active = False


# =========================================================================== NumPy loops
# Plain Python loops over trials with small NumPy arrays, written from each model's
# equations (see the docstrings of cognax.models.q_learning, q_learning_persev,
# two_step and rlwm). A trial outside ``keep`` neither scores nor updates.


def _log_prob(logits: np.ndarray, action: int) -> float:
    top = logits.max()
    return logits[action] - top - math.log(np.exp(logits - top).sum())


def numpy_q_learning(params, choice, reward, keep, n_actions=2, perseveration=None) -> float:
    """Log-likelihood of Q-learning (with a perseveration bonus when it is given)."""
    learning_rate, beta = params[0], params[1]
    values = np.full(n_actions, 0.5)
    previous = -1
    total = 0.0
    for a, r, k in zip(choice, reward, keep):
        if not k:
            continue
        logits = beta * values
        if perseveration is not None and previous >= 0:
            logits[previous] += perseveration
        total += _log_prob(logits, a)
        values[a] += learning_rate * (r - values[a])
        previous = a
    return total


def numpy_q_learning_persev(params, choice, reward, keep, n_actions=2) -> float:
    return numpy_q_learning(params[:2], choice, reward, keep, n_actions, perseveration=params[2])


def numpy_daw_hybrid(params, choice, choice2, state, reward, keep, common_prob=0.7) -> float:
    """Daw et al. (2011) hybrid; parameters in DawHybrid's order."""
    lr1, lr2, eligibility, beta1, beta2, w, perseveration = params
    transitions = np.array([[common_prob, 1 - common_prob], [1 - common_prob, common_prob]])
    model_free = np.full(2, 0.5)
    second = np.full((2, 2), 0.5)
    previous = -1
    total = 0.0
    for c1, c2, s, r, k in zip(choice, choice2, state, reward, keep):
        if not k:
            continue
        net = w * (transitions @ second.max(axis=1)) + (1 - w) * model_free
        logits = beta1 * net
        if previous >= 0:
            logits[previous] += perseveration
        total += _log_prob(logits, c1)
        total += _log_prob(beta2 * second[s], c2)
        delta_1 = second[s, c2] - model_free[c1]
        delta_2 = r - second[s, c2]
        model_free[c1] += lr1 * (delta_1 + eligibility * delta_2)
        second[s, c2] += lr2 * delta_2
        previous = c1
    return total


def numpy_rlwm(params, capacity, choice, reward, stimulus, set_size, block, keep) -> float:
    """Collins (2024) ``rlwm``: learning_rate, perseveration, wm_weight, wm_forgetting, lapse."""
    learning_rate, perseveration, wm_weight, forgetting, lapse = params
    beta, n_actions = 25.0, 3
    current_block = None
    total = 0.0
    for a, r, s, n, b, k in zip(choice, reward, stimulus, set_size, block, keep):
        if not k:
            continue
        if b != current_block:  # a new block starts afresh
            rl = np.full((6, n_actions), 1 / n_actions)
            wm = np.full((6, n_actions), 1 / n_actions)
            previous, current_block = -1, b
        bias = np.zeros(n_actions)
        if previous >= 0:
            bias[previous] = perseveration
        p_rl = np.exp(beta * (rl[s] + bias) - beta * (rl[s] + bias).max())
        p_wm = np.exp(beta * (wm[s] + bias) - beta * (wm[s] + bias).max())
        weight = wm_weight * min(1.0, capacity / max(n, 1))
        policy = lapse / n_actions + (1 - lapse) * (weight * p_wm / p_wm.sum() + (1 - weight) * p_rl / p_rl.sum())
        total += math.log(policy[a])
        wm += forgetting * (1 / n_actions - wm)
        rl[s, a] += learning_rate * ((1.0 if r > 0 else 0.0) - rl[s, a])
        wm[s, a] += r - wm[s, a]  # WM learning rate 1 after reward and after no reward
        previous = a
    return total


def subject_rows(batch, columns) -> list[tuple]:
    """Per subject: the given columns and the fit mask, as Python lists (what the loops take)."""
    keep = np.asarray(batch.fit_mask)
    arrays = [np.asarray(batch.columns[c]) for c in columns]
    out = []
    for i in range(batch.n_subjects):
        row = []
        for c, x in zip(columns, arrays):
            row.append(x[i].astype(float).tolist() if c == "reward" else x[i].astype(int).tolist())
        out.append(tuple(row) + (keep[i].tolist(),))
    return out


# =========================================================================== helpers
def median_time(function, repeats: int) -> float:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def params_matrix(model, params, index) -> np.ndarray:
    return np.stack([np.asarray(params[name], dtype=float)[index] for name in model.parameter_names], axis=-1)


def print_table(columns: list[str], rows: list[list[str]]) -> None:
    """Left-align the first column, right-align the rest."""
    widths = [max(len(title), *(len(row[i]) for row in rows)) + 2 for i, title in enumerate(columns)]
    widths[0] -= 2
    line = lambda cells: "".join(  # noqa: E731
        cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))
    )
    print(line(columns))
    print("-" * sum(widths))
    for row in rows:
        print(line(row))


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def goal(met: bool) -> str:
    return "met" if met else "NOT met"


def simulate_batch(model, task, n_subjects: int, seed: int):
    truth = sample_parameters(model, jax.random.key(seed), n_subjects)
    table = cognax.simulate(jax.random.key(seed + 1), model, task, truth, n_subjects=n_subjects)
    return data.to_batch(table, task), truth


# =========================================================================== 1. likelihood
def likelihood_case(name: str, n_subjects: int, n_numpy: int, repeats: int) -> dict:
    model = models.make(name)
    if name == "q_learning":
        task = tasks.make("bandit", n_trials=500)
        columns = ("choice", "reward")
        loop = lambda p, sub, row: numpy_q_learning(p, *row)  # noqa: E731
    elif name == "daw_hybrid":
        task = tasks.make("two_step")
        columns = ("choice", "choice2", "state", "reward")
        loop = lambda p, sub, row: numpy_daw_hybrid(p, *row)  # noqa: E731
    else:
        task = tasks.make("rlwm")
        columns = ("choice", "reward", "stimulus", "set_size", "block")
        loop = None
    batch, truth = simulate_batch(model, task, n_subjects, seed=10)
    if name == "rlwm":
        capacity = np.asarray(truth["capacity"], dtype=float)
        loop = lambda p, sub, row: numpy_rlwm(p, capacity[sub], *row)  # noqa: E731
    params = {k: jnp.asarray(v, dtype=float) for k, v in truth.items()}

    likelihood = jax.jit(lambda p, b: models.log_likelihood(model, p, b))
    start = time.perf_counter()
    compiled = likelihood.lower(params, batch).compile()
    compile_s = time.perf_counter() - start
    ours = np.asarray(compiled(params, batch))
    cognax_s = median_time(lambda: compiled(params, batch).block_until_ready(), repeats)

    rows = subject_rows(batch, columns)
    theta = params_matrix(model, truth, slice(None))
    n_numpy = min(n_numpy, n_subjects)
    theirs = np.array([loop(theta[i], i, rows[i]) for i in range(n_numpy)])
    difference = float(np.max(np.abs(theirs - ours[:n_numpy])))
    if difference > AGREEMENT_TOLERANCE:
        raise SystemExit(f"{name}: the NumPy loop differs from cognax by {difference:.2e} (> {AGREEMENT_TOLERANCE})")
    numpy_s = median_time(lambda: [loop(theta[i], i, rows[i]) for i in range(n_numpy)], repeats)
    trials = int(np.asarray(batch.fit_mask).sum(axis=1)[0])
    return {
        "model": name, "task": task.name, "trials": trials, "decisions": trials * task.decisions_per_trial,
        "subjects": n_subjects, "numpy_subjects": n_numpy, "compile_s": compile_s,
        "cognax_rate": n_subjects * trials / cognax_s, "numpy_rate": n_numpy * trials / numpy_s,
        "max_difference": difference,
    }


def collins_agreement() -> float:
    """Largest |NumPy - cognax| rlwm log-likelihood on Collins experiment 1 (random parameters)."""
    model = models.make("rlwm")
    task = tasks.make("rlwm")
    batch = data.to_batch(data.load("collins_rlwm", experiment=1), task)
    params = sample_parameters(model, jax.random.key(5), batch.n_subjects)
    ours = np.asarray(models.log_likelihood(model, params, batch))
    rows = subject_rows(batch, ("choice", "reward", "stimulus", "set_size", "block"))
    theta = params_matrix(model, params, slice(None))
    theirs = np.array([numpy_rlwm(theta[i], float(params["capacity"][i]), *rows[i]) for i in range(batch.n_subjects)])
    return float(np.max(np.abs(theirs - ours)))


def part_likelihood(args) -> None:
    print(f"\n1. Likelihood throughput: cognax log_likelihood (jit + vmap over {args.lik_subjects:,} simulated "
          f"subjects, float64) vs a Python loop with NumPy; median of {args.repeats} runs, compile excluded")
    results = [likelihood_case(name, args.lik_subjects, args.numpy_subjects, args.repeats)
               for name in ("q_learning", "daw_hybrid", "rlwm")]
    collins = collins_agreement()
    if collins > AGREEMENT_TOLERANCE:
        raise SystemExit(f"rlwm: the NumPy loop differs from cognax by {collins:.2e} on Collins experiment 1")
    rows = [[r["model"], r["task"], f"{r['trials']}", f"{r['compile_s']:.1f}", fmt_rate(r["cognax_rate"]),
             fmt_rate(r["numpy_rate"]), f"{r['cognax_rate'] / r['numpy_rate']:,.0f}x", f"{r['max_difference']:.1e}"]
            for r in results]
    print_table(["model", "task", "trials/subject", "compile s", "cognax trials/s", "NumPy trials/s", "ratio",
                 "max |dLL|"], rows)
    print(f"  NumPy timed on the first {results[0]['numpy_subjects']} subjects; max |dLL| is the largest difference "
          "of a subject's log-likelihood between the two\n  (checked < 1e-6 before timing). daw_hybrid: 2 decisions "
          f"per trial. rlwm on Collins experiment 1 (79 people, missed trials, blocks): max |dLL| {collins:.1e}.")


# =========================================================================== 2. fit vs SciPy
def scipy_fit_subject(model, objective, row, starts: np.ndarray) -> tuple[float, np.ndarray]:
    """Best of the starts: L-BFGS-B with bounds and finite-difference gradients."""
    bounds = [(p.low, p.high) for p in model.parameters]
    best = (math.inf, None)
    for x0 in starts:
        result = scipy.optimize.minimize(lambda x: -objective(x, *row), x0, method="L-BFGS-B", bounds=bounds)
        if result.fun < best[0]:
            best = (float(result.fun), result.x)
    return best


def scipy_starts(model, key, n_subjects: int, n_starts: int) -> np.ndarray:
    """[subject, start, param]: the model's defaults, then draws from its priors (as fit() does)."""
    draws = [np.asarray(p.prior.sample(k, (n_subjects, n_starts), p.low, p.high))
             for p, k in zip(model.parameters, jax.random.split(key, model.n_params))]
    starts = np.stack(draws, axis=-1)
    starts[:, 0, :] = [model.default_params()[name] for name in model.parameter_names]
    return starts


def part_fit(args) -> None:
    model = models.make("q_learning_persev")
    task = tasks.make("bandit", n_trials=args.fit_trials)
    batch, _ = simulate_batch(model, task, args.fit_subjects, seed=20)
    n_scipy = min(args.scipy_subjects, args.fit_subjects)
    print(f"\n2. Fitting {args.fit_subjects:,} simulated subjects x {args.fit_trials} trials, q_learning_persev "
          f"(3 parameters), {args.starts} starts per subject")

    clock = CompileClock()
    with clock:
        start = time.perf_counter()
        result = fit(model, batch, jax.random.key(0), n_starts=args.starts)
        cognax_s = time.perf_counter() - start
    compile_s = clock.seconds

    rows = subject_rows(batch, ("choice", "reward"))
    starts = scipy_starts(model, jax.random.key(1), n_scipy, args.starts)
    start = time.perf_counter()
    scipy_results = [scipy_fit_subject(model, numpy_q_learning_persev, rows[i], starts[i]) for i in range(n_scipy)]
    scipy_subset_s = time.perf_counter() - start
    scipy_s = scipy_subset_s / n_scipy * args.fit_subjects

    scipy_nll = np.array([r[0] for r in scipy_results])
    cognax_nll = np.asarray(result.nll)[:n_scipy]
    # cognax's reported NLL, recomputed with the NumPy loop at cognax's parameters.
    theta = params_matrix(model, result.params, slice(0, n_scipy))
    recomputed = -np.array([numpy_q_learning_persev(theta[i], *rows[i]) for i in range(n_scipy)])
    no_worse = float(np.mean(cognax_nll <= scipy_nll + NLL_TOLERANCE))
    scipy_no_worse = float(np.mean(scipy_nll <= cognax_nll + NLL_TOLERANCE))
    ratio = scipy_s / cognax_s

    print_table(
        ["", "subjects run", "wall s", "compile s", f"s for {args.fit_subjects:,}", "s/subject"],
        [["cognax fit (defaults: Newton, 256 lanes, SEs)", f"{args.fit_subjects:,}", f"{cognax_s:,.1f}",
          f"{compile_s:.1f}", f"{cognax_s:,.1f}", f"{cognax_s / args.fit_subjects:.4f}"],
         ["SciPy L-BFGS-B + NumPy loop", f"{n_scipy}", f"{scipy_subset_s:,.1f}", "-", f"{scipy_s:,.0f} (scaled)",
          f"{scipy_subset_s / n_scipy:.4f}"]])
    print()
    print_table(
        ["comparison", "value", "goal", ""],
        [["time ratio SciPy / cognax (compile included)", f"{ratio:,.1f}x", f">= {GOAL_FIT_RATIO}x",
          goal(ratio >= GOAL_FIT_RATIO)],
         ["time ratio SciPy / cognax (compile excluded)", f"{scipy_s / (cognax_s - compile_s):,.1f}x", "", ""],
         [f"cognax NLL <= SciPy NLL + {NLL_TOLERANCE:g} ({n_scipy} subjects)", f"{no_worse:.1%}",
          f">= {GOAL_NO_WORSE:.0%}", goal(no_worse >= GOAL_NO_WORSE)],
         [f"SciPy NLL <= cognax NLL + {NLL_TOLERANCE:g}", f"{scipy_no_worse:.1%}", "", ""],
         ["median / max (cognax - SciPy) NLL", f"{np.median(cognax_nll - scipy_nll):.1e} / "
          f"{np.max(cognax_nll - scipy_nll):.1e}", "", ""],
         ["max |cognax NLL - NumPy NLL at cognax's fit|", f"{np.max(np.abs(recomputed - cognax_nll)):.1e}", "", ""],
         ["cognax fits converged (all subjects)", f"{np.mean(result.converged):.1%}", "", ""]])
    print(f"  SciPy ran on the first {n_scipy} subjects (one process, one core) and is scaled linearly to "
          f"{args.fit_subjects:,};\n  its starts: the model's defaults, then {args.starts - 1} draws from the model's "
          "priors, like fit()'s. Compile: JAX tracing + lowering + XLA compile inside fit().")


# =========================================================================== 3. rlwm on Collins
def part_rlwm(args) -> None:
    model = models.make("rlwm")
    task = tasks.make("rlwm")
    batch = data.to_batch(data.load("collins_rlwm", experiment=1), task)
    n_capacities = len(model.discrete_parameters["capacity"])
    print(f"\n3. rlwm on Collins experiment 1: {batch.n_subjects} people, {int(np.asarray(batch.fit_mask).sum()):,} "
          f"valid trials (padded to {batch.n_trials}), {args.rlwm_starts} starts, capacity profiled over "
          f"{n_capacities} values, "
          + ("fit() defaults" if args.rlwm_max_iter is None else f"max_iter {args.rlwm_max_iter} (REDUCED; default 100)"))
    options = {} if args.rlwm_max_iter is None else {"max_iter": args.rlwm_max_iter}
    clock = CompileClock()
    runs = []
    for run in range(1 + args.rlwm_warm_runs):
        with clock:
            start = time.perf_counter()
            result = fit(model, batch, jax.random.key(run), n_starts=args.rlwm_starts, **options)
            runs.append((time.perf_counter() - start, clock.seconds))
    cold_s, compile_s = runs[0]
    rows = [["first call (compile included)", f"{cold_s:.1f}", f"{compile_s:.1f}", f"< {GOAL_RLWM_S:.0f}",
             goal(cold_s < GOAL_RLWM_S)],
            ["first call minus compile", f"{cold_s - compile_s:.1f}", "", f"< {GOAL_RLWM_S:.0f}",
             goal(cold_s - compile_s < GOAL_RLWM_S)]]
    if len(runs) > 1:
        warm = statistics.median(r[0] for r in runs[1:])
        rows.append([f"later calls, median of {len(runs) - 1} (compiled)", f"{warm:.1f}",
                     f"{statistics.median(r[1] for r in runs[1:]):.1f}", f"< {GOAL_RLWM_S:.0f}",
                     goal(warm < GOAL_RLWM_S)])
    print_table(["run", "wall s", "compile s", "goal", ""], rows)
    counts = np.bincount(np.asarray(result.params["capacity"], dtype=int), minlength=6)[2:]
    print(f"  converged {np.mean(result.converged):.0%}; people per fitted capacity 2/3/4/5: "
          f"{'/'.join(map(str, counts))}; {args.devices} CPU device(s)")
    if args.rlwm_reference_starts:
        # Are that many starts enough? Fit again with more, and compare each person's best NLL.
        start = time.perf_counter()
        reference = fit(model, batch, jax.random.key(0), n_starts=args.rlwm_reference_starts, **options)
        reference_s = time.perf_counter() - start
        excess = np.asarray(result.nll) - np.asarray(reference.nll)
        same_k = np.mean(np.asarray(result.params["capacity"]) == np.asarray(reference.params["capacity"]))
        print(f"  against {args.rlwm_reference_starts} starts ({reference_s:.0f} s): NLL({args.rlwm_starts} starts) - "
              f"NLL({args.rlwm_reference_starts}) median {np.median(excess):.1e}, max {excess.max():.2g}; "
              f"within 1e-4 for {np.mean(excess <= 1e-4):.0%}, within 0.1 for {np.mean(excess <= 0.1):.0%} of people; "
              f"same capacity for {same_k:.0%}")
    if args.rlwm_max_iter is not None:
        print(f"  max_iter={args.rlwm_max_iter} instead of fit()'s 100 to keep the run short: these are not the "
              "goal's numbers;\n  most (person, start, capacity) problems need more iterations, so the run "
              "stops them early and its time says little about the full fit's.")


# =========================================================================== 4. memory
def high_water_kb() -> int | None:
    """Peak RSS of this process image (Linux ``VmHWM``), which, unlike ``ru_maxrss``, starts afresh at exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_child(n_subjects: int, n_trials: int, n_starts: int, max_iter: int | None) -> None:
    """Run in a fresh process: simulate, fit, print peak RSS as JSON.

    Linux keeps ``ru_maxrss`` across fork and exec, so a child started late by a big
    parent reports at least the parent's peak: the parent starts this child before any
    other part runs, and the child also reports ``VmHWM`` (its own peak, from exec on).
    """
    jnp.zeros(1).block_until_ready()  # start the XLA client
    imported_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    imported_hwm = high_water_kb()
    model = models.make("q_learning_persev")
    task = tasks.make("bandit", n_trials=n_trials)
    start = time.perf_counter()
    batch, _ = simulate_batch(model, task, n_subjects, seed=30)
    simulated_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    options = {} if max_iter is None else {"max_iter": max_iter}
    result = fit(model, batch, jax.random.key(0), n_starts=n_starts, chunk_size=512, **options)
    print(json.dumps({
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "after_simulation_kb": simulated_kb,
        "hwm_kb": high_water_kb(), "imported_hwm_kb": imported_hwm, "imported_kb": imported_kb,
        "seconds": time.perf_counter() - start, "converged": float(np.mean(result.converged)),
    }))


def run_memory_child(args) -> dict | str:
    """Start the memory run (before the other parts, while this process is still small)."""
    command = [sys.executable, __file__, "--memory-child", str(args.mem_subjects), str(args.fit_trials),
               str(args.mem_starts), str(args.mem_max_iter or 0)]
    parent_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return f"memory run failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}"
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "parent_kb": parent_kb}


def part_memory(args) -> None:
    print(f"\n4. Peak memory fitting {args.mem_subjects:,} simulated subjects x {args.fit_trials} trials, "
          f"q_learning_persev, {args.mem_starts} starts, chunk_size 512"
          + ("" if args.mem_max_iter is None else f", max_iter {args.mem_max_iter} (reduced: see below)"))
    r = args.memory_result
    if isinstance(r, str):
        print("  " + r)
        return
    gb = lambda kb: kb / 1024**2  # noqa: E731
    peak_kb = r["hwm_kb"] if r["hwm_kb"] is not None else r["peak_kb"]
    rows = [["peak RSS of the subprocess (VmHWM)" if r["hwm_kb"] is not None else "peak RSS (ru_maxrss)",
             f"{gb(peak_kb):.2f} GB", f"< {GOAL_MEMORY_GB:.0f} GB", goal(gb(peak_kb) < GOAL_MEMORY_GB)],
            ["ru_maxrss of the subprocess", f"{gb(r['peak_kb']):.2f} GB", "", ""],
            ["  after imports (ru_maxrss)", f"{gb(r['imported_kb']):.2f} GB", "", ""],
            ["  after simulating, before fit (ru_maxrss)", f"{gb(r['after_simulation_kb']):.2f} GB", "", ""],
            ["wall time (simulate + fit, compile included)", f"{r['seconds']:.0f} s", "", ""]]
    print_table(["measure", "value", "goal", ""], rows)
    print(f"  Run first, in a fresh subprocess; Linux carries ru_maxrss over fork + exec (the parent was at "
          f"{gb(r['parent_kb']):.2f} GB then),\n  so VmHWM, the peak of the subprocess's own image, is the number "
          "checked against the goal.")
    if args.mem_max_iter is not None:
        print(f"  max_iter={args.mem_max_iter} instead of fit()'s 100 to keep the run short: the optimiser's loop "
              "carries fixed-size arrays,\n  so its memory does not grow with the number of iterations (the fits "
              "themselves are not finished).")


# =========================================================================== main
#: --quick: small sizes, and parts 3 and 4 cut to a few optimiser iterations (they say so).
QUICK = dict(lik_subjects=256, numpy_subjects=5, fit_subjects=100, scipy_subjects=5, starts=10, rlwm_starts=3,
             rlwm_warm_runs=0, rlwm_max_iter=3, rlwm_reference_starts=0, mem_subjects=2_000, mem_starts=3, mem_max_iter=2,
             repeats=3)
FULL = dict(lik_subjects=1_000, numpy_subjects=20, fit_subjects=1_000, scipy_subjects=20, starts=10, rlwm_starts=3,
            rlwm_warm_runs=0, rlwm_max_iter=None, rlwm_reference_starts=10, mem_subjects=10_000, mem_starts=3,
            mem_max_iter=None, repeats=5)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--memory-child":
        n_subjects, n_trials, n_starts, max_iter = map(int, sys.argv[2:6])
        use_cpu_cores()
        return memory_child(n_subjects, n_trials, n_starts, max_iter or None)
    parser = argparse.ArgumentParser(description="cognax vs NumPy loops and SciPy: likelihood and fitting speed")
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes); explicit options win")
    parser.add_argument("--parts", nargs="+", type=int, default=[1, 2, 3, 4], choices=[1, 2, 3, 4])
    parser.add_argument("--lik-subjects", type=int, help="subjects vmapped in the likelihood timing (1,000)")
    parser.add_argument("--numpy-subjects", type=int, help="subjects timed with the NumPy loops (20)")
    parser.add_argument("--fit-subjects", type=int, help="simulated subjects fitted by cognax in part 2 (1,000)")
    parser.add_argument("--fit-trials", type=int, default=500, help="trials per simulated subject (500)")
    parser.add_argument("--scipy-subjects", type=int, help="subjects fitted with SciPy, then scaled up (20)")
    parser.add_argument("--starts", type=int, help="starts per subject in part 2 (10)")
    parser.add_argument("--rlwm-starts", type=int, help="starts per person and capacity in part 3 (3)")
    parser.add_argument("--rlwm-warm-runs", type=int, help="part 3: fits after the first, compiled (0)")
    parser.add_argument("--rlwm-reference-starts", type=int,
                        help="part 3: also fit with this many starts and compare the NLLs (10; 0 skips)")
    parser.add_argument("--rlwm-max-iter", type=int, help="part 3: fit()'s max_iter (default: fit()'s, 100)")
    parser.add_argument("--mem-subjects", type=int, help="subjects in the memory run (10,000)")
    parser.add_argument("--mem-starts", type=int, help="starts per subject in the memory run (3)")
    parser.add_argument("--mem-max-iter", type=int, help="max_iter of the memory run (default: fit()'s)")
    parser.add_argument("--repeats", type=int, help="timed runs of each likelihood; the median is reported (5)")
    parser.add_argument("--devices", type=int, help="CPU devices cognax splits fits over (default: every core, "
                        "as the CLI does; 1: one core, like the SciPy loop)")
    args = parser.parse_args()
    args.devices = use_cpu_cores(args.devices)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {cores} CPU cores; load average at start "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)")
    print(f"cognax {cognax.__version__}, jax {jax.__version__} on {len(jax.devices())} "
          f"{jax.devices()[0].platform} device(s) (x64; fits split their lanes over them), "
          f"numpy {np.__version__}, scipy {scipy.__version__}; mode: {'quick' if args.quick else 'full'}")
    start = time.perf_counter()
    if 4 in args.parts:
        args.memory_result = run_memory_child(args)
    for part in sorted(args.parts):
        {1: part_likelihood, 2: part_fit, 3: part_rlwm, 4: part_memory}[part](args)
        sys.stdout.flush()
    load = os.getloadavg()
    print(f"\nload average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
