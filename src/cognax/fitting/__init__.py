"""Fitting: MLE/MAP, model comparison, cross-validation, parameter and model recovery.

Example:
    >>> from cognax.fitting import MLE
    >>> estimator = MLE("q_learning", n_starts=10).fit(table, task="bandit")
    >>> estimator.params_.head()
"""

from cognax.fitting.comparison import ModelSelection, compare, random_effects_bms
from cognax.fitting.estimator import MLE
from cognax.fitting.mle import FitResult, fit
from cognax.fitting.validation import cross_validate, model_recovery, parameter_recovery, sample_parameters

__all__ = [
    "MLE", "FitResult", "fit", "compare", "random_effects_bms", "ModelSelection",
    "cross_validate", "parameter_recovery", "model_recovery", "sample_parameters",
]
