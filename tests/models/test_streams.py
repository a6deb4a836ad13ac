"""Independent streams: the go/no-go likelihood per cue equals the likelihood in trial order."""

import jax
import jax.numpy as jnp
import numpy as np

import cognax
from cognax import models, tasks
from cognax.data import to_batch
from cognax.fitting.forward_gradient import sum_over_subjects
from cognax.fitting.hierarchical import _likelihood_data, _subject_log_likelihoods
from cognax.models.streams import split_streams


def _gng_batch(n_subjects=6, seed=0):
    task = tasks.make("go_nogo", trials_per_cue=15)
    table = cognax.simulate(jax.random.key(seed), models.make("gng_m4"), task, n_subjects=n_subjects)
    rng = np.random.default_rng(seed)
    table["valid"] = rng.random(len(table)) > 0.1  # skipped rows neither update nor score
    table = table.drop(index=table.index[(table["subject"] == table["subject"].iloc[0]) & (table["cue"] == 2)][:5])
    return to_batch(table, task)  # unequal cue counts; subject 0 has padding


def test_streams_hold_each_subjects_kept_trials_of_one_cue_in_order():
    batch = _gng_batch()
    rows, owner = split_streams(models.make("gng_m4"), batch)
    assert rows.n_subjects == 4 * batch.n_subjects and rows.n_trials < batch.n_trials
    keep, cue, choice = (np.asarray(a) for a in (batch.fit_mask, batch.columns["cue"], batch.columns["choice"]))
    for r in range(rows.n_subjects):
        present = np.asarray(rows.mask[r])
        assert len(set(np.asarray(rows.columns["cue"])[r][present])) == 1
        value = np.asarray(rows.columns["cue"])[r][present][0]
        expected = choice[owner[r]][keep[owner[r]] & (cue[owner[r]] == value)]
        np.testing.assert_array_equal(np.asarray(rows.columns["choice"])[r][present], expected)


def test_stream_likelihood_and_forward_gradient_match_trial_order():
    model = models.make("gng_m4")
    batch = _gng_batch()
    x = jnp.asarray(np.random.default_rng(1).normal(size=(batch.n_subjects, model.n_params)) * 0.7)
    plain, streamed = (batch, None), _likelihood_data(model, batch)
    assert streamed[1] is not None
    per_subject = lambda x, data: _subject_log_likelihoods(model, {}, x, data)
    np.testing.assert_allclose(per_subject(x, streamed), per_subject(x, plain), rtol=0, atol=1e-10)
    total = sum_over_subjects(per_subject, model.n_params)
    np.testing.assert_allclose(jax.grad(total)(x, streamed), jax.grad(total)(x, plain), rtol=0, atol=1e-10)


def test_models_without_streams_keep_one_sequence():
    task = tasks.make("bandit", n_arms=2, n_trials=20)
    model = models.make("bandit2arm_delta")
    batch = to_batch(cognax.simulate(jax.random.key(0), model, task, n_subjects=3), task)
    assert model.independent_streams is None
    assert split_streams(model, batch) is None
    assert _likelihood_data(model, batch)[1] is None
