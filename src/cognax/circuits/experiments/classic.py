"""Reproductions of the history of neural networks: McCulloch-Pitts, the perceptron, XOR by backprop."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax
import pandas as pd

from cognax.circuits import rules
from cognax.circuits.classic import (
    BINARY_PAIRS,
    XOR_TARGETS,
    mcculloch_pitts_circuits,
    novikoff_bound,
    perceptron,
    separable_data,
    single_units_computing,
)
from cognax.circuits.experiments._output import STYLE, new_figure, save_figure, write_csv
from cognax.circuits.networks import MLP
from cognax.circuits.train import train_online
from cognax.reproduce.checks import Check, above, below


def run_mcculloch_pitts(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Exact truth tables of AND, OR, NOT and two-layer XOR; no single unit computes XOR."""
    truth = {"AND": BINARY_PAIRS[:, 0] & BINARY_PAIRS[:, 1], "OR": BINARY_PAIRS[:, 0] | BINARY_PAIRS[:, 1],
             "XOR (two layers)": XOR_TARGETS}
    rows, checks = [], []
    for name, circuit in mcculloch_pitts_circuits().items():
        inputs = np.array([[0], [1]]) if name == "NOT" else BINARY_PAIRS
        expected = 1 - inputs[:, 0] if name == "NOT" else truth[name]
        obtained = circuit(inputs)
        rows += [dict(circuit=name, inputs=" ".join(map(str, x)), expected=int(e), output=int(o))
                 for x, e, o in zip(inputs, expected, obtained)]
        checks.append(Check(f"truth_table_{name.split()[0]}", " ".join(map(str, expected)), " ".join(map(str, obtained)),
                            None, bool(np.array_equal(expected, obtained))))
    # exhaustive search: every single unit with weights in -3..3 and thresholds in -3.5..3.5 (step 0.5)
    n_xor = single_units_computing(XOR_TARGETS)
    checks.append(Check("single_units_computing_xor", 0, n_xor, None, n_xor == 0))
    n_and = single_units_computing(truth["AND"])
    checks.append(above("single_units_computing_and", n_and, 0, "AND is linearly separable"))
    write_csv(pd.DataFrame(rows), out / "truth_tables.csv")

    with matplotlib.rc_context(STYLE):
        figure, axes = new_figure(4, panel=(1.8, 1.8))
        for ax, name in zip(axes, ["AND", "OR", "NOT", "XOR (two layers)"]):
            table = pd.DataFrame([r for r in rows if r["circuit"] == name])
            ax.table(cellText=table[["inputs", "output"]].values, colLabels=["in", "out"], loc="center")
            ax.set_title(name)
            ax.axis("off")
        save_figure(figure, out / "truth_tables.png")
    return checks


def run_perceptron(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Perceptron mistakes within Novikoff's bound on separable data, and endless mistakes on XOR."""
    n_problems = 5 if quick else 20
    epochs = 50 if quick else 200
    rows = []
    for index, key in enumerate(jax.random.split(jax.random.key(seed), n_problems)):
        inputs, labels, separator = separable_data(key, n=100, dim=5, margin=0.1)
        run = perceptron(inputs, labels, epochs)
        rows.append(dict(problem=index, mistakes=run.total_mistakes, bound=novikoff_bound(inputs, labels, separator),
                         converged=run.converged, epochs_to_converge=int(np.argmax(run.mistakes_per_epoch == 0))))
    table = pd.DataFrame(rows)
    xor = perceptron(BINARY_PAIRS.astype(float), np.where(XOR_TARGETS == 1, 1.0, -1.0), epochs)
    write_csv(table, out / "perceptron_mistakes.csv")
    checks = [
        Check("separable_problems_converged", n_problems, int(table.converged.sum()), None, bool(table.converged.all())),
        below("max_mistakes_over_novikoff_bound", float((table.mistakes / table.bound).max()), 1.0, "(R/gamma)^2"),
        above("xor_min_mistakes_per_epoch", int(xor.mistakes_per_epoch.min()), 0, f"never converges in {epochs} epochs"),
    ]
    with matplotlib.rc_context(STYLE):
        figure, (ax_bound, ax_xor) = new_figure(2, panel=(2.8, 2.4))
        ax_bound.scatter(table.bound, table.mistakes, s=10, color="black")
        top = table.bound.max() * 1.05
        ax_bound.plot([0, top], [0, top], color="tab:orange", label="Novikoff bound")
        ax_bound.set(xlabel="(R/γ)²", ylabel="mistakes until convergence", title="separable data")
        ax_bound.legend()
        ax_xor.plot(np.arange(1, epochs + 1), xor.mistakes_per_epoch, color="black")
        ax_xor.set(xlabel="epoch", ylabel="mistakes per epoch", ylim=(0, 4.2), title="XOR")
        save_figure(figure, out / "perceptron.png")
    return checks


def _xor_runs(key, sizes, n_seeds: int, steps: int):
    network = MLP(sizes, activation="tanh")
    rule = rules.make("backprop", network)
    inputs, targets = jnp.asarray(BINARY_PAIRS, float), jnp.asarray(XOR_TARGETS)

    def one(seed_key):
        params, _, losses = train_online(seed_key, network, rule, optax.adam(0.05), lambda k: (inputs, targets), steps)
        return network.accuracy(params, inputs, targets), losses

    return jax.jit(jax.vmap(one))(jax.random.split(key, n_seeds))


def run_xor_backprop(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """A 2-4-2 network learns XOR by backprop from almost every start; a 2-2 single layer never does."""
    n_seeds, steps = (10, 300) if quick else (50, 1000)
    two_key, one_key = jax.random.split(jax.random.key(seed))
    two_accuracy, two_losses = _xor_runs(two_key, (2, 4, 2), n_seeds, steps)
    one_accuracy, one_losses = _xor_runs(one_key, (2, 2), n_seeds, steps)
    two_accuracy, one_accuracy = np.asarray(two_accuracy), np.asarray(one_accuracy)
    write_csv(pd.DataFrame(dict(seed=np.arange(n_seeds), two_layer_accuracy=two_accuracy, single_layer_accuracy=one_accuracy)),
              out / "xor_accuracy.csv")
    checks = [
        # a few starts of a small tanh network stall in a local minimum; 80% solving is a conservative floor
        above("two_layer_fraction_solved", float(np.mean(two_accuracy == 1.0)), 0.8, "backprop solves XOR"),
        below("single_layer_best_accuracy", float(one_accuracy.max()), 0.76, "at most 3 of 4 patterns"),
    ]
    with matplotlib.rc_context(STYLE):
        figure, (ax,) = new_figure(1, panel=(3.2, 2.4))
        for losses, colour, label in ((two_losses, "black", "2-4-2 (hidden layer)"), (one_losses, "tab:orange", "2-2 (single layer)")):
            ax.plot(np.asarray(losses).T, color=colour, alpha=0.3, linewidth=0.7)
            ax.plot([], [], color=colour, label=label)
        ax.set(xlabel="update", ylabel="cross-entropy", yscale="log", title="XOR by backpropagation")
        ax.legend()
        save_figure(figure, out / "xor_backprop.png")
    return checks
