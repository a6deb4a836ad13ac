"""Study agents like animals: behavioural signatures and cognitive-model fits of a trial table.

:func:`study_agent` takes a trial table — an agent's test roll-outs, or a person's data —
and runs exactly the analyses used for people: learning curves, the lagged choice
regression (Lau & Glimcher 2005) for two-option tasks, the two-step stay probabilities
and stay regression (Daw et al. 2011), and maximum-likelihood fits of every applicable
model of the zoo with their comparison (AIC, BIC, random-effects model selection).

For agents, each test episode is an independent sequence that starts from a reset
network, so models are fitted per episode by default (``fit_unit="session"``: every
``subject`` x ``session`` becomes one fitted unit, labelled ``"subject/session"``); the
parameter table keeps ``subject`` and ``session`` columns, so per-episode estimates can
be grouped by any episode-level column (e.g. the volatility of the episode).

Example:
    >>> result = study_agent(evaluation.table, "bandit", models=["q_learning", "wsls"])  # doctest: +SKIP
    >>> result.comparison                                                             # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import jax
import numpy as np
import pandas as pd

from cognax.errors import CognaxError, unknown_name

FIT_UNITS = ("session", "subject")


@dataclasses.dataclass(frozen=True)
class Study:
    """The analyses of one trial table (each a tidy DataFrame; ``None`` where not applicable).

    Attributes:
        learning_curve: P(correct) by trial (where a correct choice is defined).
        lagged_regression: choice on past rewarded choices and past choices (two options).
        stay_probabilities, stay_regression: two-step signatures.
        fits: model name -> per-unit parameter table (``unit, subject, session, <params>, nll, ...``).
        comparison: the model comparison table (:func:`cognax.fitting.compare`).
    """

    learning_curve: pd.DataFrame | None
    lagged_regression: pd.DataFrame | None
    stay_probabilities: pd.DataFrame | None
    stay_regression: pd.DataFrame | None
    fits: dict[str, pd.DataFrame]
    comparison: pd.DataFrame | None

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every non-empty table by file stem (``fits_<model>`` for the fits)."""
        tables = {name: getattr(self, name) for name in (
            "learning_curve", "lagged_regression", "stay_probabilities", "stay_regression", "comparison")}
        tables.update({f"fits_{model}": frame for model, frame in self.fits.items()})
        return {name: frame for name, frame in tables.items() if frame is not None}


def _fit_units(table: pd.DataFrame, fit_unit: str) -> pd.DataFrame:
    if fit_unit == "subject" or "session" not in table.columns:
        return table
    units = table.copy()
    units["subject"] = units["subject"].astype(str) + "/" + units["session"].astype(str)
    return units.drop(columns=["session"])


def study_agent(
    table: pd.DataFrame,
    task,
    models: Sequence[str] | None = None,
    fit_unit: str = "session",
    n_starts: int = 5,
    n_lags: int = 5,
    seed: int = 0,
) -> Study:
    """Behavioural analyses and model fits of a trial table (an agent's or a person's).

    Args:
        table: a trial table (``subject``, ``session``, ``trial``, ``choice``, ``reward``, ...).
        task: the task (a :class:`~cognax.tasks.Task` or its id).
        models: model ids to fit (default: every model of the zoo that applies to the
            task); an empty list fits none.
        fit_unit: ``"session"`` (one fit per episode) or ``"subject"`` (one fit per
            subject over all its rows, as for a person's single session).
        n_starts: optimiser starting points per fit.
        n_lags: lags of the choice regression.
        seed: seed of the fits' random starting points.
    """
    from cognax import analysis
    from cognax import models as model_zoo
    from cognax import tasks
    from cognax.data.batch import to_batch
    from cognax.data.validate import validate_table
    from cognax.fitting import compare, fit

    if fit_unit not in FIT_UNITS:
        raise unknown_name("fit unit", fit_unit, FIT_UNITS)
    task = tasks.make(task) if isinstance(task, str) else task
    table = validate_table(table, task)
    names = model_zoo.for_task(task.name) if models is None else list(models)
    for name in names:
        if name not in model_zoo.names():
            raise unknown_name("model", name, model_zoo.names())
        model_zoo.make(name).check_task(task.name)

    two_step = {"common", "choice2"} <= set(table.columns)
    has_correct = ("correct_action" in table.columns or "correct" in table.columns
                   or {"p_0", "p_1"} <= set(table.columns))
    learning = analysis.learning_curve(table) if has_correct and not two_step else None
    lagged = analysis.lagged_regression(table, n_lags=n_lags, pooled=True) if task.n_actions == 2 else None
    stay = analysis.stay_probabilities(table) if two_step else None
    stay_fit = analysis.stay_regression(table, pooled=True) if two_step else None

    fits, results = {}, []
    if names:
        units = _fit_units(table, fit_unit)
        batch = to_batch(units, task)
        for index, name in enumerate(names):
            result = fit(model_zoo.make(name), batch, jax.random.fold_in(jax.random.key(seed), index),
                         n_starts=n_starts)
            frame = result.to_frame()
            if fit_unit == "session" and "session" in table.columns:
                labels = frame["subject"].astype(str).str.split("/", n=1, expand=True)
                frame.insert(0, "unit", frame["subject"])
                frame["subject"] = _numeric(labels[0])
                frame.insert(2, "session", _numeric(labels[1]))
            fits[name] = frame
            results.append(result)
    comparison = compare(results) if results else None
    return Study(learning, lagged, stay, stay_fit, fits, comparison)


def _numeric(labels: pd.Series) -> pd.Series:
    """Labels back to integers where they all are (agent seeds and episodes)."""
    converted = pd.to_numeric(labels, errors="coerce")
    return converted.astype(np.int64) if converted.notna().all() else labels


def save_study(study: Study, out) -> list:
    """Write every table of a study as CSV into ``out`` (atomically); returns the paths."""
    from pathlib import Path

    from cognax.data.io import write_table

    out = Path(out)
    if not out.is_dir():
        raise CognaxError(f"{out}: folder does not exist")
    return [write_table(frame, out / f"{name}.csv") for name, frame in study.tables().items()]


__all__ = ["Study", "study_agent", "save_study", "FIT_UNITS"]
