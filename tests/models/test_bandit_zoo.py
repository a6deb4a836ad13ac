"""The bandit model zoo: NumPy reference likelihoods, gradients over the box, simulation.

Models: q_learning_persev, q_learning_dual, q_learning_forget, wsls, bias,
bayes_reversal, kalman. Each reference below is a plain loop written from the
equations in the model's docstring, not from its code.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.errors import CognaxError
from cognax.simulation import columns_to_table, simulate_columns


def log_softmax(logits):
    logits = np.asarray(logits, dtype=float)
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


# ----------------------------------------------------------------------------- references
def reference_q_persev(choices, rewards, p, n_actions):
    values = np.full(n_actions, 0.5)
    previous = None
    total = 0.0
    for choice, reward in zip(choices, rewards):
        logits = p["inverse_temperature"] * values
        if previous is not None:
            logits[previous] += p["perseveration"]
        total += log_softmax(logits)[choice]
        values[choice] += p["learning_rate"] * (reward - values[choice])
        previous = choice
    return total


def reference_q_dual(choices, rewards, p, n_actions):
    values = np.full(n_actions, 0.5)
    total = 0.0
    for choice, reward in zip(choices, rewards):
        total += log_softmax(p["inverse_temperature"] * values)[choice]
        error = reward - values[choice]
        rate = p["learning_rate_positive"] if error > 0 else p["learning_rate_negative"]
        values[choice] += rate * error
    return total


def reference_q_forget(choices, rewards, p, n_actions):
    values = np.full(n_actions, 0.5)
    total = 0.0
    for choice, reward in zip(choices, rewards):
        total += log_softmax(p["inverse_temperature"] * values)[choice]
        for arm in range(n_actions):
            if arm == choice:
                values[arm] += p["learning_rate"] * (reward - values[arm])
            else:
                values[arm] = (1 - p["forgetting_rate"]) * values[arm] + p["forgetting_rate"] * 0.5
    return total


def reference_wsls(choices, rewards, p, n_actions):
    lapse = p["lapse"]
    total = 0.0
    previous = None
    for choice, reward in zip(choices, rewards):
        if previous is None:
            probabilities = np.full(n_actions, 1.0 / n_actions)
        else:
            last_choice, last_reward = previous
            probabilities = np.empty(n_actions)
            for arm in range(n_actions):
                if last_reward > 0:
                    rule = 1.0 if arm == last_choice else 0.0
                else:
                    rule = 0.0 if arm == last_choice else 1.0 / (n_actions - 1)
                probabilities[arm] = lapse / n_actions + (1 - lapse) * rule
        total += log_softmax(np.log(np.maximum(probabilities, 1e-12)))[choice]
        previous = (choice, reward)
    return total


def reference_bias(choices, rewards, p, n_actions):
    if n_actions == 2:
        logits = np.array([0.0, p["bias"]])
    else:
        logits = np.array([0.0] + [p[f"bias_{a}"] for a in range(1, n_actions)])
    return sum(log_softmax(logits)[choice] for choice in choices)


def reference_bayes_reversal(choices, rewards, p, n_actions):
    good = p["reward_probability"]
    hazard = p["hazard_rate"]
    belief = 0.5  # P(option 1 is good)
    total = 0.0
    for choice, reward in zip(choices, rewards):
        total += log_softmax(p["inverse_temperature"] * np.array([1 - belief, belief]))[choice]
        pays_if_good = good if reward == 1 else 1 - good
        pays_if_bad = 1 - good if reward == 1 else good
        likelihood_if_1_good = pays_if_good if choice == 1 else pays_if_bad
        likelihood_if_0_good = pays_if_bad if choice == 1 else pays_if_good
        posterior = belief * likelihood_if_1_good / (
            belief * likelihood_if_1_good + (1 - belief) * likelihood_if_0_good
        )
        belief = min(max((1 - hazard) * posterior + hazard * (1 - posterior), 1e-12), 1 - 1e-12)
    return total


def reference_kalman(choices, rewards, p, n_actions):
    mean = np.full(n_actions, 50.0)
    var = np.full(n_actions, 16.0)
    total = 0.0
    for choice, reward in zip(choices, rewards):
        utility = mean + p["exploration_bonus"] * np.sqrt(var)
        total += log_softmax(p["inverse_temperature"] * utility)[choice]
        gain = var[choice] / (var[choice] + p["observation_sd"] ** 2)
        mean[choice] += gain * (reward - mean[choice])
        var[choice] *= 1 - gain
        for arm in range(n_actions):
            mean[arm] = p["decay"] * mean[arm] + (1 - p["decay"]) * p["decay_center"]
            var[arm] = p["decay"] ** 2 * var[arm] + p["diffusion_sd"] ** 2
    return total


# ----------------------------------------------------------------------------- cases
# id -> (model id, model kwargs, task id, task kwargs, reference, reward kind)
CASES = {
    "q_learning_persev": ("q_learning_persev", {}, "bandit", {}, reference_q_persev, "binary"),
    "q_learning_persev_3arms": ("q_learning_persev", {}, "bandit", {"n_arms": 3}, reference_q_persev, "binary"),
    "q_learning_dual": ("q_learning_dual", {}, "bandit", {}, reference_q_dual, "binary"),
    "q_learning_dual_3arms": ("q_learning_dual", {}, "bandit", {"n_arms": 3}, reference_q_dual, "binary"),
    "q_learning_forget": ("q_learning_forget", {}, "bandit", {}, reference_q_forget, "binary"),
    "q_learning_forget_3arms": ("q_learning_forget", {}, "bandit", {"n_arms": 3}, reference_q_forget, "binary"),
    "wsls": ("wsls", {}, "bandit", {}, reference_wsls, "binary"),
    "wsls_3arms": ("wsls", {}, "bandit", {"n_arms": 3}, reference_wsls, "binary"),
    "bias": ("bias", {}, "bandit", {}, reference_bias, "binary"),
    "bias_3arms": ("bias", {"n_arms": 3}, "bandit", {"n_arms": 3}, reference_bias, "binary"),
    "bayes_reversal": ("bayes_reversal", {}, "reversal", {}, reference_bayes_reversal, "binary"),
    "kalman": ("kalman", {}, "restless_bandit", {}, reference_kalman, "points"),
}
ZOO = ["q_learning_persev", "q_learning_dual", "q_learning_forget", "wsls", "bias", "bayes_reversal", "kalman"]


def random_table(rng, n_subjects, n_trials, n_actions, reward_kind, drop_last=9):
    """Random choices and rewards; the last subject is shorter, a quarter of rows invalid."""
    n = n_subjects * n_trials
    rewards = rng.integers(0, 2, n).astype(float) if reward_kind == "binary" else rng.integers(1, 101, n).astype(float)
    table = pd.DataFrame({
        "subject": np.repeat(np.arange(n_subjects), n_trials),
        "trial": np.tile(np.arange(n_trials), n_subjects),
        "choice": rng.integers(0, n_actions, n),
        "reward": rewards,
        "valid": rng.uniform(size=n) > 0.25,
    })
    return table.iloc[: n - drop_last].reset_index(drop=True)


def draw_in_box(rng, model, size):
    return {p.name: rng.uniform(p.low, p.high, size) for p in model.parameters}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_numpy_reference(case):
    model_id, model_kwargs, task_id, task_kwargs, reference, reward_kind = CASES[case]
    rng = np.random.default_rng(sorted(CASES).index(case))
    model = models.make(model_id, **model_kwargs)
    task = tasks.make(task_id, **task_kwargs)
    n_subjects = 4
    table = random_table(rng, n_subjects, 60, task.n_actions, reward_kind)
    params = draw_in_box(rng, model, n_subjects)
    got = np.asarray(models.log_likelihood(model, params, to_batch(table, task)))
    for s in range(n_subjects):
        kept = table[(table.subject == s) & table.valid]
        subject_params = {name: values[s] for name, values in params.items()}
        expected = reference(kept.choice.to_numpy(), kept.reward.to_numpy(), subject_params, task.n_actions)
        np.testing.assert_allclose(got[s], expected, rtol=0, atol=1e-6, err_msg=f"{case}, subject {s}")


@pytest.mark.parametrize("case", ["q_learning_persev", "q_learning_dual", "q_learning_forget", "wsls_3arms",
                                  "bias", "bayes_reversal", "kalman"])
def test_finite_likelihood_and_gradients_over_the_box(case):
    """Value and gradient w.r.t. the unconstrained vector stay finite at every corner.

    Corners are taken three ways: u = +-inf, which ``constrain`` maps exactly onto the
    bounds (learning rate 0 and 1, lapse 0, inverse temperature at its maximum); there
    the chain rule multiplies the natural-scale gradient by 0, so the result is finite
    only if that gradient is. u = +-40, far out where an optimiser may wander. And
    unconstrain(bounds), which clips the bounds to finite values. Plus the defaults.
    """
    model_id, model_kwargs, task_id, task_kwargs, _, reward_kind = CASES[case]
    model = models.make(model_id, **model_kwargs)
    task = tasks.make(task_id, **task_kwargs)
    batch = to_batch(random_table(np.random.default_rng(7), 2, 40, task.n_actions, reward_kind), task)
    names = model.parameter_names

    def nll(u):
        return -models.log_likelihood(model, model.constrain(u), batch).sum()

    corners = np.array(list(itertools.product((-1.0, 1.0), repeat=len(names))))
    bounds = {p.name: np.where(corners[:, i] < 0, p.low, p.high) for i, p in enumerate(model.parameters)}
    points = jnp.concatenate([
        np.inf * corners,
        40.0 * corners,
        model.unconstrain(bounds),
        model.unconstrain(model.default_params())[None],
    ])
    value, grad = jax.jit(jax.vmap(jax.value_and_grad(nll)))(points)
    bad = ~(np.isfinite(value) & np.isfinite(grad).all(-1))
    assert not bad.any(), f"non-finite at {jax.vmap(model.constrain)(points[bad])}"


# ----------------------------------------------------------------------------- reductions
def test_variants_reduce_to_q_learning():
    """perseveration 0, equal learning rates and forgetting 0 give plain Q-learning."""
    rng = np.random.default_rng(11)
    batch = to_batch(random_table(rng, 3, 50, 3, "binary"), tasks.make("bandit", n_arms=3))
    base = {"learning_rate": 0.37, "inverse_temperature": 6.0}
    expected = models.log_likelihood(models.make("q_learning"), base, batch)
    variants = {
        "q_learning_persev": {**base, "perseveration": 0.0},
        "q_learning_dual": {"learning_rate_positive": 0.37, "learning_rate_negative": 0.37, "inverse_temperature": 6.0},
        "q_learning_forget": {**base, "forgetting_rate": 0.0},
    }
    for name, params in variants.items():
        np.testing.assert_allclose(models.log_likelihood(models.make(name), params, batch), expected, atol=1e-10)


# ----------------------------------------------------------------------------- simulation
# Every simulation of this file runs in one jitted call: compiling one program is far
# cheaper than compiling ~30 small ones.
N_SUBJECTS = 40
SIM_TASKS = {
    "bandit": tasks.make("bandit", n_trials=60),
    "bandit_3arms": tasks.make("bandit", n_arms=3, n_trials=60),
    "dependent_bandit": tasks.make("dependent_bandit", difficulty="easy", n_trials=60),
    "reversal": tasks.make("reversal", schedule="hazard", hazard=0.05, n_trials=100),
    "restless_bandit": tasks.make("restless_bandit", n_trials=100),
}
# scenario id -> (model id, task key, parameters other than the defaults)
SCENARIOS = {
    **{f"{model_id}@{task_id}": (model_id, task_id, {}) for model_id in ZOO for task_id in models.make(model_id).tasks},
    "wsls_no_lapse": ("wsls", "bandit", {"lapse": 0.0}),
    "wsls_no_lapse_3arms": ("wsls", "bandit_3arms", {"lapse": 0.0}),
    "wsls_full_lapse": ("wsls", "bandit", {"lapse": 1.0}),
    "sticky": ("q_learning_persev", "bandit", {"inverse_temperature": 0.0, "perseveration": 4.0}),
    "alternating": ("q_learning_persev", "bandit", {"inverse_temperature": 0.0, "perseveration": -4.0}),
    "biased": ("bias", "dependent_bandit", {"bias": 1.5}),
    **{f"{m}_learns": (m, "dependent_bandit", {"inverse_temperature": 10.0})
       for m in ("q_learning_persev", "q_learning_dual", "q_learning_forget")},
    "bayes_tracks": ("bayes_reversal", "reversal", {"hazard_rate": 0.05, "inverse_temperature": 10.0}),
    "kalman_sharp": ("kalman", "restless_bandit", {"inverse_temperature": 0.3}),
    "random_restless": ("random", "restless_bandit", {}),
}


@pytest.fixture(scope="module")
def simulated():
    """Scenario id -> simulated trial table of N_SUBJECTS subjects."""
    runs = []
    for model_id, task_key, params in SCENARIOS.values():
        model = models.make(model_id)
        model.check_task(SIM_TASKS[task_key].name)
        runs.append((model, SIM_TASKS[task_key], model.check_params(params)))

    @jax.jit
    def simulate_all(key, params):
        keys = jax.random.split(key, len(runs))
        return [simulate_columns(k, model, task, p, N_SUBJECTS) for k, (model, task, _), p in zip(keys, runs, params)]

    columns = simulate_all(jax.random.key(0), [params for _, _, params in runs])
    return {name: columns_to_table(c) for name, c in zip(SCENARIOS, columns)}


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if "@" in s])
def test_simulates_on_every_compatible_task(simulated, scenario):
    table = simulated[scenario]
    task = SIM_TASKS[SCENARIOS[scenario][1]]
    assert len(table) == N_SUBJECTS * task.n_trials
    assert table.choice.between(0, task.n_actions - 1).all()
    assert table.reward.between(*task.reward_range).all()


def stay_after(table):
    """From each subject's second trial on: whether the choice was repeated, the previous reward."""
    previous_choice = table.groupby("subject").choice.shift()
    previous_reward = table.groupby("subject").reward.shift()
    kept = previous_choice.notna()
    return (table.choice[kept] == previous_choice[kept]).to_numpy(), previous_reward[kept].to_numpy()


