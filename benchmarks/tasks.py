"""Task stepping speed: cognax (jitted, vmapped) against NeuroGym (a Python loop).

One command runs both sides::

    python benchmarks/tasks.py

cognax runs in this process: every registered task, a uniform random policy (its
actions drawn for the whole episode at once), the whole episode one ``lax.scan`` (reset
included) and ``jax.vmap`` over 1,024 and 16,384 parallel episodes; compile time is
reported apart and excluded from the rate. Every value a step
returns (observation, reward, flags, info) is summed into a per-episode checksum, so
XLA cannot drop any of the work; storing whole trajectories would add memory traffic.

NeuroGym runs in its own virtual environment (benchmarks/.venv-neurogym; it pins old
numpy and gymnasium and imports PyTorch), as a subprocess running
benchmarks/_neurogym_steps.py: ``env.reset()`` then
``env.step(env.action_space.sample())`` in a plain Python loop, as its users do.
Create that environment with ``bash benchmarks/setup_neurogym_env.sh``; without it the
cognax numbers are still printed.

Every rate is the median over ``--repeats`` timed runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp

import cognax.tasks as tasks

HERE = Path(__file__).resolve().parent
NEUROGYM_PYTHON = HERE / ".venv-neurogym" / "bin" / "python"
NEUROGYM_SCRIPT = HERE / "_neurogym_steps.py"
SETUP_SCRIPT = HERE / "setup_neurogym_env.sh"
#: cognax task -> the NeuroGym environment it is compared with.
PAIRS = {"bandit": "Bandit-v0", "two_step": "DawTwoStep-v0"}


# --------------------------------------------------------------------------- cognax
def make_rollout(task: tasks.Task, n_episodes: int):
    """A jitted function key -> per-episode checksums of random-policy episodes."""
    params = task.default_params()

    def checksum(ts) -> jax.Array:
        leaves = jax.tree.leaves((ts.obs, ts.reward, ts.terminated, ts.truncated, ts.info))
        return sum(jnp.sum(leaf.astype(jnp.float32)) for leaf in leaves)

    def episode(key):
        reset_key, action_key, key = jax.random.split(key, 3)
        _, state = task.reset(reset_key, params)
        # The random policy ignores observations, so its actions are drawn for the whole
        # episode at once (vectorised) instead of one threefry call per step.
        actions = jax.random.randint(action_key, (task.n_decisions,), 0, task.n_actions)
        keys = jax.random.split(key, task.n_decisions)

        def body(carry, key_and_action):
            state, total = carry
            step_key, action = key_and_action
            ts = task.step(step_key, state, action, params)
            return (ts.state, total + checksum(ts)), None

        (_, total), _ = jax.lax.scan(body, (state, jnp.float32(0.0)), (keys, actions))
        return total

    return jax.jit(lambda key: jax.vmap(episode)(jax.random.split(key, n_episodes)))


def time_cognax(task: tasks.Task, n_episodes: int, repeats: int) -> dict:
    key = jax.random.key(0)
    start = time.perf_counter()
    run = make_rollout(task, n_episodes).lower(key).compile()
    compile_s = time.perf_counter() - start
    run(key).block_until_ready()  # warm-up: first execution allocates buffers
    seconds = []
    for repeat in range(repeats):
        key = jax.random.key(repeat + 1)
        start = time.perf_counter()
        run(key).block_until_ready()
        seconds.append(time.perf_counter() - start)
    steps = n_episodes * task.n_decisions
    return {
        "task": task.name,
        "episodes": n_episodes,
        "steps_per_episode": task.n_decisions,
        "steps_per_trial": task.decisions_per_trial,
        "compile_s": compile_s,
        "median_s": statistics.median(seconds),
        "steps_per_s": steps / statistics.median(seconds),
    }


def time_adapter(name: str, n_steps: int, repeats: int) -> dict | None:
    """cognax through its Gymnasium adapter, stepped in a Python loop like NeuroGym."""
    try:
        from cognax.tasks import gymnasium as cognax_gym

        env = cognax_gym.make(name)
    except Exception as error:  # the optional extra is missing: say so, keep going
        print(f"  (Gymnasium adapter skipped: {error})")
        return None
    env.action_space.seed(0)
    env.reset(seed=0)
    env.step(env.action_space.sample())  # compile
    rates = []
    for _ in range(repeats):
        env.reset()
        done = False
        start = time.perf_counter()
        for _ in range(n_steps):
            if done:
                env.reset()
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            done = terminated or truncated
        rates.append(n_steps / (time.perf_counter() - start))
    return {"task": name, "steps_per_s": statistics.median(rates)}


# --------------------------------------------------------------------------- NeuroGym
def run_neurogym(python: Path, n_steps: int, repeats: int) -> dict | None:
    if not python.exists():
        print(f"\nNeuroGym skipped: no virtual environment at {python}.")
        print("Create it (about 1 GB, PyTorch CPU build included), then run this again:")
        print(f"    bash {SETUP_SCRIPT.relative_to(HERE.parent)}")
        return None
    command = [str(python), str(NEUROGYM_SCRIPT), "--steps", str(n_steps), "--repeats", str(repeats)]
    command += list(PAIRS.values())
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"\nNeuroGym run failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report
#: the issue's goal: cognax steps/s at least this many times NeuroGym's.
GOAL_RATIO = 100


def fmt(rate: float) -> str:
    return f"{rate:,.0f}"


def print_table(columns: list[tuple[str, int]], rows: list[list[str]]) -> None:
    """Left-align the first column, right-align the rest; widths are minimums."""
    widths = [max([width, len(title)] + [len(row[i]) + 2 for row in rows]) for i, (title, width) in enumerate(columns)]
    line = lambda cells: "".join(  # noqa: E731
        cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))
    )
    print(line([title for title, _ in columns]))
    print("-" * sum(widths))
    for row in rows:
        print(line(row))


def main() -> None:
    parser = argparse.ArgumentParser(description="cognax vs NeuroGym: task steps per second")
    parser.add_argument("--tasks", nargs="+", default=tasks.names(), help="registered cognax tasks (default: all)")
    parser.add_argument("--episodes", nargs="+", type=int, default=[1024, 16384], help="parallel episodes")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the median is reported")
    parser.add_argument("--neurogym-steps", type=int, default=20_000, help="NeuroGym steps per timed run")
    parser.add_argument("--neurogym-python", type=Path, default=NEUROGYM_PYTHON)
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} CPU cores; load average at start {os.getloadavg()[0]:.1f}")
    print(f"cognax: jax {jax.__version__} on {jax.devices()[0].platform}, "
          f"x64 {'on' if jax.config.jax_enable_x64 else 'off'}; every rate is the median of {args.repeats} runs")

    print("\ncognax: random policy, jitted (lax.scan over each episode, vmap over episodes), compile excluded")
    cognax_results, rows = {}, []
    for name in args.tasks:
        task = tasks.make(name)
        for n_episodes in args.episodes:
            r = cognax_results[name, n_episodes] = time_cognax(task, n_episodes, args.repeats)
            rows.append([name, str(r["steps_per_trial"]), str(r["steps_per_episode"]), f"{n_episodes:,}",
                         f"{r['compile_s']:.1f}", fmt(r["steps_per_s"]), fmt(r["steps_per_s"] / r["steps_per_trial"])])
    print_table([("task", 20), ("steps/trial", 12), ("steps/episode", 14), ("episodes", 10), ("compile s", 10),
                 ("steps/s", 14), ("trials/s", 14)], rows)
    print("  a cognax step is one decision (one task.step call); an episode's reset is inside the timed run")

    print("\ncognax through its Gymnasium adapter: one environment, one step per Python call (for reference)")
    for name in PAIRS:
        if name in args.tasks:
            result = time_adapter(name, n_steps=2_000, repeats=args.repeats)
            if result is None:
                break
            print(f"{name:<20}{fmt(result['steps_per_s']):>14} steps/s")

    neurogym = run_neurogym(args.neurogym_python, args.neurogym_steps, args.repeats)
    if neurogym is not None:
        print(f"\nNeuroGym {neurogym['neurogym']}: one environment, Python loop of "
              f"env.step(env.action_space.sample()), {args.neurogym_steps:,} steps per run")
        by_env = {r["env"]: r for r in neurogym["envs"]}
        print_table([("env", 20), ("dt ms", 7), ("steps/s", 14), ("trials/s", 14)],
                    [[r["env"], str(r["dt_ms"]), fmt(r["steps_per_s"]), fmt(r["trials_per_s"])]
                     for r in neurogym["envs"]])

        print(f"\ncognax / NeuroGym (goal: >= {GOAL_RATIO}x NeuroGym's steps/s)")
        rows = []
        for name, env_id in PAIRS.items():
            theirs = by_env[env_id]
            for n_episodes in args.episodes:
                if (name, n_episodes) in cognax_results:
                    ours = cognax_results[name, n_episodes]
                    ratio = ours["steps_per_s"] / theirs["steps_per_s"]
                    trial_ratio = ours["steps_per_s"] / ours["steps_per_trial"] / theirs["trials_per_s"]
                    rows.append([f"{name} vs {env_id}", f"{n_episodes:,}", fmt(ours["steps_per_s"]),
                                 fmt(theirs["steps_per_s"]), f"{ratio:,.0f}x", f"{trial_ratio:,.0f}x",
                                 "met" if ratio >= GOAL_RATIO else "NOT met"])
        print_table([("comparison", 30), ("episodes", 10), ("cognax steps/s", 16), ("NeuroGym steps/s", 18),
                     ("ratio steps", 13), ("ratio trials", 14), ("goal", 9)], rows)
        print(
            "\nWhat a step is:\n"
            "  cognax: one decision. bandit: 1 step per trial. two_step: 2 steps per trial (stage-1 choice,\n"
            "    stage-2 choice).\n"
            f"  NeuroGym: one time bin of dt = {by_env['Bandit-v0']['dt_ms']} ms. Bandit-v0: 1 bin per trial. "
            "DawTwoStep-v0: 2 bins per trial\n"
            "    (stage-1 choice, then a bin that must be 'fixate'), but a random 'fixate' (action 0 of 3) in\n"
            "    the first bin aborts the trial after 1 bin, so its trials/s is about 0.6 x its steps/s.\n"
            "  'ratio trials' compares trials per second (NeuroGym's trials counted from info['new_trial']).\n"
            "  NeuroGym's loop runs on one core (Python); cognax uses the cores XLA gives it. The adapter\n"
            "  line shows where the speed comes from: jit + vmap over many episodes, not a faster single step."
        )
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
