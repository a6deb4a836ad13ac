"""Independent streams: one subject's trials as several short sequences, side by side.

In some models the trials fall into classes that share no latent state: in hBayesDM's
go/no-go models each cue has its own action and cue values, and a trial reads and
updates only its own cue's. The likelihood is then the same whether the trials run as
one sequence or as one sequence per class, each in its own order. The second is several
times shorter (4 cues: a quarter), and a likelihood scan's time on CPU grows with its
length far more than with its width, so a hierarchical fit, which evaluates the
likelihood and its gradient thousands of times on a few subjects, runs that much
faster. A model declares the observation that labels its streams in
:attr:`cognax.models.base.Model.independent_streams`.
"""

from __future__ import annotations

import numpy as np

#: Split only when the longest stream is at most this fraction of the session.
MAX_STREAM_FRACTION = 0.75


def split_streams(model, batch):
    """``(stream_batch, owner)``: one row per (subject, stream), or ``None`` when not worth it.

    Row ``r`` of ``stream_batch`` holds, in their original order, the kept trials
    (``batch.fit_mask``) of subject ``owner[r]`` that carry one value of the model's
    stream observation; the rest of the row is padding. Summing the rows' log-likelihoods
    by owner gives each subject's log-likelihood (the per-trial layout is not kept).
    """
    from cognax import tasks

    name = model.independent_streams
    if name is None or tasks.make(batch.task).decisions_per_trial != 1 or name not in batch.columns:
        return None
    labels = np.asarray(batch.columns[name])
    keep = np.asarray(batch.fit_mask)
    rows = [np.flatnonzero(keep[i] & (labels[i] == value))
            for i in range(batch.n_subjects) for value in np.unique(labels[keep])]
    length = max(1, max(len(r) for r in rows))
    if length > MAX_STREAM_FRACTION * batch.n_trials:
        return None
    owner = np.repeat(np.arange(batch.n_subjects), len(rows) // batch.n_subjects)
    present = np.arange(length)[None, :] < np.array([len(r) for r in rows])[:, None]
    trial = np.zeros((len(rows), length), dtype=int)
    for r, index in enumerate(rows):
        trial[r, : len(index)] = index
    columns = {key: np.asarray(value)[owner[:, None], trial] for key, value in batch.columns.items()}
    if "valid" in columns:
        columns["valid"] = present
    stream_batch = batch.replace(columns=columns, mask=present, subjects=tuple(range(len(rows))))
    return stream_batch, owner