def within(observed, expected, n, n_se=4):
    """A proportion lies within n_se binomial standard errors of its expectation."""
    return abs(observed - expected) < n_se * np.sqrt(expected * (1 - expected) / n)


@pytest.mark.parametrize("scenario", ["wsls_no_lapse", "wsls_no_lapse_3arms"])
def test_wsls_without_lapses_follows_the_rule_exactly(simulated, scenario):
    table = simulated[scenario]
    task = SIM_TASKS[SCENARIOS[scenario][1]]
    stayed, previous_reward = stay_after(table)
    assert stayed[previous_reward > 0].all()
    assert not stayed[previous_reward == 0].any()
    # Only the first choice and, with k > 2 arms, where to shift after a loss are uncertain.
    loglik = models.log_likelihood(models.make("wsls"), {"lapse": 0.0}, to_batch(table, task))
    losses = table.groupby("subject").reward.apply(lambda r: (r.to_numpy()[:-1] == 0).sum()).to_numpy()
    k = task.n_actions
    np.testing.assert_allclose(loglik, np.log(1 / k) + losses * np.log(1 / (k - 1)), atol=1e-9)


def test_wsls_with_full_lapse_is_random(simulated):
    stayed, _ = stay_after(simulated["wsls_full_lapse"])
    assert within(stayed.mean(), 0.5, len(stayed))


