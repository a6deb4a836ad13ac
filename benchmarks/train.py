"""Agent training speed: cognax (one jitted training function) against Stable-Baselines3.

One command runs both sides::

    python benchmarks/train.py

The setup is Wang et al. (2016) experiment 1: a 2-armed Bernoulli bandit (p ~ U[0, 1],
100 trials per episode), LSTM with 48 units, the meta-RL input (previous action and
reward). Reported: environment steps per second *including learning* (roll-out,
backpropagation through time, optimiser step), median over ``--repeats`` timed runs with
compilation excluded; the wall time of one reproduction-1 agent's training (20,000
episodes = 2,000,000 steps) from a cold start, compilation included; and the wall time of
the full reproduction 1 as a user runs it, ``cognax reproduce wang2016_bandit --out DIR``
in a fresh process without the compilation cache (its candidate agents, trained together,
the model selection, the no-reward-input control, the baselines and the test).

- cognax: :data:`cognax.agents.repro_bandits.BANDIT_CONFIG` (A2C, 32 parallel episodes,
  10-decision segments), ``train_agents`` in chunks of updates.
- Stable-Baselines3: sb3-contrib's ``RecurrentPPO`` (``MlpLstmPolicy``, LSTM 48, one
  epoch per roll-out of 100 steps x 8 environments, PyTorch on the CPU) on the same task
  through cognax's Gymnasium adapter (``cognax.tasks.gymnasium``), run as a subprocess in
  benchmarks/.venv-sb3 (``bash benchmarks/setup_sb3_env.sh``); without it only the
  cognax numbers are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SB3_PYTHON = HERE / ".venv-sb3" / "bin" / "python"
SB3_SCRIPT = HERE / "_sb3_train.py"


def cognax_rate(repeats: int, updates: int) -> tuple[float, float]:
    """Median steps/s of cognax training (compile excluded) and the compile time."""
    import jax
    import jax.numpy as jnp

    from cognax.agents.repro_bandits import BANDIT_CONFIG
    from cognax.agents.runs import programs

    config = BANDIT_CONFIG.replace(n_updates=updates)
    trainer, init, run_updates = programs(config)
    with jax.enable_x64(False):
        state = init(jnp.stack([jax.random.key(0)]))
        start = time.perf_counter()
        state, metrics = jax.block_until_ready(run_updates(state, jnp.int32(updates)))
        compile_and_first = time.perf_counter() - start
        steps = updates * config.n_envs * trainer.environment.rollout_length
        rates = []
        for _ in range(repeats):
            start = time.perf_counter()
            state, metrics = jax.block_until_ready(run_updates(state, jnp.int32(updates)))
            rates.append(steps / (time.perf_counter() - start))
    return statistics.median(rates), compile_and_first - steps / statistics.median(rates)


def one_agent_wall_time() -> float:
    """Seconds to train one reproduction-1 agent (20,000 episodes) in a fresh process, compile included."""
    code = (
        "import time; t = time.perf_counter()\n"
        "from cognax.agents.repro_bandits import BANDIT_CONFIG, TRAIN_EPISODES\n"
        "from cognax.agents.runs import train_agents\n"
        "train_agents(BANDIT_CONFIG.with_episodes(TRAIN_EPISODES, 100), seeds=[0])\n"
        "print(time.perf_counter() - t)\n"
    )
    environment = dict(os.environ, JAX_ENABLE_COMPILATION_CACHE="false")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def full_reproduction_wall_time() -> tuple[float, bool]:
    """Seconds of ``cognax reproduce wang2016_bandit`` (full size, seed 0) in a fresh process, compile
    included (no persistent compilation cache), and whether its checks passed."""
    from cognax.agents.repro_bandits import CANDIDATES

    print(f"(full reproduction 1: {CANDIDATES} candidate agents + the no-reward-input control)")
    cognax = Path(sys.executable).with_name("cognax")
    environment = dict(os.environ, COGNAX_COMPILATION_CACHE="0", JAX_ENABLE_COMPILATION_CACHE="false")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        done = subprocess.run([str(cognax), "reproduce", "wang2016_bandit", "--out", str(Path(folder) / "out")],
                              capture_output=True, text=True, env=environment)
        seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: ran, but a check failed
        raise RuntimeError(f"cognax reproduce failed:\n{done.stderr[-2000:]}")
    return seconds, done.returncode == 0


def sb3_rate(repeats: int, steps: int) -> float | None:
    if not SB3_PYTHON.exists():
        print(f"(Stable-Baselines3 side skipped: run `bash {HERE / 'setup_sb3_env.sh'}` first)")
        return None
    done = subprocess.run([str(SB3_PYTHON), str(SB3_SCRIPT), "--steps", str(steps), "--repeats", str(repeats)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print("Stable-Baselines3 side failed:\n" + done.stderr[-2000:])
        return None
    return statistics.median(json.loads(done.stdout.strip().splitlines()[-1])["steps_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--updates", type=int, default=500, help="cognax updates per timed run (320 steps each)")
    parser.add_argument("--sb3-steps", type=int, default=10_000, help="SB3 steps per timed run")
    parser.add_argument("--skip-full", action="store_true", help="skip the reproduction-1 wall times")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores")
    rate, compile_seconds = cognax_rate(args.repeats, args.updates)
    sb3 = sb3_rate(args.repeats, args.sb3_steps)
    print(f"{'':34s}{'steps/s (with learning)':>26s}")
    print(f"{'cognax A2C, LSTM 48, 32 envs':34s}{rate:26,.0f}   (compile {compile_seconds:.1f} s)")
    if sb3 is not None:
        print(f"{'SB3 RecurrentPPO, LSTM 48, 8 envs':34s}{sb3:26,.0f}")
        print(f"ratio cognax / SB3: {rate / sb3:.0f}x")
    if not args.skip_full:
        print(f"one reproduction-1 agent's training (2,000,000 steps, compile included): {one_agent_wall_time():.1f} s")
        seconds, passed = full_reproduction_wall_time()
        print(f"full reproduction 1 (cognax reproduce wang2016_bandit, compile included): {seconds:.1f} s, "
              f"checks {'passed' if passed else 'FAILED'}")


if __name__ == "__main__":
    main()
