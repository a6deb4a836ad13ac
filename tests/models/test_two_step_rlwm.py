"""daw_hybrid family and RLWM family: NumPy reference likelihoods, edge cases, simulation."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch

TWO_STEP_MODELS = ("daw_hybrid", "model_free", "model_based")
RLWM_MODELS = ("rlwm", "rlwm_r0", "rlwm_rl0", "rlwm_shared_bias", "wmh")

log_likelihood = jax.jit(models.log_likelihood, static_argnums=0)


def log_softmax(x):
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


# ---------------------------------------------------------------------- two-step
def daw_reference(rows, learning_rate_1, learning_rate_2, eligibility, inverse_temperature_1,
                  inverse_temperature_2, mb_weight, perseveration, common_prob=0.7):
    """Plain NumPy loop over trials (Daw et al. 2011), skipping invalid ones."""
    q_mf = np.full(2, 0.5)
    q2 = np.full((2, 2), 0.5)
    transition = np.array([[common_prob, 1 - common_prob], [1 - common_prob, common_prob]])
    previous = None
    total = 0.0
    for a1, s, a2, r, valid in rows:
        if not valid:
            continue
        q_mb = transition @ q2.max(axis=1)
        logits = inverse_temperature_1 * (mb_weight * q_mb + (1 - mb_weight) * q_mf)
        if previous is not None:
            logits[previous] += perseveration
        total += log_softmax(logits)[a1]
        total += log_softmax(inverse_temperature_2 * q2[s])[a2]
        delta_1 = q2[s, a2] - q_mf[a1]
        q_mf[a1] += learning_rate_1 * delta_1
        delta_2 = r - q2[s, a2]
        q2[s, a2] += learning_rate_2 * delta_2
        q_mf[a1] += learning_rate_1 * eligibility * delta_2
        previous = a1
    return total


def two_step_table(rng, lengths):
    n = sum(lengths)
    return pd.DataFrame({
        "subject": np.repeat(np.arange(len(lengths)), lengths),
        "trial": np.concatenate([np.arange(k) for k in lengths]),
        "choice": rng.integers(0, 2, n),
        "choice2": rng.integers(0, 2, n),
        "state": rng.integers(0, 2, n),
        "reward": rng.integers(0, 2, n).astype(float),
        "valid": rng.uniform(size=n) > 0.2,
    })


def random_params(rng, model, n):
    out = {}
    for p in model.parameters:
        low, high = (p.low, p.high) if np.isfinite(p.high) else (p.low, p.low + 20)
        out[p.name] = rng.uniform(low, high, n)
    return out


def test_daw_hybrid_matches_numpy_reference():
    rng = np.random.default_rng(0)
    table = two_step_table(rng, [60, 45, 60, 30])  # ragged: padding
    model = models.make("daw_hybrid", common_prob=0.75)
    params = random_params(rng, model, 4)
    got = log_likelihood(model, params, to_batch(table, tasks.make("two_step")))
    for s in range(4):
        rows = table[table.subject == s][["choice", "state", "choice2", "reward", "valid"]].to_numpy()
        expected = daw_reference(rows, *(params[name][s] for name in model.parameter_names), common_prob=0.75)
        np.testing.assert_allclose(got[s], expected, rtol=0, atol=1e-6)


def test_model_free_and_model_based_are_special_cases():
    rng = np.random.default_rng(1)
    batch = to_batch(two_step_table(rng, [50, 50, 35]), tasks.make("two_step"))
    hybrid = models.make("daw_hybrid")
    params = random_params(rng, hybrid, 3)
    free = models.make("model_free")
    based = models.make("model_based")
    assert free.n_params == 6 and based.n_params == 4
    np.testing.assert_allclose(
        log_likelihood(free, {k: params[k] for k in free.parameter_names}, batch),
        log_likelihood(hybrid, {**params, "mb_weight": np.zeros(3)}, batch), atol=1e-10,
    )
    np.testing.assert_allclose(
        log_likelihood(based, {k: params[k] for k in based.parameter_names}, batch),
        log_likelihood(hybrid, {**params, "mb_weight": np.ones(3)}, batch), atol=1e-10,
    )


# ---------------------------------------------------------------------- RLWM
# Full parameter set of each variant: (value flag, mapping of the free parameters).
def rlwm_full(name, p):
    base = {k: p[k] for k in ("learning_rate", "perseveration", "wm_weight", "wm_forgetting", "lapse")}
    if name == "rlwm":
        return dict(base, b_wm=1.0, b_rl=1.0, r0=0.0, value=True)
    if name == "rlwm_r0":
        return dict(base, b_wm=1.0, b_rl=1.0, r0=p["rl_target_negative"], value=True)
    if name == "rlwm_rl0":
        return dict(base, b_wm=p["wm_learning_rate_negative"], b_rl=0.0, r0=0.0, value=True)
    bias = p["negative_learning_bias"]
    return dict(base, b_wm=bias, b_rl=bias, r0=0.0, value=name == "rlwm_shared_bias")


def rlwm_reference(table, learning_rate, perseveration, wm_weight, wm_forgetting, lapse,
                   b_wm, b_rl, r0, value, capacity, interact=False):
    """Collins (2024) specification, block by block, over one subject's valid rows."""
    beta = 25.0
    total = 0.0
    for _, block in table.groupby("block", sort=True):
        kept = block[block.valid]
        if len(kept) == 0:
            continue
        n = kept.set_size.iloc[0]
        w = wm_weight * min(1.0, capacity / n)
        omega = w if interact else 0.0
        q = np.full((6, 3), 1 / 3)
        wm = np.full((6, 3), 1 / 3)
        trials = kept[["stimulus", "choice", "reward"]].to_numpy()
        total += np.log(1 / 3)
        for (s_prev, a_prev, r_prev), (s, a, _) in zip(trials[:-1], trials[1:]):
            s_prev, a_prev, s, a = int(s_prev), int(a_prev), int(s), int(a)
            wm += wm_forgetting * (1 / 3 - wm)
            if value:
                target = 1.0 if r_prev == 1 else r0
            else:
                target = 1.0
            eta = learning_rate if r_prev == 1 else learning_rate * b_rl
            m = omega * wm[s_prev, a_prev] + (1 - omega) * q[s_prev, a_prev]
            q[s_prev, a_prev] += eta * (target - m)
            wm[s_prev, a_prev] += (1.0 if r_prev == 1 else b_wm) * (r_prev - wm[s_prev, a_prev])
            c = perseveration * (np.arange(3) == a_prev)
            pi_rl = lapse / 3 + (1 - lapse) * np.exp(log_softmax(beta * (q[s] + c)))
            pi_wm = lapse / 3 + (1 - lapse) * np.exp(log_softmax(beta * (wm[s] + c)))
            total += np.log(w * pi_wm[a] + (1 - w) * pi_rl[a])
    return total