@pytest.mark.parametrize("scenario, perseveration", [("sticky", 4.0), ("alternating", -4.0)])
def test_perseveration_sets_the_stay_probability(simulated, scenario, perseveration):
    # With inverse_temperature 0 the values do not matter: P(stay) = sigmoid(perseveration).
    stayed, _ = stay_after(simulated[scenario])
    assert within(stayed.mean(), 1 / (1 + np.exp(-perseveration)), len(stayed))


def test_bias_sets_the_choice_probability(simulated):
    table = simulated["biased"]
    assert within(table.choice.mean(), 1 / (1 + np.exp(-1.5)), len(table))


@pytest.mark.parametrize("model_id", ["q_learning_persev", "q_learning_dual", "q_learning_forget"])
def test_q_learning_variants_learn(simulated, model_id):
    table = simulated[f"{model_id}_learns"]
    late = table[table.trial >= 30]
    # Chance is 0.5 (SE about 0.01 over 1200 trials); a learner on p = 0.1 / 0.9 does far better.
    assert (late.choice == (late.p_1 > late.p_0)).mean() > 0.75


def test_bayes_reversal_tracks_reversals(simulated):
    table = simulated["bayes_tracks"]
    assert (table.choice == table.correct_action).mean() > 0.7
    # After a run of wins on option 1 the belief approaches its ceiling 1 - hazard_rate.
    model = models.make("bayes_reversal")
    params = {k: jnp.asarray(v) for k, v in model.default_params().items()}
    belief = model.init_latent(params, 2)
    for _ in range(10):
        belief = model.update(params, belief, {}, jnp.int32(1), jnp.asarray(1.0))
    assert 0.9 < float(belief) <= 1 - params["hazard_rate"] + 1e-12


