"""Learning circuits: biologically plausible learning rules, classic networks, receptive fields.

- :mod:`cognax.circuits.rules`: learning rules as ``(init, update)`` pairs (backprop,
  feedback alignment, DFA, sign symmetry, node/weight perturbation, Oja, three-factor,
  predictive coding, the shallow baseline) and their registry;
- :class:`MLP` (:mod:`cognax.circuits.networks`) and one training loop, :func:`fit`;
- :mod:`cognax.circuits.datasets`: digits, MNIST 5k, MNIST-1D, all shipped inside packages;
- :mod:`cognax.circuits.classic`: McCulloch-Pitts units, the perceptron, XOR;
- :mod:`cognax.circuits.receptive_fields` and :mod:`cognax.circuits.convnet_rsa`;
- :mod:`cognax.circuits.agent_rules` (weight perturbation on the agents' learning-rule axis),
  :mod:`cognax.circuits.agent_feedback_alignment` (a recurrent agent whose backward
  pathway is random feedback) and :mod:`cognax.circuits.agent_node_perturbation` (unit
  noise and eligibilities in a recurrent agent).
"""

from __future__ import annotations

from cognax.circuits import rules
from cognax.circuits.networks import MLP, Forward
from cognax.circuits.rules import LearningRule
from cognax.circuits.train import TrainResult, fit

__all__ = ["MLP", "Forward", "LearningRule", "TrainResult", "fit", "rules"]
