"""NeuroGym steps per second, the way its users step it; prints one JSON object.

Runs inside benchmarks/.venv-neurogym (NeuroGym pins old numpy/gymnasium and imports
PyTorch), launched by benchmarks/tasks.py. Each environment is made with
``neurogym.make``, reset once, then stepped in a plain Python loop with
``env.step(env.action_space.sample())``; a trial is counted whenever NeuroGym's
``info["new_trial"]`` is true.

Usage: python benchmarks/_neurogym_steps.py --steps 20000 --repeats 5 Bandit-v0 DawTwoStep-v0
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings


def measure(env_id: str, n_steps: int, repeats: int, seed: int) -> dict:
    import neurogym

    env = neurogym.make(env_id)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    for _ in range(200):  # warm-up: first-call costs are not part of the rate
        env.step(env.action_space.sample())
    steps_per_s, trials_per_s = [], []
    for _ in range(repeats):
        env.reset()
        trials = 0
        start = time.perf_counter()
        for _ in range(n_steps):
            _, _, _, _, info = env.step(env.action_space.sample())
            trials += bool(info["new_trial"])
        elapsed = time.perf_counter() - start
        steps_per_s.append(n_steps / elapsed)
        trials_per_s.append(trials / elapsed)
    return {
        "env": env_id,
        "dt_ms": env.unwrapped.dt,
        "steps": n_steps,
        "repeats": repeats,
        "steps_per_s": statistics.median(steps_per_s),
        "trials_per_s": statistics.median(trials_per_s),
        "steps_per_s_all": steps_per_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("envs", nargs="+", help="NeuroGym ids, e.g. Bandit-v0 DawTwoStep-v0")
    parser.add_argument("--steps", type=int, default=20_000, help="steps per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    # NeuroGym and Gymnasium 0.29 warn on make (render_modes metadata); stdout stays pure JSON.
    warnings.simplefilter("ignore")
    import neurogym

    result = {
        "neurogym": neurogym.__version__,
        "python": sys.version.split()[0],
        "envs": [measure(env_id, args.steps, args.repeats, args.seed) for env_id in args.envs],
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
