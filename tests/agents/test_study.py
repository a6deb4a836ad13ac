"""Evaluation tables and study_agent: agents analysed exactly like people."""

import jax
import numpy as np
import pytest

from cognax import tasks
from cognax.agents import AgentConfig, evaluate, train_agents
from cognax.agents.study import study_agent
from cognax.errors import CognaxError

CONFIG = AgentConfig(task="reversal", task_options=(("n_trials", 12), ("schedule", "hazard")),
                     task_param_choices=(("hazard", (0.01, 0.5)),), hidden_size=6, n_envs=4, n_updates=2)


@pytest.fixture(scope="module")
def evaluation():
    run = train_agents(CONFIG, seeds=[5, 7])
    return run, evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(0), 6)


def test_evaluation_table_and_hidden_states(evaluation):
    run, result = evaluation
    table = result.table
    assert list(table.columns[:5]) == ["subject", "session", "trial", "choice", "reward"]
    assert set(table["subject"]) == {5, 7} and len(table) == 2 * 6 * 12
    # The per-episode task parameter is a column, constant within an episode and drawn from the choices.
    per_episode = table.groupby(["subject", "session"])["hazard"].nunique()
    assert (per_episode == 1).all() and set(np.round(table["hazard"], 6)) <= {0.01, 0.5}
    assert result.hidden.shape == (2, 6, 12, 6)
    assert result.metrics["accuracy"] == pytest.approx((table["choice"] == table["correct_action"]).mean())
    # Both agents were tested on the same episode draws.
    first, second = (table[table["subject"] == s]["correct_action"].to_numpy() for s in (5, 7))
    np.testing.assert_array_equal(first[::12], second[::12])


def test_evaluate_on_another_task_checks_inputs(evaluation):
    run, _ = evaluation
    with pytest.raises(CognaxError, match="task 'two_step'"):
        evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(0), 2, task=tasks.make("two_step"))
    with pytest.raises(CognaxError, match="episodes must be an integer >= 1"):
        evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(0), 0)


def test_study_agent_like_a_person(evaluation):
    _, result = evaluation
    study = study_agent(result.table, "reversal", models=["wsls"], n_starts=2)
    fits = study.fits["wsls"]
    # One fit per test episode, labelled by seed and episode.
    assert len(fits) == 12 and {"unit", "subject", "session"} <= set(fits.columns)
    assert set(fits["subject"]) == {5, 7} and np.all(np.isfinite(fits["nll"]))
    # wsls with lapse -> 1 is a coin: a fitted NLL is at most 12 log 2 (up to the optimiser tolerance).
    assert np.all(fits["nll"] <= 12 * np.log(2) + 1e-3)
    assert study.learning_curve is not None and set(study.learning_curve["trial"]) == set(range(12))
    assert study.lagged_regression is not None and study.stay_probabilities is None
    assert list(study.comparison["model"]) == ["wsls"]
    assert set(study.tables()) == {"learning_curve", "lagged_regression", "comparison", "fits_wsls"}
    with pytest.raises(CognaxError, match="unknown model 'wslss'"):
        study_agent(result.table, "reversal", models=["wslss"])
    with pytest.raises(CognaxError, match="unknown fit unit 'trial'"):
        study_agent(result.table, "reversal", models=[], fit_unit="trial")
