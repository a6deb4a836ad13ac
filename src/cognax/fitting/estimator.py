"""A scikit-learn-style facade over :func:`cognax.fitting.fit`."""

from __future__ import annotations

import jax
import pandas as pd

from cognax.data.batch import to_batch
from cognax.data.validate import validate_table
from cognax.fitting.mle import FitResult, fit


class MLE:
    """Maximum-likelihood (or MAP) fit of one model to every subject of a trial table.

    ``__init__`` only stores; :meth:`fit` returns ``self`` with fitted attributes ending
    in ``_``: ``params_`` (a per-subject table), ``nll_``, ``aic_``, ``bic_`` (summed
    over subjects) and ``result_`` (the full :class:`FitResult`).

    Example:
        >>> MLE("q_learning", n_starts=10).fit(table, task="bandit").params_
    """

    def __init__(self, model, n_starts: int = 10, method: str = "mle", seed: int = 0, max_iter: int = 100):
        self.model = model
        self.n_starts = n_starts
        self.method = method
        self.seed = seed
        self.max_iter = max_iter

    def fit(self, table: pd.DataFrame, task: str = "bandit") -> "MLE":
        from cognax import models, tasks

        model = models.make(self.model) if isinstance(self.model, str) else self.model
        task_object = tasks.make(task) if isinstance(task, str) else task
        model.check_task(task_object.name)
        batch = to_batch(validate_table(table, task_object), task_object)
        self.result_: FitResult = fit(
            model, batch, jax.random.key(self.seed), n_starts=self.n_starts, method=self.method, max_iter=self.max_iter
        )
        self.params_ = self.result_.to_frame()
        self.nll_ = float(self.result_.nll.sum())
        self.aic_ = float(self.result_.aic.sum())
        self.bic_ = float(self.result_.bic.sum())
        return self