def rlwm_table(rng, n_subjects, trials_per_block=(4, 14)):
    frames = []
    for subject in range(n_subjects):
        sizes = rng.permutation(np.arange(1, 7))[: rng.integers(2, 5)]
        for block, size in enumerate(sizes):
            k = int(rng.integers(*trials_per_block))
            frames.append(pd.DataFrame({
                "subject": subject, "block": block, "set_size": size,
                "stimulus": rng.integers(0, size, k), "choice": rng.integers(0, 3, k),
                "reward": rng.integers(0, 2, k).astype(float), "valid": rng.uniform(size=k) > 0.25,
            }))
    table = pd.concat(frames, ignore_index=True)
    table.loc[~table.valid, "choice"] = -1
    table["trial"] = table.groupby("subject").cumcount()
    return table


@pytest.mark.parametrize("name", RLWM_MODELS)
def test_rlwm_matches_numpy_reference(name):
    rng = np.random.default_rng(RLWM_MODELS.index(name))
    table = rlwm_table(rng, 4)
    model = models.make(name)
    params = random_params(rng, model, 4)
    params["capacity"] = rng.choice(model.discrete_parameters["capacity"], 4).astype(float)
    got = log_likelihood(model, params, to_batch(table, tasks.make("rlwm")))
    for s in range(4):
        p = {k: v[s] for k, v in params.items()}
        expected = rlwm_reference(table[table.subject == s], **rlwm_full(name, p), capacity=p["capacity"])
        np.testing.assert_allclose(got[s], expected, rtol=0, atol=1e-6)


def test_rlwm_interacting_prediction_and_edge_values():
    rng = np.random.default_rng(7)
    table = rlwm_table(rng, 3)
    batch = to_batch(table, tasks.make("rlwm"))
    model = models.make("rlwm_r0", interact=True)
    # Lapse 0 with w in {0, 1} and in between: still finite and matching.
    params = {
        "learning_rate": np.array([0.3, 1.0, 0.0]), "perseveration": np.array([-1.0, 0.4, 1.0]),
        "wm_weight": np.array([1.0, 0.0, 0.6]), "wm_forgetting": np.array([0.2, 1.0, 0.0]),
        "lapse": np.zeros(3), "rl_target_negative": np.array([0.3, 0.0, 1.0]), "capacity": np.array([5.0, 2.0, 3.0]),
    }
    got = log_likelihood(model, params, batch)
    for s in range(3):
        p = {k: v[s] for k, v in params.items()}
        expected = rlwm_reference(
            table[table.subject == s], **rlwm_full("rlwm_r0", p), capacity=p["capacity"], interact=True
        )
        assert np.isfinite(expected)
        np.testing.assert_allclose(got[s], expected, rtol=0, atol=1e-6)


