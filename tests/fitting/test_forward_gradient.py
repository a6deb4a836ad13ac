"""The forward-mode gradient of per-subject log-likelihood sums equals reverse mode's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax import data, models, simulate, tasks
from cognax.fitting.forward_gradient import MAX_FORWARD_PARAMS, sum_over_subjects
from cognax.fitting.mle import enable_float64
from cognax.models.base import trial_log_likelihood


@pytest.mark.parametrize(("name", "task_name"), [("bandit2arm_delta", "bandit"), ("gng_m4", "go_nogo"),
                                                 ("q_learning_persev", "bandit")])
def test_forward_gradient_matches_reverse_mode(name, task_name):
    enable_float64()
    model, task = models.make(name), tasks.make(task_name)
    batch = data.to_batch(simulate(jax.random.key(3), model, task, n_subjects=4), task)
    per_subject = lambda x, b: trial_log_likelihood(model, model.constrain(x), b).sum(-1)
    x = jnp.asarray(np.random.default_rng(0).normal(size=(4, model.n_params)))
    forward = sum_over_subjects(per_subject, model.n_params)
    value, gradient = jax.value_and_grad(forward)(x, batch)
    expected_value, expected = jax.value_and_grad(lambda v: per_subject(v, batch).sum())(x)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(gradient, expected, rtol=1e-9, atol=1e-9)
    assert np.abs(np.asarray(gradient)).max() > 1e-3  # a real gradient, not zeros
    # a cotangent other than 1 scales the gradient (it is used inside NUTS's potential)
    scaled = jax.grad(lambda v: -2.0 * forward(v, batch))(x)
    np.testing.assert_allclose(scaled, -2.0 * np.asarray(expected), rtol=1e-9, atol=1e-9)


def test_many_parameters_keep_reverse_mode():
    per_subject = lambda x, _: (x**2).sum(-1)
    total = sum_over_subjects(per_subject, MAX_FORWARD_PARAMS + 1)
    x = jnp.arange(2.0 * (MAX_FORWARD_PARAMS + 1)).reshape(2, -1)
    np.testing.assert_allclose(jax.grad(total)(x, None), 2 * x)
