"""Fitting: MLE/MAP, model comparison, cross-validation, parameter and model recovery.

Example:
    >>> from cognax.fitting import MLE
    >>> estimator = MLE("q_learning", n_starts=10).fit(table, task="bandit")
    >>> estimator.params_.head()
"""

from cognax.fitting.comparison import ModelSelection, compare, random_effects_bms
from cognax.fitting.diagnostics import Diagnostics, diagnose
from cognax.fitting.estimator import MLE
from cognax.fitting.hierarchical import Hierarchical, HierarchicalResult, fit_hierarchical, read_posterior
from cognax.fitting.information_criteria import compare_hierarchical, information_criteria, join_comparisons, loo_waic
from cognax.fitting.mle import FitResult, fit
from cognax.fitting.posterior_predictive import PredictiveCheck, posterior_predictive, posterior_predictive_check
from cognax.fitting.validation import cross_validate, model_recovery, parameter_recovery, sample_parameters

__all__ = [
    "MLE", "FitResult", "fit", "compare", "random_effects_bms", "ModelSelection",
    "cross_validate", "parameter_recovery", "model_recovery", "sample_parameters",
]
__all__ += [
    "Hierarchical", "HierarchicalResult", "fit_hierarchical", "read_posterior", "posterior_predictive",
    "posterior_predictive_check", "PredictiveCheck", "diagnose", "Diagnostics", "loo_waic", "information_criteria",
    "compare_hierarchical", "join_comparisons",
]
