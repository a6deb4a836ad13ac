"""Learning rules as swappable ``(init, update)`` pairs, and their registry.

``cognax.circuits.rules.make(name, network, **options)`` builds a rule for a network;
:data:`RULE_NAMES` lists the ids.
"""

from __future__ import annotations

from cognax._registry import Registry
from cognax.circuits.rules.backprop import backprop, shallow
from cognax.circuits.rules.base import LearningRule
from cognax.circuits.rules.feedback_alignment import direct_feedback_alignment, feedback_alignment, sign_symmetry
from cognax.circuits.rules.hebbian import oja, three_factor
from cognax.circuits.rules.perturbation import node_perturbation, weight_perturbation
from cognax.circuits.rules.predictive_coding import predictive_coding

__all__ = [
    "RULES",
    "RULE_NAMES",
    "LearningRule",
    "backprop",
    "direct_feedback_alignment",
    "feedback_alignment",
    "make",
    "node_perturbation",
    "oja",
    "predictive_coding",
    "shallow",
    "sign_symmetry",
    "three_factor",
    "weight_perturbation",
]

RULES: Registry[LearningRule] = Registry("learning rule")
for _factory in (
    backprop,
    feedback_alignment,
    direct_feedback_alignment,
    sign_symmetry,
    node_perturbation,
    weight_perturbation,
    oja,
    three_factor,
    predictive_coding,
    shallow,
):
    RULES.register(_factory.__name__, _factory)

RULE_NAMES: tuple[str, ...] = tuple(RULES.names())


def make(name: str, network, **options) -> LearningRule:
    """Build the rule ``name`` for ``network``; CognaxError for an unknown name or a rule that cannot apply."""
    return RULES.factory(name)(network, **options)
