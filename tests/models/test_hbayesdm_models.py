"""hBayesDM ports: NumPy references in hBayesDM's own 1-based coding, transforms, corners.

Each reference is a plain loop written from hBayesDM's Stan model block, fed with the
columns hBayesDM would read (choice + 1, level2_choice = 2 * state + choice2 + 1,
cue + 1); the cognax likelihood must match it to 1e-8 (float64) on random data with
ragged subjects (padding) and invalid rows (which hBayesDM never sees).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.data.validate import validate_table
from cognax.errors import CognaxError
from cognax.models.hbayesdm import DEFAULT_HIERARCHY, MODELS, WIDE_HIERARCHY
from cognax.simulation import columns_to_table, simulate_columns

CORNER = 30.0  # the optimiser's box in the unconstrained space
LENGTHS = (70, 55, 64, 40)  # trials per subject: ragged, so the batch is padded
N_SIMULATED = 3


def phi_approx(x):
    return 1.0 / (1.0 + np.exp(-(0.07056 * x**3 + 1.5976 * x)))


# --------------------------------------------------------------------- NumPy references
# ``ev`` arrays are indexed 1..n as in Stan; index 0 is unused.


def bandit2arm_delta(choice, outcome, A, tau):
    ev, total = np.zeros(3), 0.0
    for c, o in zip(choice, outcome):
        logits = tau * ev[1:]
        total += logits[c - 1] - np.logaddexp.reduce(logits)
        ev[c] += A * (o - ev[c])
    return total


def prl_rp(choice, outcome, Apun, Arew, beta):
    ev, total = np.zeros(3), 0.0
    for c, o in zip(choice, np.sign(outcome)):
        logits = beta * ev[1:]
        total += logits[c - 1] - np.logaddexp.reduce(logits)
        pe = o - ev[c]
        ev[c] += (Arew if o > 0 else Apun) * pe
    return total


def prl_fictitious(choice, outcome, eta, alpha, beta):
    ev, total = np.zeros(3), 0.0
    for c, o in zip(choice, np.sign(outcome)):
        x = beta * (alpha - (ev[1] - ev[2]))  # prob[1] = 1 / (1 + exp(x))
        total += -np.logaddexp(0.0, x) if c == 1 else x - np.logaddexp(0.0, x)
        pe_chosen, pe_unchosen = o - ev[c], -o - ev[3 - c]
        ev[c] += eta * pe_chosen
        ev[3 - c] += eta * pe_unchosen
    return total


def gng(cue, pressed, outcome, xi, ep, rho=None, b=0.0, pi=0.0, rhoRew=None, rhoPun=None, pavlovian=False):
    qv_g, qv_ng, sv, total = np.zeros(5), np.zeros(5), np.zeros(5), 0.0
    for s, k, o in zip(cue, pressed, outcome):
        wv_g = qv_g[s] + b + pi * sv[s]
        wv_ng = qv_ng[s]
        p_go = 1.0 / (1.0 + np.exp(-(wv_g - wv_ng)))
        p_go = p_go * (1 - xi) + xi / 2
        total += np.log(p_go) if k == 1 else np.log(1.0 - p_go)
        r = rho if rho is not None else (rhoRew if o >= 0 else rhoPun)
        if pavlovian:
            sv[s] += ep * (r * o - sv[s])
        if k == 1:
            qv_g[s] += ep * (r * o - qv_g[s])
        else:
            qv_ng[s] += ep * (r * o - qv_ng[s])
    return total


def two_step(level1_choice, level2_choice, reward, a1, beta1, a2, beta2, pi, w, lam=1.0, trans_prob=0.7):
    v_mf, total = np.zeros(7), 0.0
    for t, (c1, k, r) in enumerate(zip(level1_choice, level2_choice, reward)):
        v_mb1 = trans_prob * max(v_mf[3], v_mf[4]) + (1 - trans_prob) * max(v_mf[5], v_mf[6])
        v_mb2 = (1 - trans_prob) * max(v_mf[3], v_mf[4]) + trans_prob * max(v_mf[5], v_mf[6])
        v_h1 = w * v_mb1 + (1 - w) * v_mf[1]
        v_h2 = w * v_mb2 + (1 - w) * v_mf[2]
        x = beta1 * (v_h2 - v_h1) + (0.0 if t == 0 else pi * (2 * level1_choice[t - 1] - 3))
        total += x - np.logaddexp(0.0, x) if c1 == 2 else -np.logaddexp(0.0, x)
        v_mf[c1] += a1 * (v_mf[2 + k] - v_mf[c1])
        x = beta2 * (v_mf[6] - v_mf[5]) if k > 2 else beta2 * (v_mf[4] - v_mf[3])
        total += x - np.logaddexp(0.0, x) if k % 2 == 0 else -np.logaddexp(0.0, x)
        v_mf[2 + k] += a2 * (r - v_mf[2 + k])
        v_mf[c1] += lam * a1 * (r - v_mf[2 + k])
    return total


def reference(name, rows, p):
    """The hBayesDM likelihood of one subject's valid rows, from hBayesDM's columns."""
    choice = rows.choice.to_numpy() + 1
    if name == "bandit2arm_delta":
        return bandit2arm_delta(choice, rows.reward.to_numpy(), p["A"], p["tau"])
    if name == "prl_rp":
        return prl_rp(choice, rows.reward.to_numpy(), p["Apun"], p["Arew"], p["beta"])
    if name == "prl_fictitious":
        return prl_fictitious(choice, rows.reward.to_numpy(), p["eta"], p["alpha"], p["beta"])
    if name.startswith("gng"):
        return gng(rows.cue.to_numpy() + 1, rows.choice.to_numpy(), rows.reward.to_numpy(),
                   pavlovian=name in ("gng_m3", "gng_m4"), **p)
    level2 = 2 * rows.state.to_numpy() + rows.choice2.to_numpy() + 1
    if name == "ts_par4":
        p = {"a1": p["a"], "a2": p["a"], "beta1": p["beta"], "beta2": p["beta"], "pi": p["pi"], "w": p["w"]}
    p = {("lam" if k == "lambda" else k): v for k, v in p.items()}
    return two_step(choice, level2, rows.reward.to_numpy(), **p)


# --------------------------------------------------------------------- data and draws
TASK_OF = {"bandit2arm_delta": "bandit", "prl_rp": "reversal", "prl_fictitious": "reversal"}


def task_for(name):
    return tasks.make(TASK_OF.get(name, "go_nogo" if name.startswith("gng") else "two_step"))


def random_table(task_name, rng):
    n = sum(LENGTHS)
    table = pd.DataFrame({
        "subject": np.repeat(np.arange(len(LENGTHS)), LENGTHS),
        "trial": np.concatenate([np.arange(k) for k in LENGTHS]),
        "choice": rng.integers(0, 2, n),
    })
    if task_name == "bandit":
        table["reward"] = np.where(rng.uniform(size=n) < 0.2, 0.0, rng.uniform(0, 1, n))
    elif task_name == "go_nogo":
        table["cue"] = rng.integers(0, 4, n)
        table["reward"] = rng.integers(-1, 2, n).astype(float)
    else:
        table["reward"] = rng.integers(0, 2, n).astype(float)
        if task_name == "two_step":
            table["state"] = rng.integers(0, 2, n)
            table["choice2"] = rng.integers(0, 2, n)
    table["valid"] = rng.uniform(size=n) > 0.1
    return table


def draw(parameter, rng, size):
    """Values spread over the parameter's range (log-uniform when unbounded above)."""
    if math.isfinite(parameter.high):
        return rng.uniform(parameter.low, parameter.high, size)
    if math.isfinite(parameter.low):
        return parameter.low + np.exp(rng.uniform(np.log(0.05), np.log(20.0), size))
    return rng.uniform(-5.0, 5.0, size)


