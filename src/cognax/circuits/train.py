"""One training loop for every learning rule: minibatches, an Optax optimiser, learning curves.

``make_train(network, rule, optimizer, epochs=..., batch_size=...)`` returns a pure function
``train_epoch(carry, key, x, y) -> carry`` (one jitted pass over shuffled minibatches) and
:func:`fit` runs it epoch by epoch, recording loss and accuracy after each epoch. The rule
decides the direction; the optimiser decides the step — so rules are compared with the same
optimiser, network, data and seed.

Example:
    >>> import jax, optax
    >>> from cognax.circuits import MLP, rules
    >>> from cognax.circuits.datasets import load
    >>> data = load("digits")                                   # doctest: +SKIP
    >>> net = MLP((64, 64, 10))
    >>> result = fit(jax.random.key(0), net, rules.make("feedback_alignment", net), optax.sgd(0.05), data, epochs=5)  # doctest: +SKIP
    >>> result.curve.test_accuracy.iloc[-1] > 0.9               # doctest: +SKIP
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd

from cognax.circuits.networks import MLP, Params
from cognax.circuits.rules.base import LearningRule
from cognax.errors import CognaxError


class TrainState(NamedTuple):
    params: Params
    rule_state: Any
    opt_state: Any


@dataclass(frozen=True)
class TrainResult:
    """The outcome of :func:`fit`.

    Attributes:
        params: the trained parameters.
        curve: one row per epoch (0 = before training): ``epoch``, ``train_loss``,
            ``train_accuracy``, ``test_loss``, ``test_accuracy``, ``seconds`` (cumulative
            training time, evaluation excluded).
        train_seconds: wall time of all training epochs, compilation included.
        seconds_per_epoch: median wall time of an epoch after the first (compiled).
    """

    params: Params
    curve: pd.DataFrame
    train_seconds: float
    seconds_per_epoch: float


def make_train_epoch(network: MLP, rule: LearningRule, optimizer: optax.GradientTransformation, batch_size: int):
    """A jitted epoch: shuffle, split into full minibatches, apply rule + optimiser to each."""

    def step(state: TrainState, batch):
        inputs, targets, key = batch
        direction, rule_state = rule.update(state.rule_state, state.params, inputs, targets, key)
        updates, opt_state = optimizer.update(direction, state.opt_state, state.params)
        return TrainState(optax.apply_updates(state.params, updates), rule_state, opt_state), None

    @jax.jit
    def train_epoch(state: TrainState, key, inputs, targets) -> TrainState:
        n_batches = inputs.shape[0] // batch_size
        order_key, rule_key = jax.random.split(key)
        order = jax.random.permutation(order_key, inputs.shape[0])[: n_batches * batch_size]
        batches = (
            inputs[order].reshape(n_batches, batch_size, *inputs.shape[1:]),
            targets[order].reshape(n_batches, batch_size, *targets.shape[1:]),
            jax.random.split(rule_key, n_batches),
        )
        state, _ = jax.lax.scan(step, state, batches)
        return state

    return train_epoch


def _evaluate(network: MLP, params, inputs, targets) -> tuple[float, float]:
    outputs = network.output(params, inputs)
    loss = float(jnp.mean(network.per_example_loss(outputs, targets)))
    if network.loss == "cross_entropy":
        accuracy = float(jnp.mean(jnp.argmax(outputs, axis=-1) == targets))
    else:
        accuracy = float("nan")
    return loss, accuracy


def fit(key, network: MLP, rule: LearningRule, optimizer: optax.GradientTransformation, data, *, epochs: int, batch_size: int = 32) -> TrainResult:
    """Train ``network`` with ``rule`` and ``optimizer`` on ``data``; same key, same numbers.

    Args:
        key: a JAX key (split for the weights, the rule's state and every epoch).
        network: the MLP.
        rule: a learning rule built for ``network``.
        optimizer: an Optax optimiser that applies the rule's directions.
        data: anything with ``x_train``, ``y_train``, ``x_test``, ``y_test`` arrays
            (e.g. :class:`cognax.circuits.datasets.Dataset`).
        epochs: passes over the training set.
        batch_size: examples per update; the last incomplete minibatch is dropped each epoch.

    Returns:
        A :class:`TrainResult` with the learning curve.
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise CognaxError(f"epochs must be a positive integer; got {epochs}")
    if not isinstance(batch_size, int) or not 1 <= batch_size <= len(data.x_train):
        raise CognaxError(f"batch_size must be an integer in [1, {len(data.x_train)}] (the training set); got {batch_size}")
    x_train, y_train = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    x_test, y_test = jnp.asarray(data.x_test), jnp.asarray(data.y_test)
    init_key, rule_key, run_key = jax.random.split(key, 3)
    params = network.init(init_key, x_train.dtype)
    state = TrainState(params, rule.init(rule_key, params), optimizer.init(params))
    train_epoch = make_train_epoch(network, rule, optimizer, batch_size)

    rows, elapsed, epoch_seconds = [], 0.0, []
    for epoch, epoch_key in enumerate(jax.random.split(run_key, epochs + 1)):
        if epoch > 0:
            start = time.perf_counter()
            state = jax.block_until_ready(train_epoch(state, epoch_key, x_train, y_train))
            epoch_seconds.append(time.perf_counter() - start)
            elapsed += epoch_seconds[-1]
        train_loss, train_accuracy = _evaluate(network, state.params, x_train, y_train)
        test_loss, test_accuracy = _evaluate(network, state.params, x_test, y_test)
        rows.append(dict(epoch=epoch, train_loss=train_loss, train_accuracy=train_accuracy,
                         test_loss=test_loss, test_accuracy=test_accuracy, seconds=elapsed))
        if not np.isfinite(train_loss):
            raise CognaxError(f"training with {rule.name} diverged at epoch {epoch} (loss {train_loss}); lower the learning rate")
    per_epoch = float(np.median(epoch_seconds[1:])) if len(epoch_seconds) > 1 else epoch_seconds[0]
    return TrainResult(state.params, pd.DataFrame(rows), elapsed, per_epoch)


def train_online(key, network: MLP, rule: LearningRule, optimizer: optax.GradientTransformation, sample_batch, steps: int, metrics=None):
    """``steps`` updates, each on a fresh batch, as one ``lax.scan`` (jit- and vmap-able over ``key``).

    Args:
        key: a JAX key (weights, rule state, batches, the rule's own noise).
        network: the MLP.
        rule: a learning rule built for ``network``.
        optimizer: an Optax optimiser.
        sample_batch: ``sample_batch(key) -> (inputs, targets)``.
        steps: number of updates.
        metrics: ``metrics(params, rule_state, inputs, targets) -> pytree`` recorded before
            every update (``None``: the batch loss).

    Returns:
        ``(params, rule_state, trace)`` where ``trace`` stacks the metrics over steps.
    """
    metrics = metrics or (lambda params, rule_state, inputs, targets: network.loss_value(params, inputs, targets))
    init_key, rule_key, run_key = jax.random.split(key, 3)
    params = network.init(init_key)
    state = TrainState(params, rule.init(rule_key, params), optimizer.init(params))

    def step(state: TrainState, step_key):
        batch_key, update_key = jax.random.split(step_key)
        inputs, targets = sample_batch(batch_key)
        recorded = metrics(state.params, state.rule_state, inputs, targets)
        direction, rule_state = rule.update(state.rule_state, state.params, inputs, targets, update_key)
        updates, opt_state = optimizer.update(direction, state.opt_state, state.params)
        return TrainState(optax.apply_updates(state.params, updates), rule_state, opt_state), recorded

    state, trace = jax.lax.scan(step, state, jax.random.split(run_key, steps))
    return state.params, state.rule_state, trace
