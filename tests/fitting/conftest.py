"""Shared fixtures of the fitting tests.

Fits are jitted with the model as a static argument and most models hash by identity,
so one ``q_learning`` instance, one data shape (20-subject chunks of 300 trials,
padded where shorter) and one ``n_starts`` let every q_learning fit in this folder
share a single compile.
"""

import pytest

from cognax import models, tasks

N_TRIALS = 300


@pytest.fixture(scope="session")
def q_learning():
    return models.make("q_learning")


@pytest.fixture(scope="session")
def bandit():
    return tasks.make("bandit", n_trials=N_TRIALS)


@pytest.fixture(scope="session")
def shared_fit():
    """Keyword arguments of :func:`cognax.fitting.fit` that every shared-compile fit uses."""
    return {"n_starts": 3, "chunk_size": 20}
