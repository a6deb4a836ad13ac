"""Reproductions of the circuits part of cognax (registered in :data:`REPRODUCTIONS`).

The run functions live in :mod:`cognax.circuits.experiments`; they are imported when a
reproduction runs, so listing the registry stays cheap.
"""

from __future__ import annotations

import importlib

from cognax.reproduce import Reproduction


def _lazy(module: str, function: str):
    def run(out, *, quick: bool, seed: int):
        import jax

        # float32 always, even where cognax's fitting switched JAX to float64: the same numbers in every context
        with jax.enable_x64(False):
            return getattr(importlib.import_module(f"cognax.circuits.experiments.{module}"), function)(out, quick=quick, seed=seed)

    run.__name__ = function
    return run


REPRODUCTIONS: list = [
    Reproduction("mcculloch_pitts", "threshold units compute AND, OR, NOT and, in two layers, XOR (McCulloch & Pitts 1943)",
                 _lazy("classic", "run_mcculloch_pitts")),
    Reproduction("perceptron", "Rosenblatt's rule: mistakes within Novikoff's (R/gamma)^2 bound; never converges on XOR",
                 _lazy("classic", "run_perceptron")),
    Reproduction("xor_backprop", "a two-layer network learns XOR by backpropagation; one layer cannot (Rumelhart et al. 1986)",
                 _lazy("classic", "run_xor_backprop")),
    Reproduction("oja", "Oja's rule converges to the first principal component (Oja 1982)", _lazy("rule_checks", "run_oja")),
    Reproduction("feedback_alignment", "random feedback: angle to backprop falls below 90 deg, loss close to backprop (Lillicrap et al. 2016)",
                 _lazy("rule_checks", "run_feedback_alignment")),
    Reproduction("node_perturbation", "perturbation estimates: cosine with the gradient rises, error falls as 1/K (Werfel et al. 2005)",
                 _lazy("rule_checks", "run_node_perturbation")),
    Reproduction("predictive_coding", "predictive coding at equilibrium matches backprop's gradients (Whittington & Bogacz 2017)",
                 _lazy("rule_checks", "run_predictive_coding")),
    Reproduction("receptive_fields", "sparse coding and ICA of natural images learn Gabor-like filters, PCA does not (Olshausen & Field 1996)",
                 _lazy("vision", "run_receptive_fields")),
    Reproduction("ventral_stream", "convnet on digits: RSA moves from pixels to categories with depth; edge-like first layer",
                 _lazy("vision", "run_ventral_stream")),
    Reproduction("agent_learning_rules", "the Wang 2016 bandit agent trained by BPTT, weight perturbation, feedback alignment and node perturbation (the last two full size only): regret side by side",
                 _lazy("agents", "run_agent_learning_rules")),
]
