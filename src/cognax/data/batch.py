"""``TrialBatch``: the array form of the trial table.

A trial table (one row per trial) becomes a padded ``[subject, trial]`` pytree with a
mask, the shape every likelihood and fit works on. Labels (subject ids, a ``group``
column, string sessions) are coded as integers with their categories kept as static
metadata, so that :func:`from_batch` gives back the same table exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import jax.numpy as jnp
from jaxtyping import Array, Bool

from cognax._pytree import pytree_dataclass, static_field
from cognax.errors import CognaxError


@pytree_dataclass
class TrialBatch:
    """Padded arrays of a trial table.

    Attributes:
        columns: every column as a ``[subject, trial]`` array (labels as integer codes).
        mask: true where a row exists (false on padding).
        task: registry id of the task the table belongs to.
        n_actions: number of actions of that task.
        subjects: subject labels, in batch order.
        categories: ``(column, labels)`` pairs for columns coded as integers.
        dtypes: ``(column, dtype)`` pairs, to restore the table exactly.
    """

    columns: dict[str, Array]
    mask: Bool[Array, "subject trial"]
    task: str = static_field()
    n_actions: int = static_field()
    subjects: tuple = static_field()
    categories: tuple = static_field(default=())
    dtypes: tuple = static_field(default=())

    @property
    def n_subjects(self) -> int:
        return self.mask.shape[0]

    @property
    def n_trials(self) -> int:
        return self.mask.shape[1]

    @property
    def fit_mask(self) -> Bool[Array, "subject trial"]:
        """Rows that enter likelihoods: present and not marked ``valid = False``."""
        if "valid" in self.columns:
            return self.mask & self.columns["valid"].astype(bool)
        return self.mask

    def subset(self, index) -> "TrialBatch":
        """Select subjects by integer index (array or slice)."""
        index = np.arange(self.n_subjects)[index]
        columns = {name: value[index] for name, value in self.columns.items()}
        return self.replace(
            columns=columns, mask=self.mask[index], subjects=tuple(self.subjects[i] for i in index)
        )


def _is_label(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def to_batch(table: pd.DataFrame, task, pad_to: int | None = None) -> TrialBatch:
    """Convert a (validated) trial table to a padded :class:`TrialBatch`.

    Rows are grouped by ``subject`` in order of first appearance; within a subject
    the table's row order is kept. ``pad_to`` fixes the trial axis length (so that one
    compiled function serves several data sets); by default it is the longest subject.
    """
    if len(table) == 0:
        raise CognaxError("the trial table is empty; it needs at least one row")
    if "subject" not in table.columns:
        raise CognaxError("the trial table has no 'subject' column")
    subject_codes, subjects = pd.factorize(table["subject"], sort=False)
    order = np.argsort(subject_codes, kind="stable")
    counts = np.bincount(subject_codes)
    longest = int(counts.max())
    n_trials = longest if pad_to is None else int(pad_to)
    if n_trials < longest:
        raise CognaxError(f"pad_to={pad_to} is shorter than the longest subject ({longest} trials)")
    n_subjects = len(subjects)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows_sorted = subject_codes[order]
    position = np.arange(len(table)) - starts[rows_sorted]

    columns, categories, dtypes = {}, [], []
    for name in table.columns:
        series = table[name].iloc[order]
        dtypes.append((name, str(table[name].dtype)))
        if _is_label(series):
            codes, labels = pd.factorize(series, sort=False)
            if (codes < 0).any():
                raise CognaxError(f"column {name!r} has missing values")
            values = codes
            categories.append((name, tuple(labels.tolist())))
        else:
            values = series.to_numpy()
        fill = False if values.dtype == bool else 0
        grid = np.full((n_subjects, n_trials), fill, dtype=values.dtype)
        grid[rows_sorted, position] = values
        columns[name] = jnp.asarray(grid)
    mask = np.zeros((n_subjects, n_trials), dtype=bool)
    mask[rows_sorted, position] = True
    return TrialBatch(
        columns=columns,
        mask=jnp.asarray(mask),
        task=task.name,
        n_actions=task.n_actions,
        subjects=tuple(subjects.tolist()),
        categories=tuple(categories),
        dtypes=tuple(dtypes),
    )


def from_batch(batch: TrialBatch) -> pd.DataFrame:
    """Convert a :class:`TrialBatch` back to a trial table (padding dropped)."""
    mask = np.asarray(batch.mask)
    categories = dict(batch.categories)
    data = {}
    for name, values in batch.columns.items():
        flat = np.asarray(values)[mask]
        if name in categories:
            flat = np.asarray(categories[name], dtype=object)[flat]
        data[name] = flat
    table = pd.DataFrame(data)
    for name, dtype in batch.dtypes:
        if name in table:
            table[name] = table[name].astype(dtype)
    return table
