"""MLE/MAP fits: parameter recovery, agreement with SciPy, MAP shrinkage, degenerate data,
convergence flags, standard errors, profiling of a discrete parameter and the facade.

Recovery thresholds were measured over several seeds (numbers below) and set with a
margin under the worst seed; the tests themselves use one fixed seed.
"""

import jax
import numpy as np
import pandas as pd
import pytest
import scipy.optimize
from scipy.stats import spearmanr

import cognax
from cognax import models, tasks
from cognax.data.batch import to_batch
from cognax.errors import CognaxError
from cognax.fitting import MLE, fit, sample_parameters

N_SUBJECTS = 60
N_TRIALS = 300


def pearson(a, b):
    return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])


def simulate_from_priors(model, task, key, n_subjects):
    sample_key, simulate_key = jax.random.split(key)
    truth = sample_parameters(model, sample_key, n_subjects)
    return truth, cognax.simulate(simulate_key, model, task, truth, n_subjects=n_subjects)


def reference_nll(params, choices, rewards, n_actions=2):
    """Plain NumPy loop: Rescorla-Wagner values from 0.5, softmax choice."""
    learning_rate, inverse_temperature = params
    values = np.full(n_actions, 0.5)
    total = 0.0
    for choice, reward in zip(choices, rewards):
        logits = inverse_temperature * values
        logits = logits - logits.max()
        total -= logits[choice] - np.log(np.exp(logits).sum())
        values[choice] += learning_rate * (reward - values[choice])
    return total


@pytest.fixture(scope="module")
def recovery(q_learning, bandit, shared_fit):
    """60 subjects x 300 trials of a 2-armed bandit (arm probabilities ~ U[0, 1] per
    subject), q_learning parameters drawn from its priors (learning_rate ~ Beta(2, 2),
    inverse_temperature ~ Gamma(2, 3)), refitted by MLE from 3 starts, with standard errors."""
    truth, table = simulate_from_priors(q_learning, bandit, jax.random.key(0), N_SUBJECTS)
    result = fit(q_learning, to_batch(table, bandit), jax.random.key(1), **shared_fit)
    return truth, table, result


def test_q_learning_recovery(recovery):
    truth, _, result = recovery
    # Measured over 10 seeds: learning_rate r = 0.80-0.95 (0.89 at this seed). For the
    # inverse temperature Pearson's r is 0.51-0.84 (0.61 here): 0-6 of 60 subjects
    # choose nearly deterministically, their MLE runs to the bound of 50 and dominates r.
    # The rank correlation is stable (Spearman 0.92-0.96; 0.96 here), so it carries the
    # check, with r over the fits below the bound (0.59-0.96; 0.95 here, 4 at the bound).
    assert pearson(truth["learning_rate"], result.params["learning_rate"]) >= 0.75
    rho = spearmanr(truth["inverse_temperature"], result.params["inverse_temperature"])[0]
    assert rho >= 0.85
    at_bound = result.params["inverse_temperature"] > 49.0
    assert at_bound.sum() <= 9
    assert pearson(truth["inverse_temperature"][~at_bound], result.params["inverse_temperature"][~at_bound]) >= 0.5


def test_converged_on_normal_data(recovery):
    _, _, result = recovery
    assert result.converged.all()
    assert not result.degenerate.any()
    assert np.all(np.isfinite(result.nll)) and np.all(result.nll > 0)
    np.testing.assert_array_equal(result.n_trials, N_TRIALS)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "subject", "model", "learning_rate", "inverse_temperature", "nll", "aic", "bic", "n_trials", "converged",
        "degenerate",
    ]
    np.testing.assert_allclose(frame["aic"], 2 * result.nll + 4)
    np.testing.assert_allclose(frame["bic"], 2 * result.nll + 2 * np.log(N_TRIALS))


def test_multi_start_nll_no_worse_than_scipy(recovery):
    """SciPy's L-BFGS-B on the natural scale with bounds, a NumPy likelihood and three
    starts; cognax's fit must reach an NLL at least as low (to 1e-4)."""
    _, table, result = recovery
    for subject in range(3):
        rows = table[table.subject == subject]
        choices, rewards = rows.choice.to_numpy(), rows.reward.to_numpy()
        best = min(
            scipy.optimize.minimize(
                reference_nll, start, args=(choices, rewards), method="L-BFGS-B", bounds=[(0.0, 1.0), (0.0, 50.0)]
            ).fun
            for start in ([0.3, 5.0], [0.8, 1.0], [0.1, 20.0])
        )
        fitted = (result.params["learning_rate"][subject], result.params["inverse_temperature"][subject])
        assert result.nll[subject] <= best + 1e-4, (subject, result.nll[subject], best)
        np.testing.assert_allclose(reference_nll(fitted, choices, rewards), result.nll[subject], rtol=1e-9)


