"""The learning-rule interface: an ``(init, update)`` pair acting on a network's parameters.

A learning rule turns what a network computes (its forward pass, its output error, a
reward) into a parameter change. As in Optax, a rule is a pair of pure functions built by a
factory that holds the static structure (the network, the rule's hyperparameters):

- ``state = rule.init(key, params)`` draws whatever the rule keeps (fixed random feedback
  matrices, a reward baseline);
- ``direction, state = rule.update(state, params, inputs, targets, key)`` returns a
  pytree shaped like ``params``, in the sign convention of a gradient (the loss should
  fall along ``-direction``), so any Optax optimiser then applies it::

      direction, rule_state = rule.update(rule_state, params, x, y, key)
      updates, opt_state = optimizer.update(direction, opt_state, params)
      params = optax.apply_updates(params, updates)

For backpropagation ``direction`` is the gradient itself; for every other rule it is the
rule's own credit assignment, which the checks compare with the gradient.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from cognax.circuits.networks import MLP
from cognax.errors import CognaxError


class LearningRule(NamedTuple):
    """A learning rule: ``init(key, params) -> state``; ``update(state, params, inputs, targets, key)
    -> (direction, state)``.

    Attributes:
        name: the registry id.
        init: draws the rule's state.
        update: the rule's parameter change in gradient convention, and its next state.
        supervised: ``False`` for rules whose hidden layers learn without the targets.
    """

    name: str
    init: Callable[..., Any]
    update: Callable[..., tuple[Any, Any]]
    supervised: bool = True


def no_state(key, params) -> tuple:
    """``init`` of a rule that keeps nothing."""
    return ()


def require_mlp(rule: str, network: object) -> MLP:
    """The rule applies only to a layered :class:`MLP` (it reads each layer's activity)."""
    if not isinstance(network, MLP):
        raise CognaxError(
            f"rule {rule!r} cannot train a {type(network).__name__}: it assigns credit layer by layer "
            "through dense weight matrices, so it needs an MLP (cognax.circuits.MLP)"
        )
    return network


def require_hidden_layers(rule: str, network: MLP, why: str) -> None:
    """The rule needs at least one hidden layer; ``why`` says what it would do there."""
    if network.n_hidden_layers < 1:
        raise CognaxError(f"rule {rule!r} cannot train {network.describe()}: {why}, and this network has no hidden layer")


def require_loss(rule: str, network: MLP, loss: str, why: str) -> None:
    if network.loss != loss:
        raise CognaxError(f"rule {rule!r} cannot train a network with loss {network.loss!r}: {why} (needs loss {loss!r})")
