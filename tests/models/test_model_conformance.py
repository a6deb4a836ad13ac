"""Conformance suite run over every registered model (DESIGN.md: every registry entry is
covered automatically).

Each model is paired with its first compatible task (``model.tasks[0]``, or ``bandit``
for a task-agnostic model), made short so that the whole suite stays cheap: simulate a
few subjects with the default parameters, then check the likelihood, the parameter
spec, gradients in the unconstrained space, determinism and input validation.
"""

import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.errors import CognaxError
from cognax.fitting.optimize import UNCONSTRAINED_LIMIT

ALL = models.names()
N_SUBJECTS = 3
N_TRIALS = 40
#: keyword arguments that make each task short (only those its constructor takes).
SHORT = {"n_trials": N_TRIALS, "set_sizes": (2, 3, 6), "repetitions": 3, "trials_per_cue": 10}
#: finite-difference step for the gradient check (in the unconstrained space).
STEP = 1e-5


def short_task(model):
    name = model.tasks[0] if model.tasks is not None else "bandit"
    accepted = inspect.signature(tasks.registry.factory(name)).parameters
    return tasks.make(name, **{k: v for k, v in SHORT.items() if k in accepted})


def _finite_bounds(parameter):
    return math.isfinite(parameter.low) and math.isfinite(parameter.high)


def _points(n_params, rng):
    """Unconstrained points: 4 interior, the two all-equal box corners, 4 mixed corners."""
    signs = rng.choice([-1.0, 1.0], size=(4, n_params))
    corners = np.concatenate([np.ones((1, n_params)), -np.ones((1, n_params)), signs])
    return np.concatenate([rng.normal(0.0, 2.0, size=(4, n_params)), UNCONSTRAINED_LIMIT * corners])


@pytest.fixture(scope="module", params=ALL)
def case(request):
    """The model, its short task, a simulated table and what one jitted pass computes on it.

    One compile per model serves the per-trial likelihood at the defaults and the NLL
    with its gradient at every test point (plus the two points of a central difference).
    """
    model = models.make(request.param)
    task = short_task(model)
    table = cognax.simulate(jax.random.key(0), model, task, n_subjects=N_SUBJECTS)
    batch = to_batch(table, task)
    defaults = model.default_params()
    discrete = {name: jnp.asarray(float(defaults[name])) for name in model.discrete_parameters}
    rng = np.random.default_rng(3)
    points = _points(model.n_params, rng) if model.n_params else np.zeros((1, 0))
    direction = rng.normal(size=model.n_params)
    direction /= max(np.linalg.norm(direction), 1e-300)
    shifted = points[0] + np.array([[STEP], [-STEP]]) * direction

    def nll(u):
        return -models.log_likelihood(model, {**model.constrain(u), **discrete}, batch).sum()

    @jax.jit
    def evaluate(params, points):
        per_trial = models.trial_log_likelihood(model, params, batch)
        total = models.log_likelihood(model, params, batch)
        return per_trial, total, jax.vmap(jax.value_and_grad(nll))(points)

    per_trial, total, (values, grads) = evaluate(
        {k: jnp.asarray(float(v)) for k, v in defaults.items()}, jnp.asarray(np.concatenate([points, shifted]))
    )
    evaluated = {
        "per_trial": np.asarray(per_trial),
        "log_likelihood": np.asarray(total),
        "points": points,
        "values": np.asarray(values)[: len(points)],
        "grads": np.asarray(grads)[: len(points)],
        "directional": np.asarray(grads)[0] @ direction,
        "central_difference": float(np.asarray(values)[-2] - np.asarray(values)[-1]) / (2 * STEP),
    }
    return model, task, table, batch, evaluated


def test_likelihood_finite_nonpositive_and_shaped(case):
    model, task, table, batch, evaluated = case
    per_trial = evaluated["per_trial"]
    assert per_trial.shape == (N_SUBJECTS, task.n_trials) == (batch.n_subjects, batch.n_trials)
    assert np.all(np.isfinite(per_trial)) and np.all(per_trial <= 1e-12)
    total = evaluated["log_likelihood"]
    assert total.shape == (N_SUBJECTS,)
    assert np.all(np.isfinite(total)) and np.all(total <= 0)
    np.testing.assert_allclose(total, per_trial.sum(axis=1), rtol=1e-12, atol=1e-9)


def test_parameter_spec(case):
    model = case[0]
    assert len(set(model.parameter_names)) == model.n_params
    assert not set(model.parameter_names) & set(model.discrete_parameters)
    defaults = model.default_params()
    assert set(defaults) == set(model.parameter_names) | set(model.discrete_parameters)
    for name, values in model.discrete_parameters.items():
        assert len(values) >= 2 and defaults[name] in values
    keys = jax.random.split(jax.random.key(1), max(model.n_params, 1))
    for parameter, key in zip(model.parameters, keys):
        assert parameter.low < parameter.high, parameter.name
        assert parameter.low <= parameter.default <= parameter.high, parameter.name
        draws = np.asarray(parameter.prior.sample(key, (500,), parameter.low, parameter.high))
        assert np.all(np.isfinite(draws)), parameter.name
        assert np.all((draws >= parameter.low) & (draws <= parameter.high)), parameter.name
        assert draws.std() > 0, parameter.name
    # The prior has density in the interior (a default may sit on a bound, e.g. rlwm_r0's
    # rl_target_negative = 0, where a Beta prior's density is 0).
    centre = {**model.constrain(jnp.zeros(model.n_params)), **{k: defaults[k] for k in model.discrete_parameters}}
    assert np.isfinite(float(model.log_prior(centre)))


