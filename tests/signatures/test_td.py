"""TD learning, the pavlovian task and the ``td_dopamine`` reproduction."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from cognax import reproduce, tasks
from cognax.errors import CognaxError
from cognax.signatures.td import complete_serial_compound, pavlovian_rewards, td_learning, td_probe
from cognax.tasks.pavlovian import PavlovianParams


def numpy_td(features, rewards, discount, rate, trace_decay):
    """Plain loop reference of online TD(lambda) (module docstring of cognax.signatures.td)."""
    weights = np.zeros(features.shape[1])
    rpes = np.zeros(rewards.shape)
    for trial in range(rewards.shape[0]):
        trace = np.zeros_like(weights)
        previous_x, previous_value = np.zeros_like(weights), 0.0
        for t in range(rewards.shape[1]):
            x = features[t]
            delta = rewards[trial, t] + discount * (x @ weights) - previous_value
            trace = discount * trace_decay * trace + previous_x
            weights = weights + rate * delta * trace
            rpes[trial, t] = delta
            previous_x, previous_value = x, x @ weights
    return rpes, weights


@pytest.mark.parametrize("trace_decay", [0.0, 0.7])
def test_td_matches_a_numpy_loop_on_random_rewards(trace_decay):
    rng = np.random.default_rng(0)
    features = np.asarray(complete_serial_compound(12, 3))
    rewards = rng.normal(size=(15, 12)) * (rng.random((15, 12)) < 0.3)
    result = td_learning(features, rewards, discount=0.9, learning_rate=0.2, trace_decay=trace_decay)
    expected_rpe, expected_weights = numpy_td(features, rewards, 0.9, 0.2, trace_decay)
    np.testing.assert_allclose(result.rpe, expected_rpe, atol=1e-10)
    np.testing.assert_allclose(result.weights[-1], expected_weights, atol=1e-10)


def test_td_lambda_reaches_the_same_fixed_point():
    features = complete_serial_compound(40, 9)
    rewards = jnp.zeros((400, 40)).at[:, 19].set(10.0)
    for trace_decay in (0.0, 0.5, 0.9):
        result = td_learning(features, rewards, 0.98, 0.1, trace_decay)
        assert float(result.rpe[-1, 9]) == pytest.approx(10 * 0.98**10, abs=1e-6)
        assert float(result.rpe[-1, 19]) == pytest.approx(0.0, abs=1e-6)
        omitted = td_probe(features, jnp.zeros(40), result.weights[-1], 0.98)
        assert float(omitted[19]) == pytest.approx(-10.0, abs=1e-6)


def test_csc_features_are_a_delay_line_from_the_cue():
    x = np.asarray(complete_serial_compound(6, 2))
    assert x.shape == (6, 4)
    assert (x[:2] == 0).all()
    np.testing.assert_array_equal(x[2:], np.eye(4))


def test_pavlovian_reward_frequency_matches_probability():
    task = tasks.make("pavlovian", n_trials=2000, n_steps=12, cue_step=2, reward_delay=5, reward_size=2.0)
    rewards = np.asarray(pavlovian_rewards(task, jax.random.key(1), PavlovianParams(reward_probability=0.3)))
    assert set(np.unique(rewards)) <= {0.0, 2.0}
    assert (rewards[:, np.arange(12) != 7] == 0).all()
    rate = (rewards[:, 7] > 0).mean()
    # binomial SD sqrt(0.3 * 0.7 / 2000) = 0.0102; 4 SDs.
    assert rate == pytest.approx(0.3, abs=0.041)


def test_pavlovian_trial_table_round_trip():
    task = tasks.make("pavlovian", n_trials=5, n_steps=8, cue_step=1, reward_delay=3)
    rewards = jnp.asarray([10.0, 0.0, 10.0, 10.0, 0.0])
    obs, actions, per_step = task.decisions({"choice": jnp.zeros(5, jnp.int32), "reward": rewards})
    assert per_step.shape == (40,) and float(per_step.sum()) == 30.0
    assert int(obs["time_step"][9]) == 1
    columns = task.trial_columns(obs, actions, per_step, {})
    np.testing.assert_array_equal(columns["reward"], rewards)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"cue_step": 30, "reward_delay": 10}, "cue_step \\+ reward_delay"), ({"reward_size": -1}, "reward_size"),
     ({"n_steps": 1}, "n_steps")],
)
def test_pavlovian_bad_settings(kwargs, message):
    with pytest.raises(CognaxError, match=message):
        tasks.make("pavlovian", **kwargs)


def test_td_bad_inputs():
    features = complete_serial_compound(10, 2)
    with pytest.raises(CognaxError, match="same steps"):
        td_learning(features, np.zeros((3, 9)))
    with pytest.raises(CognaxError, match="NaN"):
        td_learning(features, np.full((3, 10), np.nan))
    with pytest.raises(CognaxError, match="discount"):
        td_learning(features, np.zeros((3, 10)), discount=1.5)


def test_td_dopamine_reproduction(tmp_path):
    checks = reproduce.run("td_dopamine", tmp_path, quick=True, seed=0)
    failed = [c for c in checks if not c.passed]
    assert not failed, failed
    document = json.loads((tmp_path / "checks.json").read_text())
    assert document["passed"] and len(document["checks"]) == 9
    traces = pd.read_csv(tmp_path / "traces.csv")
    assert list(traces.columns) == ["trial", "time_step", "rpe", "condition"]
    assert set(traces["condition"]) == {"rewarded", "omitted"}
    omitted = traces[traces["condition"] == "omitted"].set_index("time_step")["rpe"]
    assert omitted[19] == pytest.approx(-10.0, abs=1e-3) and omitted[9] == pytest.approx(8.171, abs=1e-3)
    assert (tmp_path / "td_dopamine.png").stat().st_size > 10_000
