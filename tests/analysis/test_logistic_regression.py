"""The Newton logistic regression behind the behavioural regressions, against references."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from cognax.analysis._logistic import fit_logistic


def _negative_log_likelihood(theta, design, outcome, penalty=0.0, penalized=None):
    eta = design @ theta
    value = np.sum(np.logaddexp(0, eta) - outcome * eta)
    gradient = design.T @ (expit(eta) - outcome)
    if penalty:
        value += 0.5 * penalty * np.sum(theta[penalized] ** 2)
        gradient = gradient + penalty * np.where(penalized, theta, 0)
    return value, gradient


def _reference(design, outcome, penalty=0.0, penalized=None):
    """scipy.optimize on the (dense) design; SEs from the inverse Fisher information in plain numpy."""
    result = minimize(_negative_log_likelihood, np.zeros(design.shape[1]), (design, outcome, penalty, penalized),
                      jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 10_000})
    p = expit(design @ result.x)
    information = design.T @ ((p * (1 - p))[:, None] * design)
    if penalty:
        information += penalty * np.diag(penalized.astype(float))
    return result.x, np.sqrt(np.diag(np.linalg.inv(information)))


@pytest.fixture(scope="module")
def known():
    rng = np.random.default_rng(7)
    features = rng.normal(size=(3000, 3))
    truth = np.array([0.5, -1.0, 0.25])
    outcome = (rng.random(3000) < expit(-0.3 + features @ truth)).astype(float)
    return features, outcome, truth


def test_recovers_known_coefficients_within_three_standard_errors(known):
    features, outcome, truth = known
    fit = fit_logistic(features, outcome)
    assert fit.converged
    assert np.all(np.abs(fit.coefficients - truth) < 3 * fit.standard_errors)
    assert abs(fit.intercepts[0] + 0.3) < 3 * fit.intercept_errors[0]


def test_matches_scipy_reference(known):
    features, outcome, _ = known
    fit = fit_logistic(features, outcome)
    estimate, errors = _reference(np.column_stack([np.ones(len(outcome)), features]), outcome)
    np.testing.assert_allclose(fit.intercepts[0], estimate[0], atol=1e-6)
    np.testing.assert_allclose(fit.coefficients, estimate[1:], atol=1e-6)
    np.testing.assert_allclose(fit.standard_errors, errors[1:], rtol=1e-5)
    np.testing.assert_allclose(fit.z, fit.coefficients / fit.standard_errors)
    assert np.all((fit.p_values >= 0) & (fit.p_values <= 1))


def test_group_intercepts_match_one_hot_reference():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(4), 300)
    features = rng.normal(size=(1200, 2))
    outcome = (rng.random(1200) < expit(np.array([-1, 0, 0.5, 1.0])[groups] + features @ [0.8, -0.4])).astype(float)
    outcome[groups == 3] = 1.0  # a group that never varies: left out, its intercept unknown
    fit = fit_logistic(features, outcome, groups)
    assert fit.converged
    np.testing.assert_array_equal(fit.kept, [True, True, True, False])
    assert fit.n_observations == 900 and np.isnan(fit.intercepts[3])
    keep = groups < 3
    design = np.column_stack([np.eye(3)[groups[keep]], features[keep]])
    estimate, errors = _reference(design, outcome[keep])
    np.testing.assert_allclose(fit.intercepts[:3], estimate[:3], atol=1e-6)
    np.testing.assert_allclose(fit.coefficients, estimate[3:], atol=1e-6)
    np.testing.assert_allclose(fit.standard_errors, errors[3:], rtol=1e-5)


def test_separated_data_are_flagged_and_a_penalty_gives_finite_estimates():
    features = np.linspace(-1, 1, 40)[:, None]
    outcome = (features[:, 0] > 0).astype(float)
    assert not fit_logistic(features, outcome).converged
    fit = fit_logistic(features, outcome, penalty=1.0)
    assert fit.converged and np.all(np.isfinite(fit.coefficients))
    design = np.column_stack([np.ones(40), features])
    estimate, errors = _reference(design, outcome, 1.0, np.array([False, True]))
    np.testing.assert_allclose(fit.coefficients, estimate[1:], atol=1e-5)
    np.testing.assert_allclose(fit.standard_errors, errors[1:], rtol=1e-4)


def test_constant_outcome_does_not_converge():
    fit = fit_logistic(np.ones((10, 1)), np.ones(10))
    assert not fit.converged and np.all(np.isnan(fit.coefficients))
