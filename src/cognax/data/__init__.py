"""Trial tables: validation, readers and writers, bundled data sets, array form.

The one data currency of cognax is the trial table (pandas, one row per trial; its
columns for a task are ``task.columns()``) and its padded array form, :class:`TrialBatch`.

Example:
    >>> from cognax import data, tasks
    >>> table = data.load("dezfouli2019")
    >>> batch = data.to_batch(table, tasks.make("bandit"))
    >>> batch.n_subjects
    101
"""

from __future__ import annotations

from cognax.data.batch import TrialBatch, from_batch, to_batch
from cognax.data.datasets import describe, list_datasets, load
from cognax.data.io import atomic_write, read_hbayesdm, read_table, write_table
from cognax.data.validate import validate_table

__all__ = [
    "load",
    "describe",
    "list_datasets",
    "read_table",
    "write_table",
    "atomic_write",
    "read_hbayesdm",
    "validate_table",
    "TrialBatch",
    "to_batch",
    "from_batch",
]
