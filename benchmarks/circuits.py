"""Learning-rule training speed and accuracy: cognax (JAX) against biotorch (PyTorch).

One command runs both sides::

    python benchmarks/circuits.py [--dataset mnist5k] [--hidden 256] [--epochs 5] [--repeats 1]

The same task on both sides: a tanh MLP (784-256-10 on mnist5k by default), Adam with step
1e-3, minibatches of 32, trained with backprop, feedback alignment (FA) and direct feedback
alignment (DFA) on the same arrays (the data set is written once to a temporary .npz that
both read). cognax runs in this process (``cognax.circuits.fit``: each epoch one jitted
``lax.scan`` over minibatches; the first epoch, which compiles, is reported apart and left
out of the median). PyTorch runs in benchmarks/.venv-torch (``bash
benchmarks/setup_torch_env.sh``) as a subprocess running benchmarks/_torch_rules.py: biotorch
0.0.16's ``BioModule`` for FA and DFA (it installs beside PyTorch 2.13 without its old pins),
or plain PyTorch rules written there if biotorch does not import, and a plain PyTorch loop
for backprop. Without that environment the cognax numbers are still printed.

Seconds per epoch are medians over the epochs after the first; accuracies are on the test set
after the last epoch.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import tempfile
from pathlib import Path

import jax
import numpy as np
import optax

from cognax.circuits import MLP, fit, rules
from cognax.circuits.datasets import load

HERE = Path(__file__).resolve().parent
TORCH_PYTHON = HERE / ".venv-torch" / "bin" / "python"
TORCH_SCRIPT = HERE / "_torch_rules.py"
#: cognax rule id -> biotorch mode
PAIRS = {"backprop": "backprop", "feedback_alignment": "fa", "direct_feedback_alignment": "dfa"}


def run_cognax(data, hidden, epochs: int, repeats: int, seed: int) -> dict:
    network = MLP((data.n_features, *hidden, data.n_classes))
    results = {}
    for name in PAIRS:
        per_epoch, first, accuracy = [], [], []
        for repeat in range(repeats):
            outcome = fit(jax.random.key(seed + repeat), network, rules.make(name, network), optax.adam(1e-3), data,
                          epochs=epochs, batch_size=32)
            per_epoch.append(outcome.seconds_per_epoch)
            first.append(float(outcome.curve.seconds.iloc[1]))
            accuracy.append(float(outcome.curve.test_accuracy.iloc[-1]))
        results[name] = dict(seconds_per_epoch=statistics.median(per_epoch), first_epoch_seconds=statistics.median(first),
                             test_accuracy=statistics.median(accuracy))
    return results


def run_torch(data, hidden, epochs: int, seed: int) -> dict | None:
    if not TORCH_PYTHON.exists():
        print(f"(no {TORCH_PYTHON}: run `bash benchmarks/setup_torch_env.sh` for the PyTorch side)")
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.npz"
        np.savez(path, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test)
        completed = subprocess.run(
            [str(TORCH_PYTHON), str(TORCH_SCRIPT), str(path), "--hidden", ",".join(map(str, hidden)), "--epochs", str(epochs),
             "--rules", ",".join(PAIRS.values()), "--seed", str(seed)],
            capture_output=True, text=True, check=True,
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist5k")
    parser.add_argument("--hidden", default="256")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=1, help="cognax runs per rule (PyTorch: one)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    hidden = tuple(int(h) for h in args.hidden.split(","))
    data = load(args.dataset)
    print(f"{args.dataset}: MLP {data.n_features}-{'-'.join(map(str, hidden))}-{data.n_classes} tanh, Adam 1e-3, batch 32, "
          f"{args.epochs} epochs; {platform.processor() or platform.machine()}, jax {jax.__version__} ({jax.default_backend()})")
    ours = run_cognax(data, hidden, args.epochs, args.repeats, args.seed)
    theirs = run_torch(data, hidden, args.epochs, args.seed)
    header = f"{'rule':<28}{'cognax s/epoch':>16}{'(1st, compiles)':>17}{'torch s/epoch':>15}{'torch/cognax':>14}{'acc cognax':>12}{'acc torch':>11}  torch side"
    print(header)
    print("-" * len(header))
    by_rule = {r["rule"]: r for r in theirs["results"]} if theirs else {}
    for name, mode in PAIRS.items():
        mine = ours[name]
        other = by_rule.get(mode)
        torch_time = f"{other['seconds_per_epoch']:.3f}" if other else "-"
        ratio = f"{other['seconds_per_epoch'] / mine['seconds_per_epoch']:.1f}x" if other else "-"
        torch_accuracy = f"{other['test_accuracy']:.3f}" if other else "-"
        print(f"{name:<28}{mine['seconds_per_epoch']:>16.3f}{mine['first_epoch_seconds']:>17.2f}{torch_time:>15}{ratio:>14}"
              f"{mine['test_accuracy']:>12.3f}{torch_accuracy:>11}  {other['implementation'] if other else ''}")
    if theirs:
        print(f"PyTorch {theirs['torch']} with {theirs['threads']} threads")


if __name__ == "__main__":
    main()
