"""``latents(model, params, batch)``: per-trial internal quantities of every model.

Each family's quantities are checked against a plain NumPy replay of its equations,
and ``choice_log_probability`` against the model's own per-trial likelihood for every
registered model (so the recording scan and the likelihood scan cannot drift apart).
"""

import inspect

import jax
import numpy as np
import pytest

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.errors import CognaxError

SHORT = {"n_trials": 30, "set_sizes": (2, 6), "repetitions": 2, "trials_per_cue": 6}


def short_task(model):
    name = model.tasks[0] if model.tasks is not None else "bandit"
    accepted = inspect.signature(tasks.registry.factory(name)).parameters
    return tasks.make(name, **{k: v for k, v in SHORT.items() if k in accepted})


def simulated(model, task, n_subjects=2, seed=0):
    table = cognax.simulate(jax.random.key(seed), model, task, n_subjects=n_subjects)
    return table, to_batch(table, task)


@pytest.mark.parametrize("name", models.names())
def test_every_model_declares_its_latents(name):
    """Shapes only (no compilation): the recorded keys are exactly the declared names."""
    model = models.make(name)
    task = short_task(model)
    n = task.n_decisions
    obs = {field: np.zeros(n, np.int32) for field in task.obs_sizes}
    params = {k: np.float64(v) for k, v in model.default_params().items()}
    shapes = jax.eval_shape(
        lambda p, o: models.session_latents(model, p, o, np.zeros(n, np.int32), np.zeros(n), np.ones(n, bool), task.n_actions),
        params, obs,
    )
    assert set(shapes) == set(models.latent_columns(model))
    assert all(shape.shape == (n,) for shape in shapes.values())


#: one model per family of latents (and one without any).
FAMILIES = ["q_learning_persev", "kalman", "bayes_reversal", "daw_hybrid", "rlwm", "bandit2arm_delta", "wsls"]


@pytest.mark.parametrize("name", FAMILIES)
def test_choice_log_probability_matches_the_likelihood(name):
    model = models.make(name)
    task = short_task(model)
    table, batch = simulated(model, task)
    params = model.default_params()
    result = models.latents(model, params, batch)
    expected = np.asarray(models.trial_log_likelihood(model, params, batch))[np.asarray(batch.mask)]
    np.testing.assert_allclose(result["choice_log_probability"], expected, rtol=1e-10, atol=1e-12)
    assert list(result.columns[: len(table.columns)]) == list(table.columns)
    for column in model.latent_names:
        assert np.isfinite(result[column]).all(), column


def test_q_learning_latents_match_a_numpy_replay():
    model = models.make("q_learning")
    task = tasks.make("bandit", n_trials=60)
    table, batch = simulated(model, task, n_subjects=3)
    rates = np.array([0.1, 0.4, 0.8])
    result = model.latents({"learning_rate": rates, "inverse_temperature": 3.0}, batch)
    for subject, rate in enumerate(rates):
        rows = result[result["subject"] == subject]
        values = np.full(2, 0.5)
        for choice, reward, chosen, unchosen, rpe in rows[["choice", "reward", "value_chosen", "value_unchosen", "rpe"]].to_numpy():
            choice = int(choice)
            assert chosen == pytest.approx(values[choice], abs=1e-12)
            assert unchosen == pytest.approx(values[1 - choice], abs=1e-12)
            assert rpe == pytest.approx(reward - values[choice], abs=1e-12)
            values[choice] += rate * (reward - values[choice])


def test_daw_hybrid_latents_match_a_numpy_replay():
    model = models.make("daw_hybrid")
    table, batch = simulated(model, short_task(model))  # the compiled simulation of the test above
    params = model.default_params() | {"mb_weight": 0.3, "eligibility": 0.6, "learning_rate_1": 0.4}
    result = model.latents(params, batch)
    mf, q2 = np.full(2, 0.5), np.full((2, 2), 0.5)
    transitions = np.array([[0.7, 0.3], [0.3, 0.7]])
    for row in result[result["subject"] == 0].itertuples():
        a1, state, a2, reward = row.choice, row.state, row.choice2, row.reward
        mb = transitions @ q2.max(axis=1)
        net = 0.3 * mb + 0.7 * mf
        assert row.value_mb_chosen == pytest.approx(mb[a1], abs=1e-12)
        assert row.value_mb_unchosen == pytest.approx(mb[1 - a1], abs=1e-12)
        assert row.value_mf_chosen == pytest.approx(mf[a1], abs=1e-12)
        assert row.value_net_unchosen == pytest.approx(net[1 - a1], abs=1e-12)
        delta_1, delta_2 = q2[state, a2] - mf[a1], reward - q2[state, a2]
        assert row.rpe_stage1 == pytest.approx(delta_1, abs=1e-12)
        assert row.rpe_stage2 == pytest.approx(delta_2, abs=1e-12)
        mf[a1] += 0.4 * (delta_1 + 0.6 * delta_2)
        q2[state, a2] += params["learning_rate_2"] * delta_2


def test_rlwm_working_memory_weight_follows_capacity():
    model = models.make("rlwm")
    _, batch = simulated(model, short_task(model))
    params = model.default_params() | {"wm_weight": 0.8, "capacity": 3}
    result = model.latents(params, batch)
    expected = 0.8 * np.minimum(1.0, 3 / result["set_size"].to_numpy())
    np.testing.assert_allclose(result["working_memory_weight"], expected, rtol=1e-12)
    # Standard rlwm: the RL prediction error is reward minus the chosen RL value.
    np.testing.assert_allclose(result["rpe"], result["reward"] - result["rl_value_chosen"], atol=1e-12)


def test_invalid_rows_get_nan_and_do_not_update():
    model = models.make("q_learning")
    task = tasks.make("bandit", n_trials=20)
    table = cognax.simulate(jax.random.key(3), model, task)
    table["valid"] = True
    table.loc[5, "valid"] = False
    result = model.latents(model.default_params(), to_batch(table, task))
    assert np.isnan(result.loc[5, "rpe"])
    assert result.loc[6, "value_chosen"] == pytest.approx(
        _replay_value(table.drop(index=5), 5, model.default_params()["learning_rate"]), abs=1e-12
    )


def _replay_value(table, position, rate):
    values = np.full(2, 0.5)
    choices, rewards = table["choice"].to_numpy(), table["reward"].to_numpy()
    for choice, reward in zip(choices[:position], rewards[:position]):
        values[choice] += rate * (reward - values[choice])
    return values[choices[position]]


def test_bad_parameters_raise():
    model = models.make("q_learning")
    task = tasks.make("bandit", n_trials=10)
    _, batch = simulated(model, task, n_subjects=2)
    with pytest.raises(CognaxError, match="need parameter"):
        model.latents({"learning_rate": 0.1}, batch)
    with pytest.raises(CognaxError, match="unknown parameter"):
        model.latents(model.default_params() | {"learning_rat": 0.1}, batch)
    with pytest.raises(CognaxError, match="one value per subject"):
        model.latents(model.default_params() | {"learning_rate": [0.1, 0.2, 0.3]}, batch)
    with pytest.raises(CognaxError, match="does not apply"):
        models.make("daw_hybrid").latents(models.make("daw_hybrid").default_params(), batch)
