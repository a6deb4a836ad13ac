"""Learning rules: how the update direction is formed from the loss.

The learning-rule axis of a training run (Richards et al. 2019; Lillicrap et al. 2020,
"Backpropagation and the brain", Nat Rev Neurosci 21:335) is separate from the
objective (what is minimised) and from the optimiser (how a direction becomes a step).
A rule sees the loss only as a function of the trainable parameters and returns a
gradient-like direction with the same pytree structure; the optimiser (Optax) then
turns it into the parameter change.

The interface, deliberately small::

    class LearningRule(Protocol):
        name: str
        def init(self, key, params) -> state
        def direction(self, loss_fn, params, state, key) -> (direction, aux, state)

- ``params``: the agent's trainable arrays (``eqx.partition(agent, eqx.is_inexact_array)``).
- ``loss_fn(params) -> (loss, aux)``: the whole roll-out and loss (environment steps
  included) as a pure function of the parameters; ``aux`` carries the roll-out's end
  state and metrics and must be returned unchanged. A rule may differentiate it
  (backpropagation through time), or evaluate it at perturbed parameters (node or
  weight perturbation), or both.
- ``state``: the rule's own pytree (``None`` for BPTT; random feedback matrices for
  feedback alignment, eligibility traces for three-factor rules). It is part of the
  training state, so checkpoints and ``vmap`` over seeds carry it.
- ``direction``: has the structure of ``params``; the optimiser minimises along it, so
  a rule returns an estimate of the gradient (not its negative).

Every rule joins :data:`registry` and is then selectable by ``AgentConfig.learning_rule``.

Example:
    >>> rule = registry.make("bptt")
    >>> state = rule.init(jax.random.key(0), params)            # doctest: +SKIP
    >>> grads, aux, state = rule.direction(loss_fn, params, state, key)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

import jax

from cognax._registry import Registry

LossFn = Callable[[Any], tuple[jax.Array, Any]]


class LearningRule(Protocol):
    """A way of forming the update direction from a loss (see the module docs)."""

    name: str

    def init(self, key: jax.Array, params: Any) -> Any:
        """The rule's initial state."""

    def direction(self, loss_fn: LossFn, params: Any, state: Any, key: jax.Array) -> tuple[Any, Any, Any]:
        """Return ``(direction, aux, new_state)``; ``aux`` is ``loss_fn``'s second output."""


class BackpropagationThroughTime:
    """Exact gradients by reverse-mode autodiff through the unrolled roll-out.

    Reference: Werbos PJ (1990). Backpropagation through time: what it does and how to
    do it. Proc IEEE 78(10):1550-1560.
    """

    name = "bptt"

    def init(self, key, params):
        return None

    def direction(self, loss_fn, params, state, key):
        (_, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        return grads, aux, state

    def __eq__(self, other) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


registry: Registry[LearningRule] = Registry("learning rule")
registry.register("bptt", BackpropagationThroughTime)
import cognax.circuits.agent_rules  # noqa: E402,F401  (registers the circuits rules that fit this interface)


def make(name: str) -> LearningRule:
    """Build a registered learning rule by id."""
    return registry.make(name)


__all__ = ["LearningRule", "BackpropagationThroughTime", "registry", "make"]
