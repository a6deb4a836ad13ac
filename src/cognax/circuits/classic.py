"""The classic systems of the field's history: McCulloch-Pitts units, the perceptron, XOR.

- McCulloch & Pitts (1943, Bull Math Biophys 5:115): a binary threshold unit fires when the
  weighted sum of its binary inputs reaches its threshold. Wired together, such units compute
  any Boolean function; a single one computes only linearly separable ones, so XOR needs two
  layers.
- Rosenblatt's perceptron (1958, Psychol Rev 65:386): on each mistake ``w <- w + y x``
  (labels ``y`` in {-1, +1}, the input extended with a constant 1 for the bias). Novikoff
  (1962) proved that on data separated with margin ``gamma`` by a unit vector, and with
  ``|x| <= R``, it makes at most ``(R / gamma)^2`` mistakes; on data no hyperplane separates,
  such as XOR (Minsky & Papert 1969), it never stops making them.
"""

from __future__ import annotations

import itertools
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

#: all four binary input pairs, in truth-table order.
BINARY_PAIRS = np.array(list(itertools.product((0, 1), repeat=2)))
XOR_TARGETS = np.array([0, 1, 1, 0])


def threshold_unit(weights, threshold):
    """A McCulloch-Pitts unit: ``x -> 1 if weights . x >= threshold else 0``."""
    weights = np.asarray(weights)

    def fire(inputs):
        return (np.asarray(inputs) @ weights >= threshold).astype(int)

    return fire


def mcculloch_pitts_circuits() -> dict:
    """The Boolean functions of McCulloch & Pitts: AND, OR, NOT and a two-layer XOR.

    Returns:
        name -> function of an ``(n, 2)`` (``(n, 1)`` for NOT) binary array.
    """
    and_unit = threshold_unit([1, 1], 2)
    or_unit = threshold_unit([1, 1], 1)
    not_unit = threshold_unit([-1], 0)  # an inhibitory input silences a unit whose threshold is 0
    # XOR = (x1 AND NOT x2) OR (NOT x1 AND x2): two hidden units with an excitatory and an inhibitory input
    only_first = threshold_unit([1, -1], 1)
    only_second = threshold_unit([-1, 1], 1)

    def xor(inputs):
        return or_unit(np.stack([only_first(inputs), only_second(inputs)], axis=1))

    return {"AND": and_unit, "OR": or_unit, "NOT": not_unit, "XOR (two layers)": xor}


def single_units_computing(targets, weight_range=range(-3, 4), thresholds=np.arange(-3.5, 4.0, 0.5)) -> int:
    """How many single threshold units with these integer weights and thresholds compute ``targets``
    on :data:`BINARY_PAIRS` (zero for XOR, which is not linearly separable)."""
    count = 0
    for w1, w2, theta in itertools.product(weight_range, weight_range, thresholds):
        count += bool(np.array_equal(threshold_unit([w1, w2], theta)(BINARY_PAIRS), targets))
    return count


class PerceptronRun(NamedTuple):
    """A perceptron's training: final weights (bias last), mistakes in each epoch."""

    weights: np.ndarray
    mistakes_per_epoch: np.ndarray

    @property
    def total_mistakes(self) -> int:
        return int(self.mistakes_per_epoch.sum())

    @property
    def converged(self) -> bool:
        """An epoch without a mistake happened (and after it the weights never change)."""
        return bool(np.any(self.mistakes_per_epoch == 0))


@partial(jax.jit, static_argnames="epochs")
def _perceptron_epochs(extended, labels, epochs: int):
    def see(weights, example):
        x, y = example
        mistake = y * (weights @ x) <= 0
        return weights + jnp.where(mistake, y, 0.0) * x, mistake

    def epoch(weights, _):
        weights, mistakes = jax.lax.scan(see, weights, (extended, labels))
        return weights, jnp.sum(mistakes)

    return jax.lax.scan(epoch, jnp.zeros(extended.shape[1], extended.dtype), None, length=epochs)


def perceptron(inputs, labels, epochs: int) -> PerceptronRun:
    """Rosenblatt's rule, cycling through the examples in order for ``epochs`` passes.

    Args:
        inputs: ``(n, d)``; a constant 1 is appended for the bias.
        labels: ``(n,)`` in {-1, +1}.
        epochs: passes over the data.
    """
    inputs = jnp.asarray(inputs)
    extended = jnp.concatenate([inputs, jnp.ones((len(inputs), 1), inputs.dtype)], axis=1)
    weights, mistakes = _perceptron_epochs(extended, jnp.asarray(labels, extended.dtype), epochs)
    return PerceptronRun(np.asarray(weights), np.asarray(mistakes))


def separable_data(key, n: int, dim: int, margin: float):
    """Points in ``[-1, 1]^dim`` labelled by a random hyperplane, those within ``margin`` of it dropped.

    Returns:
        ``(inputs, labels, separator)`` where ``separator`` (unit norm, bias last) separates
        the extended inputs with margin at least ``margin``.
    """
    direction_key, points_key = jax.random.split(key)
    separator = np.array(jax.random.normal(direction_key, (dim + 1,)))
    separator[-1] *= 0.2  # a modest bias keeps both classes populated
    separator /= np.linalg.norm(separator)
    points = np.asarray(jax.random.uniform(points_key, (4 * n, dim), minval=-1.0, maxval=1.0))
    scores = np.concatenate([points, np.ones((len(points), 1))], axis=1) @ separator
    keep = np.abs(scores) >= margin
    return points[keep][:n], np.where(scores[keep][:n] > 0, 1.0, -1.0), separator


def novikoff_bound(inputs, labels, separator) -> float:
    """``(R / gamma)^2`` for the extended inputs and the unit-norm ``separator``."""
    extended = np.concatenate([inputs, np.ones((len(inputs), 1))], axis=1)
    radius = np.max(np.linalg.norm(extended, axis=1))
    gamma = np.min(labels * (extended @ separator)) / np.linalg.norm(separator)
    return float((radius / gamma) ** 2)
