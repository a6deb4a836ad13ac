"""Conformance suite run over every registered task."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cognax.tasks as tasks

ALL = tasks.names()


def rollout(task, key, params):
    """Random-policy episode; returns per-decision observations, actions, rewards, flags."""
    reset_key, key = jax.random.split(key)
    obs, state = task.reset(reset_key, params)

    def body(carry, key):
        obs, state = carry
        action_key, step_key = jax.random.split(key)
        action = jax.random.randint(action_key, (), 0, task.n_actions)
        ts = task.step(step_key, state, action, params)
        return (ts.obs, ts.state), (obs, action, ts.reward, ts.terminated, ts.info)

    keys = jax.random.split(key, task.n_decisions)
    _, out = jax.lax.scan(body, (obs, state), keys)
    return out


@pytest.fixture(params=ALL)
def task(request):
    return tasks.make(request.param)


def test_jit_and_determinism(task):
    params = task.default_params()
    run = jax.jit(lambda key: rollout(task, key, params))
    a = run(jax.random.key(3))
    b = run(jax.random.key(3))
    c = run(jax.random.key(4))
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(c)))


def test_vmap_over_keys_and_params(task):
    params = task.default_params()
    n = 8
    batched_params = jax.tree.map(lambda x: jnp.broadcast_to(jnp.asarray(x), (n,) + jnp.shape(x)), params)
    keys = jax.random.split(jax.random.key(0), n)
    obs, actions, rewards, terminated, info = jax.vmap(lambda k, p: rollout(task, k, p))(keys, batched_params)
    assert actions.shape == (n, task.n_decisions)
    assert rewards.shape == (n, task.n_decisions)


def test_ranges_and_termination(task):
    params = task.default_params()
    obs, actions, rewards, terminated, info = rollout(task, jax.random.key(1), params)
    low, high = task.reward_range
    assert np.all(np.asarray(rewards) >= low) and np.all(np.asarray(rewards) <= high)
    for name, size in task.obs_sizes.items():
        values = np.asarray(obs[name])
        assert values.min() >= 0 and values.max() < size, name
    terminated = np.asarray(terminated)
    assert terminated[-1] and not terminated[:-1].any()


def test_trial_columns_and_decisions_round_trip(task):
    params = task.default_params()
    obs, actions, rewards, terminated, info = rollout(task, jax.random.key(2), params)
    columns = task.trial_columns(obs, actions, rewards, info)
    for name, values in columns.items():
        assert np.shape(values)[0] == task.n_trials, name
    names = {c.name for c in task.columns() if c.required} - {"subject", "trial"}
    assert names <= set(columns), names - set(columns)
    obs2, actions2, rewards2 = task.decisions(columns)
    np.testing.assert_array_equal(actions2, actions)
    np.testing.assert_allclose(rewards2, rewards)
    for name in task.obs_sizes:
        np.testing.assert_array_equal(obs2[name], obs[name])


def test_metadata(task):
    assert task.name in tasks.names()
    assert task.description and task.reference.citation
    assert task.encode_obs(jax.tree.map(lambda x: x[0], rollout(task, jax.random.key(0), task.default_params())[0])).shape == (task.obs_dim,)


def test_unknown_task_lists_valid_names():
    from cognax.errors import CognaxError

    with pytest.raises(CognaxError, match="valid: .*bandit"):
        tasks.make("bandti")