def test_kalman_prefers_the_best_arm_and_tracks_uncertainty(simulated):
    table = simulated["kalman_sharp"]
    best = table[[f"mean_{a}" for a in range(4)]].to_numpy().argmax(1)
    # Chance is 0.25; a Kalman learner with a sharp softmax picks the best arm far more often.
    assert (table.choice.to_numpy() == best).mean() > 0.5
    assert table.reward.mean() > simulated["random_restless"].reward.mean() + 5
    # Observing a payoff shrinks the chosen arm's variance below the others' and moves its mean.
    model = models.make("kalman")
    params = {k: jnp.asarray(v) for k, v in model.default_params().items()}
    mean, variance = model.update(params, model.init_latent(params, 4), {}, jnp.int32(2), jnp.asarray(70.0))
    assert variance[2] < variance[0] and mean[2] > mean[0]


def test_bias_checks_the_number_of_actions():
    table = random_table(np.random.default_rng(0), 1, 10, 3, "binary", drop_last=0)
    batch = to_batch(table, tasks.make("bandit", n_arms=3))
    with pytest.raises(CognaxError, match="built for 2 actions.*n_arms=3"):
        models.log_likelihood(models.make("bias"), {"bias": 0.0}, batch)
    with pytest.raises(CognaxError, match="n_arms must be an integer >= 2"):
        models.make("bias", n_arms=1)


def test_task_compatibility():
    assert set(models.for_task("restless_bandit")) >= {"kalman"}
    assert "bayes_reversal" in models.for_task("reversal") and "bayes_reversal" not in models.for_task("bandit")
    with pytest.raises(CognaxError, match="does not apply to task 'bandit'"):
        models.make("kalman").check_task("bandit")
