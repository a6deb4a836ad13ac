"""Statistical and structural checks of the two-step, go/no-go and RLWM tasks.

Statistical checks simulate many random-policy episodes at once (jit + vmap +
lax.scan) with a fixed seed, and compare a frequency with its specified value within
3 standard errors. For a correct task such a check fails for about 0.3% of seeds;
the seeds are fixed, so the tests are deterministic.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cognax.tasks as tasks
from cognax.errors import CognaxError
from cognax.tasks.rlwm import RLWM, RLWMParams
from cognax.tasks.two_step import TwoStep, TwoStepWang2016, TwoStepWang2018, reflect

_SIMULATORS = {}


def simulate(task, n_episodes, seed=0, params=None):
    """Random-policy episodes: (per-decision outputs, trial columns), numpy, axis 0 = episode."""
    if task not in _SIMULATORS:

        def episode(key, params):
            reset_key, key = jax.random.split(key)
            obs, state = task.reset(reset_key, params)

            def body(carry, key):
                obs, state = carry
                action_key, step_key = jax.random.split(key)
                action = jax.random.randint(action_key, (), 0, task.n_actions)
                ts = task.step(step_key, state, action, params)
                return (ts.obs, ts.state), (obs, action, ts.reward, ts.terminated, ts.info)

            _, (obs, actions, rewards, terminated, info) = jax.lax.scan(
                body, (obs, state), jax.random.split(key, task.n_decisions)
            )
            decisions = {"obs": obs, "action": actions, "reward": rewards, "terminated": terminated}
            return decisions, task.trial_columns(obs, actions, rewards, info)

        # params is an argument, not a constant, so other params reuse the compiled code.
        _SIMULATORS[task] = jax.jit(jax.vmap(episode, in_axes=(0, None)))
    keys = jax.random.split(jax.random.key(seed), n_episodes)
    out = _SIMULATORS[task](keys, params if params is not None else task.default_params())
    return jax.tree.map(np.asarray, out)


def assert_within_3_se(successes, n, p, what):
    """A binomial frequency successes / n matches probability p within 3 standard errors."""
    se = np.sqrt(p * (1 - p) / n)
    observed = successes / n
    assert abs(observed - p) <= 3 * se, f"{what}: {observed:.4f} vs {p} (3 SE = {3 * se:.4f}, n = {n})"


def probabilities(columns):
    """Reward probabilities p[episode, trial, state, action] from the p_s_b columns."""
    return np.stack(
        [np.stack([columns[f"p_{s}_{b}"] for b in range(2)], axis=-1) for s in range(2)], axis=-2
    )


# ------------------------------------------------------------------------- two-step
@pytest.fixture(scope="module")
def daw():
    # 500 episodes x 201 trials = 100,500 trials.
    return simulate(TwoStep(), 500, seed=1)


def test_two_step_registered_variants():
    assert isinstance(tasks.make("two_step"), TwoStep)
    assert tasks.make("two_step").n_trials == 201
    assert tasks.make("two_step_wang2016").default_params().common_prob == 0.75
    assert tasks.make("two_step_wang2018").default_params().common_prob == 0.8


def test_two_step_decision_structure(daw):
    decisions, columns = daw
    stage, state = decisions["obs"]["stage"], decisions["obs"]["state"]
    np.testing.assert_array_equal(stage[:, 0::2], 0)
    np.testing.assert_array_equal(stage[:, 1::2], 1)
    np.testing.assert_array_equal(state[:, 0::2], 0)  # the first stage shows state field 0
    np.testing.assert_array_equal(decisions["reward"][:, 0::2], 0.0)  # no reward at stage 0
    np.testing.assert_array_equal(columns["common"], columns["state"] == columns["choice"])
    assert set(np.unique(columns["reward"])) <= {0.0, 1.0}


def test_two_step_common_transition_frequency(daw):
    _, columns = daw
    common = columns["common"]
    assert_within_3_se(common.sum(), common.size, 0.7, "common transitions")
    # Also for each first-stage action separately (action a commonly leads to state a).
    for action in range(2):
        chosen = columns["choice"] == action
        assert_within_3_se((columns["state"][chosen] == action).sum(), chosen.sum(), 0.7, f"action {action}")


def test_two_step_drift_bounds_and_step_sd(daw):
    _, columns = daw
    p = probabilities(columns)
    assert p.min() >= 0.25 and p.max() <= 0.75
    # Initial values U[0.25, 0.75]: mean 0.5, SD 0.5 / sqrt(12); 2,000 values.
    initial = p[:, 0].ravel()
    assert abs(initial.mean() - 0.5) <= 3 * (0.5 / np.sqrt(12)) / np.sqrt(initial.size)

    # Away from the bounds a step is N(0, 0.025^2). Condition on the *current* value
    # (not the next, which would bias the steps) lying 4 SD inside the bounds, where a
    # reflection needs a 4-SD step (probability 6e-5, negligible here).
    steps = (p[:, 1:] - p[:, :-1]).ravel()
    inside = ((p[:, :-1] >= 0.35) & (p[:, :-1] <= 0.65)).ravel()
    steps = steps[inside]
    n = steps.size
    # SE of a sample SD of n normal values: sd / sqrt(2 (n - 1)); of the mean: sd / sqrt(n).
    assert abs(steps.std(ddof=1) - 0.025) <= 3 * 0.025 / np.sqrt(2 * (n - 1)), steps.std(ddof=1)
    assert abs(steps.mean()) <= 3 * 0.025 / np.sqrt(n), steps.mean()


def test_two_step_reward_follows_probability_of_state_and_action(daw):
    _, columns = daw
    p = probabilities(columns)
    episode, trial = np.indices(columns["state"].shape)
    p_used = p[episode, trial, columns["state"], columns["choice2"]]
    reward = columns["reward"]
    # Within bins of the probability in effect, the reward rate matches the bin's mean
    # probability within 3 SE (the SE of a sum of Bernoullis with those probabilities).
    # A mix-up of the indices (p[action, state]) would put both bins near 0.5.
    for low, high in [(0.25, 0.4), (0.6, 0.75)]:
        in_bin = (p_used >= low) & (p_used <= high)
        expected = p_used[in_bin]
        se = np.sqrt(np.sum(expected * (1 - expected))) / expected.size
        assert abs(reward[in_bin].mean() - expected.mean()) <= 3 * se, (low, high)


def test_reflect_folds_back_into_bounds():
    x = jnp.array([0.5, 0.8, 0.2, 1.3, -0.3, 0.75, 0.25])
    np.testing.assert_allclose(reflect(x, 0.25, 0.75), [0.5, 0.7, 0.3, 0.3, 0.7, 0.75, 0.25], atol=1e-12)


def test_two_step_wang2016_rich_and_poor_states():
    task = TwoStepWang2016()
    _, columns = simulate(task, 400, seed=2)
    p = probabilities(columns)
    np.testing.assert_array_equal(p[..., 0], p[..., 1])  # both actions pay the same in a state
    np.testing.assert_array_equal(p, np.broadcast_to(p[:, :1], p.shape))  # fixed in an episode
    np.testing.assert_allclose(np.sort(p[:, 0, :, 0], axis=1), np.tile([0.1, 0.9], (400, 1)))
    rich_state = np.argmax(p[:, 0, :, 0], axis=1)
    # Which state is rich is redrawn each episode, each with probability 1/2.
    assert_within_3_se((rich_state == 0).sum(), rich_state.size, 0.5, "state 0 rich")
    in_rich = columns["state"] == rich_state[:, None]
    reward = columns["reward"]
    assert_within_3_se(reward[in_rich].sum(), in_rich.sum(), 0.9, "reward in the rich state")
    assert_within_3_se(reward[~in_rich].sum(), (~in_rich).sum(), 0.1, "reward in the poor state")
    assert_within_3_se(columns["common"].sum(), columns["common"].size, 0.75, "common transitions")


def test_two_step_wang2018_reversal_rate():
    task = TwoStepWang2018()
    _, columns = simulate(task, 500, seed=3)
    p = probabilities(columns)
    assert set(np.unique(p)) == {0.1, 0.9}
    np.testing.assert_array_equal(p[..., 0], p[..., 1])
    np.testing.assert_allclose(p[..., 0, 0] + p[..., 1, 0], 1.0)  # one rich, one poor
    # 500 episodes x 99 trial-to-trial transitions = 49,500 chances to reverse.
    reversals = p[:, 1:, 0, 0] != p[:, :-1, 0, 0]
    assert_within_3_se(reversals.sum(), reversals.size, 0.025, "reversals per trial")
    assert_within_3_se(columns["common"].sum(), columns["common"].size, 0.8, "common transitions")


# ------------------------------------------------------------------------- go/no-go
def test_go_nogo_cues_feedback_and_rewards():
    task = tasks.make("go_nogo")
    assert task.n_trials == 240 and task.reward_range == (-1.0, 1.0)
    # 200 episodes x 240 trials: 12,000 trials per cue.
    _, columns = simulate(task, 200, seed=4)
    cue, choice, reward = columns["cue"], columns["choice"], columns["reward"]
    for c in range(4):
        np.testing.assert_array_equal((cue == c).sum(axis=1), 60)  # every episode, every cue
    assert len({tuple(row) for row in cue}) == 200  # the order is redrawn per episode
    np.testing.assert_array_equal(columns["correct_action"], np.where(cue < 2, 1, 0))

    win = cue % 2 == 0
    assert set(np.unique(reward[win])) == {0.0, 1.0}
    assert set(np.unique(reward[~win])) == {-1.0, 0.0}
    better = np.where(win, reward == 1.0, reward == 0.0)
    correct = choice == columns["correct_action"]
    # Valid feedback: the better outcome for a correct choice, the worse for an error.
    valid = better == correct
    for c in range(4):
        assert_within_3_se(valid[cue == c].sum(), (cue == c).sum(), 0.8, f"feedback validity, cue {c}")


# ------------------------------------------------------------------------- RLWM
N_RLWM_EPISODES = 100  # one batch size and one task object per configuration: one compile


@functools.lru_cache
def rlwm(set_sizes, repetitions):
    return RLWM(set_sizes=set_sizes, repetitions=repetitions)


@pytest.mark.parametrize("set_sizes, repetitions", [((2, 3, 4, 5, 6), 12), ((1, 6, 6), 3)])
def test_rlwm_schedule(set_sizes, repetitions):
    task = rlwm(set_sizes, repetitions)
    assert task.n_trials == sum(set_sizes) * repetitions
    assert task.obs_sizes["block"] == len(set_sizes)
    _, columns = simulate(task, N_RLWM_EPISODES, seed=5)
    block, stimulus, set_size = columns["block"], columns["stimulus"], columns["set_size"]
    correct_action, iteration = columns["correct_action"], columns["iteration"]
    orders = set()
    for e in range(N_RLWM_EPISODES):
        assert np.all(np.diff(block[e]) >= 0)  # blocks are contiguous, in order 0, 1, ...
        sizes = []
        for b in range(len(set_sizes)):
            here = block[e] == b
            (size,) = np.unique(set_size[e, here])
            sizes.append(int(size))
            # Each of the block's stimuli exactly `repetitions` times.
            np.testing.assert_array_equal(np.bincount(stimulus[e, here], minlength=size), repetitions)
            for s in range(size):
                shown = here & (stimulus[e] == s)
                assert len(np.unique(correct_action[e, shown])) == 1  # a fixed map in the block
                np.testing.assert_array_equal(iteration[e, shown], np.arange(1, repetitions + 1))
        assert sorted(sizes) == sorted(set_sizes)
        orders.add(tuple(sizes))
    assert len(orders) > 1  # the block order is shuffled per episode
    # With reward_prob 1 the reward is exactly whether the choice was correct.
    np.testing.assert_array_equal(columns["reward"], columns["choice"] == correct_action)


def test_rlwm_action_map_is_uniform_and_reward_prob():
    task = rlwm((2, 3, 4, 5, 6), 12)  # the defaults, as in test_rlwm_schedule
    _, columns = simulate(task, N_RLWM_EPISODES, seed=6)
    first = columns["iteration"] == 1  # one row per (episode, block, stimulus): 2,000
    for action in range(3):
        assert_within_3_se((columns["correct_action"][first] == action).sum(), first.sum(), 1 / 3, "map")
    _, columns = simulate(task, N_RLWM_EPISODES, seed=7, params=RLWMParams(reward_prob=0.8))
    correct = columns["choice"] == columns["correct_action"]
    reward = columns["reward"]
    assert_within_3_se(reward[correct].sum(), correct.sum(), 0.8, "reward after a correct choice")
    assert_within_3_se(reward[~correct].sum(), (~correct).sum(), 0.2, "reward after an error")


def test_rlwm_block_column_required():
    (block,) = [c for c in RLWM(set_sizes=(3, 6)).columns() if c.name == "block"]
    assert block.required and block.high == 2


# ------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: RLWM(set_sizes=(2, 7)), r"set_sizes must be .*\[1, 6\]; set_sizes\[1\] is 7"),
        (lambda: RLWM(set_sizes=(0,)), r"set_sizes\[0\] is 0"),
        (lambda: RLWM(set_sizes=()), r"set_sizes must be a non-empty sequence"),
        (lambda: RLWM(set_sizes=(2.5, 3)), r"set_sizes\[0\] is 2.5"),
        (lambda: RLWM(set_sizes=3), r"set_sizes must be .*; got 3"),
        (lambda: RLWM(repetitions=0), r"repetitions must be an integer >= 1; got 0"),
        (lambda: RLWM(reward_prob=1.5), r"reward_prob must be a number in \[0, 1\]; got 1.5"),
        (lambda: tasks.make("go_nogo", trials_per_cue=2.5), r"trials_per_cue must be an integer >= 1"),
        (lambda: tasks.make("go_nogo", feedback_validity=-0.1), r"feedback_validity must be .*\[0, 1\]"),
        (lambda: tasks.make("two_step", n_trials=0), r"n_trials must be an integer >= 1; got 0"),
        (lambda: tasks.make("two_step", common_prob=1.2), r"common_prob must be a number in \[0, 1\]"),
        (lambda: tasks.make("two_step", p_low=0.8, p_high=0.2), r"p_low must be <= p_high"),
        (lambda: tasks.make("two_step", drift_sd=-0.1), r"drift_sd must be a finite number >= 0"),
        (lambda: tasks.make("two_step_wang2016", rich_prob="high"), r"rich_prob must be a number"),
        (lambda: tasks.make("two_step_wang2018", reversal_prob=2), r"reversal_prob must be .*; got 2"),
    ],
)
def test_bad_input(make, match):
    with pytest.raises(CognaxError, match=match):
        make()