def test_rlwm_blocks_start_afresh():
    """The first kept trial of every block scores log(1/3), whatever came before."""
    rng = np.random.default_rng(8)
    table = rlwm_table(rng, 1)
    model = models.make("rlwm")
    params = {"learning_rate": 0.5, "perseveration": 0.8, "wm_weight": 0.9, "wm_forgetting": 0.1, "lapse": 0.0,
              "capacity": 4.0}
    per_trial = np.asarray(models.trial_log_likelihood(model, params, to_batch(table, tasks.make("rlwm"))))[0]
    firsts = table[table.valid].groupby("block").head(1).index
    np.testing.assert_allclose(per_trial[firsts], np.log(1 / 3), atol=1e-12)
    assert np.all(per_trial[~table.valid.to_numpy()] == 0)


# ---------------------------------------------------------------------- shared checks
def corners(model):
    return np.array(list(itertools.product(*[(p.low, p.high) for p in model.parameters])), dtype=float)


# model_free and model_based are daw_hybrid at corners (w = 0, 1); rlwm is rlwm_r0 at
# r0 = 0; rlwm_shared_bias is wmh with reward-driven RL.
@pytest.mark.parametrize("name", ["daw_hybrid", "rlwm_r0", "rlwm_rl0", "wmh"])
def test_finite_likelihood_and_gradients_at_box_corners(name):
    model = models.make(name)
    rng = np.random.default_rng(9)
    is_rlwm = name in RLWM_MODELS
    table = rlwm_table(rng, 1) if is_rlwm else two_step_table(rng, [40])
    # Each corner exactly, and as close as a fit in the unconstrained space gets to it.
    box = corners(model)
    near = model.constrain(model.unconstrain(dict(zip(model.parameter_names, box.T))))
    points = np.concatenate([box, np.stack([near[name] for name in model.parameter_names], axis=1)])
    n = len(points)
    table = pd.concat([table.assign(subject=i) for i in range(n)], ignore_index=True)
    batch = to_batch(table, tasks.make("rlwm" if is_rlwm else "two_step"))
    extra = {"capacity": jnp.asarray(rng.choice((2, 3, 4, 5), n), float)} if is_rlwm else {}

    def total(values):
        return models.log_likelihood(model, {**dict(zip(model.parameter_names, values.T)), **extra}, batch).sum()

    value, grad = jax.jit(jax.value_and_grad(total))(jnp.asarray(points))
    assert np.isfinite(value) and np.all(np.isfinite(grad)), points[~np.isfinite(grad).all(axis=1)]


@pytest.mark.parametrize(
    "name, task_name",
    # two_step_wang2016 is simulated in test_model_based_signature.
    [("daw_hybrid", "two_step"), ("model_free", "two_step_wang2018")],
)
def test_two_step_simulation_runs(name, task_name):
    task = tasks.make(task_name, n_trials=30)
    model = models.make(name)
    table = cognax.simulate(jax.random.key(0), model, task, n_subjects=3)
    assert len(table) == 90 and set(table.choice) <= {0, 1} and set(table.choice2) <= {0, 1}
    if name == "daw_hybrid":  # the likelihood of the others is daw_hybrid's (see above)
        assert np.isfinite(log_likelihood(model, model.default_params(), to_batch(table, task))).all()


def test_model_based_signature():
    """A model-based learner repeats a rewarded first-stage choice after a common transition
    more than after a rare one (Daw et al. 2011, Fig. 2)."""
    task = tasks.make("two_step_wang2016", n_trials=100)
    model = models.make("model_based", common_prob=0.75)
    params = {"learning_rate_2": 0.5, "inverse_temperature_1": 8.0, "inverse_temperature_2": 8.0}
    table = cognax.simulate(jax.random.key(1), model, task, params, n_subjects=100)
    stay = (table.choice.shift(-1) == table.choice)[table.trial < 99]
    rewarded = table[table.trial < 99].reward == 1
    common = table[table.trial < 99].common
    assert stay[rewarded & common].mean() > stay[rewarded & ~common].mean() + 0.2


def test_rlwm_simulation_runs_and_shows_set_size_effect():
    task = tasks.make("rlwm", set_sizes=(2, 6), repetitions=10)
    # The other variants share this code; their likelihoods are checked against the reference.
    model = models.make("rlwm")
    # Working memory (capacity 3 by default) covers set size 2 but not 6, so early in a
    # block accuracy is higher for the small set (about 0.96 against 0.8).
    params = {**model.default_params(), "learning_rate": 0.05, "lapse": 0.02}
    table = cognax.simulate(jax.random.key(3), model, task, params, n_subjects=100)
    assert len(table) == 100 * 80 and set(table.choice) <= {0, 1, 2}
    assert np.isfinite(log_likelihood(model, params, to_batch(table, task))).all()
    early = table[table.iteration.between(3, 5)]
    accuracy = (early.choice == early.correct_action).groupby(early.set_size).mean()
    assert accuracy[2] > accuracy[6] + 0.1 and accuracy[6] > 1 / 3