def test_transforms_round_trip(case):
    model = case[0]
    if model.n_params == 0:
        assert model.unconstrain({}).shape == (0,)
        return
    rng = np.random.default_rng(2)
    natural = {}
    for p in model.parameters:
        if _finite_bounds(p):
            natural[p.name] = p.low + (p.high - p.low) * rng.uniform(0.01, 0.99, 20)
        else:
            natural[p.name] = (p.low if math.isfinite(p.low) else 0.0) + np.exp(rng.normal(0, 1, 20))
    u = model.unconstrain(natural)
    assert u.shape == (20, model.n_params)
    assert np.all(np.isfinite(np.asarray(u)))
    back = model.constrain(u)
    for name, values in natural.items():
        np.testing.assert_allclose(np.asarray(back[name]), values, rtol=1e-9, atol=1e-9, err_msg=name)
    # Any unconstrained vector (within the optimiser's box) maps inside the bounds.
    corners = model.constrain(UNCONSTRAINED_LIMIT * jnp.array([[1.0] * model.n_params, [-1.0] * model.n_params]))
    for p in model.parameters:
        values = np.asarray(corners[p.name])
        assert np.all((values >= p.low) & (values <= p.high)), p.name


def test_gradient_finite_in_the_interior_and_at_the_box_corners(case):
    model, task, table, batch, evaluated = case
    if model.n_params == 0:
        # Nothing to differentiate: the chance model's likelihood is exactly uniform.
        per_trial = np.asarray(models.trial_log_likelihood(model, {}, batch))
        np.testing.assert_allclose(per_trial[np.asarray(batch.fit_mask)], -np.log(batch.n_actions))
        return
    points, values, grads = evaluated["points"], evaluated["values"], evaluated["grads"]
    assert np.all(np.isfinite(values)), points[~np.isfinite(values)]
    assert np.all(np.isfinite(grads)), points[~np.all(np.isfinite(grads), axis=1)]
    # The gradient is the NLL's and not noise: it agrees with a central difference in the interior.
    np.testing.assert_allclose(evaluated["directional"], evaluated["central_difference"], rtol=1e-4, atol=1e-5)


def test_same_key_same_table(case):
    model, task, table, batch, _ = case
    again = cognax.simulate(jax.random.key(0), model, task, n_subjects=N_SUBJECTS)
    pd.testing.assert_frame_equal(table, again)
    assert set(table["choice"].unique()) <= set(range(task.n_actions))
    assert len(table) == N_SUBJECTS * task.n_trials


def test_check_params_rejects_unknown_names(case):
    model = case[0]
    with pytest.raises(CognaxError) as error:
        model.check_params({"not_a_parameter": 0.5})
    message = str(error.value)
    assert "not_a_parameter" in message
    for name in model.parameter_names + tuple(model.discrete_parameters):
        assert name in message, (name, message)


def test_check_params_rejects_out_of_bounds_values(case):
    model = case[0]
    for p in model.parameters:
        bad = [float("nan"), p.low - 1.0]
        if math.isfinite(p.high):
            bad.append(p.high + 1.0)
        for value in bad:
            with pytest.raises(CognaxError, match=p.name):
                model.check_params({p.name: value})
        assert model.check_params({p.name: p.default})[p.name] == p.default
    for name, values in model.discrete_parameters.items():
        with pytest.raises(CognaxError, match=name):
            model.check_params({name: max(values) + 1})
        assert model.check_params({name: values[0]})[name] == values[0]


def test_two_action_log_probabilities_match_log_softmax():
    """The two-action shortcut (one log-sigmoid) equals log_softmax, with its derivatives."""
    from cognax.models.base import _log_probabilities

    model = models.make("q_learning")
    for values in ([0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [-3.0, 40.0], [800.0, -800.0]):
        for beta in (0.0, 1.0, 50.0):
            params = {"inverse_temperature": jnp.asarray(beta)}
            shortcut = lambda v: _log_probabilities(model, params, v, {})
            expected = lambda v: jax.nn.log_softmax(beta * v)
            v = jnp.asarray(values)
            np.testing.assert_allclose(shortcut(v), expected(v), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(jax.jacfwd(shortcut)(v), jax.jacfwd(expected)(v), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(jax.hessian(lambda x: shortcut(x)[0])(v), jax.hessian(lambda x: expected(x)[0])(v),
                                       rtol=1e-9, atol=1e-12)
            for action in (0, 1):  # what likelihoods use: the chosen action's entry alone
                chosen = lambda x: model.chosen_log_probability(params, x, {}, jnp.asarray(action))
                np.testing.assert_allclose(chosen(v), expected(v)[action], rtol=1e-12, atol=1e-12)
                np.testing.assert_allclose(jax.hessian(chosen)(v), jax.hessian(lambda x: expected(x)[action])(v),
                                           rtol=1e-9, atol=1e-12)