def test_lbfgs_optimizer_agrees_with_newton(recovery, q_learning, bandit):
    """``optimizer="lbfgs"`` (Optax L-BFGS in the same lanes) converges to the Newton fits
    (at this seed 11 of 12 subjects to 1e-6; L-BFGS leaves one in a local optimum 0.34 higher)
    and never beats the default Newton fit."""
    _, table, result = recovery
    lbfgs = fit(q_learning, to_batch(table[table.subject < 12], bandit), jax.random.key(1), n_starts=3,
                optimizer="lbfgs")
    assert lbfgs.converged.all()
    excess = lbfgs.nll - result.nll[:12]
    assert np.all(excess >= -1e-4) and np.mean(np.abs(excess) < 1e-4) >= 0.8, excess


def _interior(result, model, margin=0.01):
    inside = np.ones(len(result.nll), dtype=bool)
    for p in model.parameters:
        x = result.params[p.name]
        inside &= (x > p.low + margin * (p.high - p.low)) & (x < p.high - margin * (p.high - p.low))
    return inside


def test_standard_errors_finite_positive_and_shrink_with_trials(recovery, q_learning, bandit, shared_fit):
    _, table, result = recovery
    interior = _interior(result, q_learning)
    assert interior.sum() >= 45
    for name in q_learning.parameter_names:
        se = result.standard_errors[name][interior]
        assert np.all(np.isfinite(se)) and np.all(se > 0), name
    # The first 20 subjects again, a quarter of their trials (padded: same compile).
    short_table = table[(table.subject < 20) & (table.trial < N_TRIALS // 4)]
    short = fit(q_learning, to_batch(short_table, bandit, pad_to=N_TRIALS), jax.random.key(1), **shared_fit)
    np.testing.assert_array_equal(short.n_trials, N_TRIALS // 4)
    both = interior[:20] & _interior(short, q_learning)
    assert both.sum() >= 10
    for name in q_learning.parameter_names:
        ratio = np.median(short.standard_errors[name][both] / result.standard_errors[name][:20][both])
        # 4x fewer trials: about 2x larger errors (measured 2.4 and 2.0 at this seed).
        assert ratio > 1.4, (name, ratio)


def test_map_pulls_short_session_fits_toward_the_prior(recovery, q_learning, bandit, shared_fit):
    _, table, _ = recovery
    short_table = table[(table.subject < 20) & (table.trial < 30)]
    batch = to_batch(short_table, bandit, pad_to=N_TRIALS)
    mle = fit(q_learning, batch, jax.random.key(2), standard_errors=False, **shared_fit)
    map_ = fit(q_learning, batch, jax.random.key(2), method="map", standard_errors=False, **shared_fit)
    assert map_.method == "map"

    def log_prior(result):
        return np.asarray(q_learning.log_prior(result.params))

    # MAP maximises likelihood + prior, MLE the likelihood alone: MAP's prior is higher
    # and its likelihood lower (both up to optimiser tolerance).
    assert np.all(log_prior(map_) >= log_prior(mle) - 1e-6)
    assert np.all(map_.nll >= mle.nll - 1e-6)
    assert np.mean(log_prior(map_) - log_prior(mle)) > 0.5
    # Estimates move toward the prior's mean: Beta(2, 2) -> 0.5, Gamma(2, 3) -> 6.
    for name, mean in (("learning_rate", 0.5), ("inverse_temperature", 6.0)):
        distance_map = np.abs(map_.params[name] - mean).mean()
        distance_mle = np.abs(mle.params[name] - mean).mean()
        assert distance_map < distance_mle, (name, distance_map, distance_mle)
    assert (mle.params["inverse_temperature"] > 49).any() and not (map_.params["inverse_temperature"] > 49).any()


def test_degenerate_subjects_fit_and_are_flagged(recovery, q_learning, bandit, shared_fit):
    _, table, _ = recovery
    rng = np.random.default_rng(0)
    one_trial = pd.DataFrame({"subject": [1000], "session": [0], "trial": [0], "choice": [1], "reward": [1.0]})
    same_choice = pd.DataFrame({
        "subject": 1001, "session": 0, "trial": np.arange(200), "choice": 0,
        "reward": rng.integers(0, 2, 200).astype(float),
    })
    normal = table[table.subject.between(20, 37)][["subject", "session", "trial", "choice", "reward"]]
    combined = pd.concat([one_trial, same_choice, normal], ignore_index=True)
    result = fit(q_learning, to_batch(combined, bandit, pad_to=N_TRIALS), jax.random.key(3), **shared_fit)
    assert result.subjects[:2] == (1000, 1001)
    np.testing.assert_array_equal(result.degenerate, [True, True] + [False] * 18)
    assert np.all(np.isfinite(result.nll))
    assert result.nll[0] <= np.log(2) + 1e-9  # one choice: at worst chance
    for name in q_learning.parameter_names:
        assert np.all(np.isfinite(result.params[name])), name
    assert result.n_trials[0] == 1 and result.n_trials[1] == 200


@pytest.mark.slow
def test_q_learning_persev_recovery(bandit):
    # Same design as the q_learning recovery; perseveration ~ N(0, 1) clipped to [-10, 10].
    # Measured over 16 seeds: perseveration r = 0.64-0.94 (0.67 at this seed), Spearman
    # 0.79-0.96 (0.79); learning_rate r = 0.80-0.92 (0.91).
    model = models.make("q_learning_persev")
    truth, table = simulate_from_priors(model, bandit, jax.random.key(0), N_SUBJECTS)
    result = fit(model, to_batch(table, bandit), jax.random.key(1), n_starts=3, standard_errors=False)
    assert pearson(truth["perseveration"], result.params["perseveration"]) >= 0.55
    assert spearmanr(truth["perseveration"], result.params["perseveration"])[0] >= 0.7
    assert pearson(truth["learning_rate"], result.params["learning_rate"]) >= 0.7


@pytest.mark.slow
def test_daw_hybrid_mb_weight_recovery():
    # 40 subjects x 201 trials of the Daw et al. (2011) two-step task; mb_weight ~ Beta(2, 2),
    # the other parameters at the model's defaults (learning rates and eligibility 0.5,
    # inverse temperatures 5, perseveration 0); all 7 refitted from 3 starts.
    # Measured over 5 seeds: mb_weight r = 0.52-0.79 (0.52 at this seed). With every
    # parameter drawn from its prior r fell to 0.26-0.63: subjects with a small
    # first-stage inverse temperature carry no information about w.
    model = models.make("daw_hybrid")
    task = tasks.make("two_step", n_trials=201)
    sample_key, simulate_key = jax.random.split(jax.random.key(0))
    truth = {"mb_weight": sample_parameters(model, sample_key, 40)["mb_weight"]}
    table = cognax.simulate(simulate_key, model, task, truth, n_subjects=40)
    result = fit(model, to_batch(table, task), jax.random.key(1), n_starts=3, standard_errors=False)
    assert pearson(truth["mb_weight"], result.params["mb_weight"]) >= 0.4
    assert result.converged.mean() >= 0.9


def test_discrete_capacity_is_profiled():
    model = models.make("rlwm")
    task = tasks.make("rlwm", set_sizes=(2, 3, 4, 5, 6), repetitions=3)
    truth, table = simulate_from_priors(model, task, jax.random.key(0), 4)
    batch = to_batch(table, task)
    result = fit(model, batch, jax.random.key(1), n_starts=2, standard_errors=False)
    capacities = model.discrete_parameters["capacity"]
    assert set(result.params["capacity"]) <= set(capacities)
    assert result.n_params == model.n_params + 1
    # One fit per capacity, from the same starts: the profiled fit keeps the best of them.
    per_capacity = []
    for capacity in capacities:
        only = models.make("rlwm")
        only.discrete_parameters = {"capacity": (capacity,)}
        per_capacity.append(fit(only, batch, jax.random.key(1), n_starts=2, standard_errors=False).nll)
    per_capacity = np.stack(per_capacity, axis=1)
    np.testing.assert_allclose(result.nll, per_capacity.min(axis=1), rtol=1e-9)
    np.testing.assert_array_equal(result.params["capacity"], np.asarray(capacities)[per_capacity.argmin(axis=1)])


def test_estimator_facade(recovery):
    _, table, _ = recovery
    small = table[(table.subject < 3) & (table.trial < 60)]
    estimator = MLE("q_learning", n_starts=3)
    assert estimator.fit(small, task="bandit") is estimator
    assert list(estimator.params_["subject"]) == [0, 1, 2]
    assert {"learning_rate", "inverse_temperature", "nll", "aic", "bic"} <= set(estimator.params_.columns)
    assert estimator.nll_ == pytest.approx(float(estimator.result_.nll.sum()))
    assert estimator.aic_ == pytest.approx(estimator.nll_ * 2 + 2 * 2 * 3)
    assert estimator.bic_ == pytest.approx(estimator.nll_ * 2 + 3 * 2 * np.log(60))
    assert all(isinstance(v, float) for v in (estimator.nll_, estimator.aic_, estimator.bic_))


def test_bad_input(recovery, q_learning, bandit):
    _, table, _ = recovery
    batch = to_batch(table[table.subject < 2], bandit)
    key = jax.random.key(0)
    with pytest.raises(CognaxError, match="method"):
        fit(q_learning, batch, key, method="bayes")
    with pytest.raises(CognaxError, match="optimizer"):
        fit(q_learning, batch, key, optimizer="adam")
    with pytest.raises(CognaxError, match="n_starts"):
        fit(q_learning, batch, key, n_starts=0)
    with pytest.raises(CognaxError, match="two_step"):
        fit(models.make("daw_hybrid"), batch, key)
    small = table[table.subject < 2]
    with pytest.raises(CognaxError, match="method"):
        MLE("q_learning", method="bayes").fit(small, task="bandit")
    with pytest.raises(CognaxError, match="n_starts"):
        MLE("q_learning", n_starts=0).fit(small, task="bandit")
    with pytest.raises(CognaxError, match="q_learning"):
        MLE("q_lerning").fit(small, task="bandit")