# --------------------------------------------------------------------- tests
def short_task(model):
    name = model.tasks[0]
    return tasks.make(name, **({"trials_per_cue": 10} if name == "go_nogo" else {"n_trials": 40}))


@pytest.fixture(scope="module", params=list(MODELS))
def case(request):
    """One model on random data, from one compile (compiles dominate the run time).

    The NLL, its gradient and the per-subject log-likelihoods at 7 unconstrained points:
    parameters drawn per subject across their ranges, then box corners shared by all
    subjects; and a simulation on the model's task.
    """
    name = request.param
    model = models.make(name)
    task = task_for(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    table = random_table(task.name, rng)
    batch = to_batch(table, task)
    drawn = {p.name: draw(p, rng, len(LENGTHS)) for p in model.parameters}
    if "xi" in drawn:  # keep P(no-go) >= xi / 2 away from 0 for the reference's plain 1 - p
        drawn["xi"] = rng.uniform(0.01, 0.99, len(LENGTHS))
    u_drawn = np.asarray(model.unconstrain(drawn))
    params = {k: np.asarray(v) for k, v in model.constrain(jnp.asarray(u_drawn)).items()}
    signs = rng.choice([-1.0, 1.0], size=(4, model.n_params))
    corners = CORNER * np.concatenate([np.ones((1, model.n_params)), -np.ones((1, model.n_params)), signs])
    points = np.concatenate([u_drawn[None], np.broadcast_to(corners[:, None], (len(corners), *u_drawn.shape))])
    sim_task = short_task(model)
    defaults = model.check_params({})

    def nll(u):  # u: [subject, param]
        loglik = models.log_likelihood(model, model.constrain(u), batch)
        return -loglik.sum(), loglik

    @jax.jit
    def evaluate(points, key):
        (values, loglik), grads = jax.vmap(jax.value_and_grad(nll, has_aux=True))(points)
        return loglik[0], values[1:], grads[1:], simulate_columns(key, model, sim_task, defaults, N_SIMULATED)

    loglik, values, grads, simulated = evaluate(jnp.asarray(points), jax.random.key(1, impl="unsafe_rbg"))
    return {
        "name": name, "model": model, "table": table, "params": params, "loglik": np.asarray(loglik),
        "corners": corners, "values": np.asarray(values), "grads": np.asarray(grads).reshape(len(corners), -1),
        "sim_task": sim_task, "simulated": columns_to_table(simulated),
    }


def test_matches_hbayesdm_reference(case):
    table, params, loglik = case["table"], case["params"], case["loglik"]
    assert loglik.dtype == np.float64 and loglik.shape == (len(LENGTHS),)
    for s in range(len(LENGTHS)):
        rows = table[(table.subject == s) & table.valid]
        expected = reference(case["name"], rows, {k: float(v[s]) for k, v in params.items()})
        np.testing.assert_allclose(loglik[s], expected, rtol=0, atol=1e-8, err_msg=f"subject {s}")


def test_finite_at_the_box_corners(case):
    corners, values, grads = case["corners"], case["values"], case["grads"]
    assert np.all(np.isfinite(values)), corners[~np.isfinite(values)]
    assert np.all(np.isfinite(grads)), corners[~np.all(np.isfinite(grads), axis=1)]


def test_simulation_runs_on_the_task(case):
    table, task = case["simulated"], case["sim_task"]
    assert len(table) == N_SIMULATED * task.n_trials
    assert set(table.choice.unique()) <= {0, 1}
    validate_table(table, task)


def test_go_nogo_learner_learns_the_right_actions():
    """gng_m1 with a fast learning rate and little noise does the correct action above chance."""
    task = tasks.make("go_nogo", trials_per_cue=30)
    table = cognax.simulate(jax.random.key(2), models.make("gng_m1"), task, {"xi": 0.02, "ep": 0.4, "rho": 8.0},
                            n_subjects=50)
    late = table[table.trial >= 60]
    correct = (late.choice == (late.cue < 2)).mean()  # go for cues 0, 1; no-go for 2, 3
    assert correct > 0.65  # chance is 0.5; SE over 9000 correlated trials is about 0.01


def test_phi_approx_transforms_round_trip():
    u = np.linspace(-5.0, 5.0, 41)
    kinds = {(p.low, p.high, p.transform): p for cls in MODELS.values() for p in cls.parameters}
    assert all(t == "phi_approx" for low, high, t in kinds if math.isfinite(high))
    for p in kinds.values():
        x = np.asarray(p.constrain(jnp.asarray(u)))
        if math.isfinite(p.high):
            np.testing.assert_allclose(x, p.low + (p.high - p.low) * phi_approx(u), rtol=1e-12, err_msg=p.name)
            natural = p.low + (p.high - p.low) * np.linspace(0.001, 0.999, 25)
            np.testing.assert_allclose(np.asarray(p.constrain(p.unconstrain(natural))), natural, rtol=1e-9)
        elif math.isfinite(p.low):
            np.testing.assert_allclose(x, p.low + np.exp(u), rtol=1e-12, err_msg=p.name)
        else:
            np.testing.assert_allclose(x, u, err_msg=p.name)
        np.testing.assert_allclose(np.asarray(p.unconstrain(x)), u, atol=1e-6, err_msg=p.name)


SPEC = {
    "bandit2arm_delta": {"A": (0, 1), "tau": (0, 5)},
    "prl_rp": {"Apun": (0, 1), "Arew": (0, 1), "beta": (0, 10)},
    "prl_fictitious": {"eta": (0, 1), "alpha": (-math.inf, math.inf), "beta": (0, 10)},
    "gng_m1": {"xi": (0, 1), "ep": (0, 1), "rho": (0, math.inf)},
    "gng_m2": {"xi": (0, 1), "ep": (0, 1), "b": (-math.inf, math.inf), "rho": (0, math.inf)},
    "gng_m3": {"xi": (0, 1), "ep": (0, 1), "b": (-math.inf, math.inf), "pi": (-math.inf, math.inf),
               "rho": (0, math.inf)},
    "gng_m4": {"xi": (0, 1), "ep": (0, 1), "b": (-math.inf, math.inf), "pi": (-math.inf, math.inf),
               "rhoRew": (0, math.inf), "rhoPun": (0, math.inf)},
    "ts_par4": {"a": (0, 1), "beta": (0, math.inf), "pi": (0, 5), "w": (0, 1)},
    "ts_par6": {"a1": (0, 1), "beta1": (0, math.inf), "a2": (0, 1), "beta2": (0, math.inf), "pi": (0, 5),
                "w": (0, 1)},
    "ts_par7": {"a1": (0, 1), "beta1": (0, math.inf), "a2": (0, 1), "beta2": (0, math.inf), "pi": (0, 5),
                "w": (0, 1), "lambda": (0, 1)},
}


def test_names_bounds_and_hierarchical_priors_follow_hbayesdm():
    assert set(SPEC) == set(MODELS) and set(MODELS) <= set(models.names())
    wide = {"gng_m2": {"b"}, "gng_m3": {"b", "pi"}, "gng_m4": {"b", "pi"}}
    for name, bounds in SPEC.items():
        model = models.make(name)
        assert {p.name: (p.low, p.high) for p in model.parameters} == bounds
        assert model.parameter_names == tuple(bounds)  # hBayesDM's order
        hierarchy = model.hierarchy()
        for parameter, priors in hierarchy.items():
            if parameter in wide.get(name, ()):
                assert priors == WIDE_HIERARCHY == ("normal", (0.0, 10.0), "halfcauchy", (1.0,))
            elif (name, parameter) == ("prl_fictitious", "alpha"):
                assert priors == ("normal", (0.0, 1.0), "halfcauchy", (1.0,))
            else:
                assert priors == DEFAULT_HIERARCHY == ("normal", (0.0, 1.0), "halfnormal", (0.2,))
        assert set(type(model).hierarchical_priors) <= set(model.parameter_names)


def test_trans_prob_and_two_option_checks():
    assert models.make("ts_par6", trans_prob=0.8).trans_prob == 0.8
    assert models.make("ts_par6") == models.make("ts_par6") != models.make("ts_par6", trans_prob=0.8)
    with pytest.raises(CognaxError, match="trans_prob must be a number in \\[0, 1\\]"):
        models.make("ts_par7", trans_prob=1.5)
    with pytest.raises(CognaxError, match="needs a task with 2 options; this one has 3"):
        cognax.simulate(jax.random.key(0), models.make("prl_fictitious"), tasks.make("bandit", n_arms=3, n_trials=5))


def test_go_nogo_log_probabilities_and_derivatives_match_log_space():
    """The probability-space go/no-go policy equals the log-space formula, derivatives included (d = 0 too)."""
    from cognax.models.hbayesdm.gng import noisy_binary_log_probs

    def log_space(d, xi):
        log_go = jnp.logaddexp(jax.nn.log_sigmoid(d) + jnp.log1p(-xi), jnp.log(xi / 2))
        log_nogo = jnp.logaddexp(jax.nn.log_sigmoid(-d) + jnp.log1p(-xi), jnp.log(xi / 2))
        return jnp.stack([log_nogo, log_go])

    for d in (0.0, 0.3, -2.0, 35.0, -35.0):
        for xi in (1e-3, 0.2, 0.9):
            args = (jnp.asarray(d), jnp.asarray(xi))
            np.testing.assert_allclose(noisy_binary_log_probs(*args), log_space(*args), rtol=1e-10, atol=1e-12)
            for argnum in (0, 1):
                np.testing.assert_allclose(jax.jacfwd(noisy_binary_log_probs, argnum)(*args),
                                           jax.jacfwd(log_space, argnum)(*args), rtol=1e-8, atol=1e-12)
    # at xi = 0 a far-off choice keeps a finite log-probability and gradient
    value, gradient = jax.value_and_grad(lambda d: noisy_binary_log_probs(d, 0.0)[0])(jnp.asarray(800.0))
    assert np.isfinite(value) and np.isfinite(gradient) and value < -700


@pytest.mark.parametrize("name", ["gng_m1", "gng_m2", "gng_m3", "gng_m4"])
def test_go_nogo_chosen_log_probability_is_the_policy_entry(name):
    """The likelihood's one-action shortcut equals the policy's entry, with its gradient."""
    model = models.make(name)
    rng = np.random.default_rng(0)
    latent = model.init_latent(None, 2)
    latent = type(latent)(**{k: jnp.asarray(rng.normal(size=4) * 3) for k in ("q_go", "q_nogo", "cue_value")})
    for xi in (0.0, 0.05, 0.7):
        params = {**model.default_params(), "xi": xi}
        for cue in range(4):
            for action in (0, 1):
                obs = {"cue": jnp.asarray(cue)}
                chosen = lambda p: model.chosen_log_probability(p, latent, obs, jnp.asarray(action))
                policy = lambda p: model.log_policy(p, latent, obs)[action]
                np.testing.assert_allclose(chosen(params), policy(params), rtol=1e-12, atol=1e-12)
                grad_chosen, grad_policy = jax.grad(chosen)(params), jax.grad(policy)(params)
                for key in params:
                    np.testing.assert_allclose(grad_chosen[key], grad_policy[key], rtol=1e-10, atol=1e-12)
