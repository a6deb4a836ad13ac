"""Compare learning rules on the same network, data, optimiser and seed (``cognax circuits compare``).

Example:
    >>> from cognax.circuits.compare import compare_rules
    >>> results, curves = compare_rules("digits", ["backprop", "feedback_alignment", "shallow"], epochs=10)  # doctest: +SKIP
    >>> results[["rule", "test_accuracy"]]                                                                 # doctest: +SKIP
"""

from __future__ import annotations

from typing import Sequence

import jax
import optax
import pandas as pd

from cognax.circuits import datasets, rules
from cognax.circuits.networks import MLP
from cognax.circuits.train import fit
from cognax.errors import CognaxError, unknown_name

OPTIMIZERS = {"adam": optax.adam, "sgd": optax.sgd}


def check_rule_names(names: Sequence[str]) -> list[str]:
    """The rule ids, checked (unknown ones listed with the valid ids) and without repeats."""
    names = [name.strip() for name in names if name.strip()]
    if not names:
        raise CognaxError(f"no learning rule given; valid: {', '.join(rules.RULE_NAMES)}")
    for name in names:
        if name not in rules.RULES:
            raise unknown_name("learning rule", name, rules.RULE_NAMES)
    if len(set(names)) != len(names):
        raise CognaxError(f"learning rules repeated in {','.join(names)}; give each once")
    return names


def compare_rules(
    dataset: str | datasets.Dataset,
    rule_names: Sequence[str],
    *,
    hidden: Sequence[int] = (128,),
    activation: str = "tanh",
    epochs: int = 20,
    batch_size: int = 32,
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
    seed: int = 0,
    max_train: int | None = None,
    on_rule=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train the same MLP with each rule; return ``(results, curves)``.

    Args:
        dataset: a data set id (:data:`cognax.circuits.datasets.NAMES`), an ``.npz`` path, or a Dataset.
        rule_names: learning-rule ids (:data:`cognax.circuits.rules.RULE_NAMES`).
        hidden: hidden-layer sizes.
        activation: hidden nonlinearity.
        epochs: passes over the training set.
        batch_size: examples per update.
        optimizer: ``"adam"`` or ``"sgd"``; the same for every rule.
        learning_rate: the optimiser's step size; the same for every rule.
        seed: every rule starts from the same weights and sees the same minibatches.
        max_train: use only the first ``max_train`` training examples.
        on_rule: called with each rule id before it trains (progress display).

    Returns:
        ``results``: one row per rule (``rule``, ``test_accuracy``, ``train_accuracy``,
        ``test_loss``, ``train_loss``, ``train_seconds``, ``seconds_per_epoch``, ``epochs``,
        ``dataset``, ``network``, ``optimizer``, ``learning_rate``, ``seed``); ``curves``: one row
        per rule and epoch.
    """
    rule_names = check_rule_names(rule_names)
    if optimizer not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    if not learning_rate > 0:
        raise CognaxError(f"learning rate must be positive; got {learning_rate}")
    data = dataset if isinstance(dataset, datasets.Dataset) else datasets.load(dataset)
    data = data.subset(max_train)
    network = MLP((data.n_features, *hidden, data.n_classes), activation=activation)
    built = {name: rules.make(name, network) for name in rule_names}  # every rule checked before any trains
    results, curves = [], []
    for name, rule in built.items():
        if on_rule is not None:
            on_rule(name)
        outcome = fit(jax.random.key(seed), network, rule, OPTIMIZERS[optimizer](learning_rate), data, epochs=epochs, batch_size=batch_size)
        final = outcome.curve.iloc[-1]
        results.append(dict(rule=name, test_accuracy=final.test_accuracy, train_accuracy=final.train_accuracy,
                            test_loss=final.test_loss, train_loss=final.train_loss, train_seconds=outcome.train_seconds,
                            seconds_per_epoch=outcome.seconds_per_epoch, epochs=epochs, dataset=data.name,
                            network=network.describe(), optimizer=optimizer, learning_rate=learning_rate, seed=seed))
        curves.append(outcome.curve.assign(rule=name))
    curve_table = pd.concat(curves, ignore_index=True)
    columns = ["rule"] + [c for c in curve_table.columns if c != "rule"]
    return pd.DataFrame(results), curve_table[columns]


def plot_curves(curves: pd.DataFrame, path) -> None:
    """Test accuracy and training loss against epoch, one line per rule."""
    import matplotlib

    from cognax.analysis._figure import STYLE, new_figure, save

    with matplotlib.rc_context(STYLE):
        figure, (ax_accuracy, ax_loss) = new_figure(2, panel=(3.0, 2.5))
        for name, part in curves.groupby("rule", sort=False):
            ax_accuracy.plot(part.epoch, part.test_accuracy, marker="o", markersize=2, label=name)
            ax_loss.plot(part.epoch, part.train_loss, marker="o", markersize=2, label=name)
        ax_accuracy.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1))
        ax_loss.set(xlabel="epoch", ylabel="training loss", yscale="log")
        ax_accuracy.legend()
        save(figure, path, pdf=False, dpi=130)


def summary_line(results: pd.DataFrame) -> str:
    return "; ".join(f"{row.rule} {row.test_accuracy:.3f}" for row in results.itertuples())


__all__ = ["OPTIMIZERS", "check_rule_names", "compare_rules", "plot_curves", "summary_line"]
