"""Behavioural signatures of trial tables and publication-style figures.

Summaries (tidy DataFrames, one row per subject x condition) and the figures that show
them against a model's simulated replicates (posterior/prior predictive checks)::

    from cognax import analysis
    observed = analysis.stay_probabilities(table)
    simulated = [analysis.stay_probabilities(t) for t in replicate_tables]
    analysis.plot_predictive_check(observed, simulated, "stay_probabilities", path="stay.png")

The plotting functions load matplotlib on first use.
"""

from __future__ import annotations

import importlib

from cognax.analysis.behaviour import (
    go_nogo_accuracy,
    lagged_regression,
    learning_curve,
    rlwm_accuracy,
    stay_probabilities,
    stay_regression,
)
from cognax.analysis.groups import group_comparison, holm, summarise

_PLOTS = (
    "plot_predictive_check",
    "plot_group_parameters",
    "plot_parameter_recovery",
    "plot_confusion",
    "plot_model_comparison",
)

__all__ = [
    "stay_probabilities",
    "stay_regression",
    "lagged_regression",
    "learning_curve",
    "rlwm_accuracy",
    "go_nogo_accuracy",
    "group_comparison",
    "holm",
    "summarise",
    *_PLOTS,
]


def __getattr__(name: str):
    if name in _PLOTS:
        return getattr(importlib.import_module("cognax.analysis.plots"), name)
    raise AttributeError(f"module 'cognax.analysis' has no attribute {name!r}")
