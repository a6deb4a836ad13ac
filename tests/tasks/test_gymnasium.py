"""The Gymnasium adapter, checked over every registered task."""

import sys

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")
from gymnasium.utils.env_checker import check_env  # noqa: E402

import cognax.tasks as tasks  # noqa: E402
from cognax.errors import CognaxError  # noqa: E402
from cognax.tasks import gymnasium as cognax_gym  # noqa: E402

ALL = tasks.names()


@pytest.fixture(scope="module")
def envs():
    """One environment per task for the whole module: each compiles its reset/step once."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = cognax_gym.make(name)
        return cache[name]

    return get


def run_episode(env, seed, n_steps):
    """Reset with ``seed`` and step with actions drawn from a seeded action space."""
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    steps = [(obs, 0.0, False, False, {})]
    for _ in range(n_steps):
        steps.append(env.step(env.action_space.sample()))
        if steps[-1][2] or steps[-1][3]:
            break
    return steps


@pytest.mark.parametrize("name", ALL)
def test_check_env_passes(name, envs):
    env = envs(name)
    check_env(env.unwrapped)
    task = env.unwrapped.task
    assert env.observation_space.dtype == np.float32
    assert env.observation_space.shape == (max(task.obs_dim, 1),)
    assert env.action_space.n == task.n_actions


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_episode(name, envs):
    env = envs(name)
    a = run_episode(env, seed=7, n_steps=30)
    c = run_episode(env, seed=8, n_steps=30)
    b = run_episode(env, seed=7, n_steps=30)  # after another episode: nothing carries over
    assert len(a) == len(b)
    for (obs_a, *rest_a), (obs_b, *rest_b) in zip(a, b):
        np.testing.assert_array_equal(obs_a, obs_b)
        assert rest_a == rest_b
    assert any(x[1:] != y[1:] for x, y in zip(a, c)), "seeds 7 and 8 gave the same episode"


@pytest.mark.parametrize("name", ALL)
def test_episode_terminates_after_n_decisions(name, envs):
    env = envs(name)
    task = env.unwrapped.task
    env.action_space.seed(0)
    obs, info = env.reset(seed=0)
    assert obs.dtype == np.float32 and info == {}
    for step in range(task.n_decisions):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert isinstance(reward, float) and isinstance(terminated, bool) and isinstance(truncated, bool)
        assert all(isinstance(v, float) for v in info.values()), info
        assert obs in env.observation_space
        assert terminated == (step == task.n_decisions - 1)
        assert not truncated
    with pytest.raises(CognaxError, match="call reset"):
        env.unwrapped.step(0)


def test_no_observation_fields_give_a_constant_vector():
    env = cognax_gym.make("bandit", n_arms=3, n_trials=4)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.shape == (1,)
    np.testing.assert_array_equal(obs, np.zeros(1, np.float32))
    assert env.action_space.n == 3


def test_params_are_used():
    params = tasks.make("bandit").default_params().replace(p_low=1.0, p_high=1.0)
    env = cognax_gym.make("bandit", params=params, n_trials=10)
    env.reset(seed=0)
    rewards = [env.step(0)[1] for _ in range(10)]
    assert rewards == [1.0] * 10


def test_compiled_once_per_env():
    env = cognax_gym.make("bandit", n_trials=3).unwrapped
    for seed in range(3):
        env.reset(seed=seed)
        for action in (0, 1, np.int64(1)):
            env.step(action)
    assert env._reset_fn._cache_size() == 1
    assert env._step_fn._cache_size() == 1


def test_bad_action_is_an_error_not_clamped():
    env = cognax_gym.make("bandit", n_trials=3).unwrapped
    env.reset(seed=0)
    with pytest.raises(CognaxError, match=r"action must be an integer in \[0, 2\); got 2"):
        env.step(2)
    with pytest.raises(CognaxError, match="call reset"):
        cognax_gym.make("bandit").unwrapped.step(0)


def test_unknown_task_lists_valid_names():
    with pytest.raises(CognaxError, match="valid: .*bandit"):
        cognax_gym.make("bandti")


def test_missing_gymnasium_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # makes `import gymnasium` fail
    with pytest.raises(CognaxError, match=r"pip install 'cognax\[gym\]'"):
        cognax_gym.make("bandit")
