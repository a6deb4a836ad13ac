"""Distributional TD: expectiles, learning, decoding, and the ``distributional_td`` reproduction."""

import json

import jax
import numpy as np
import pytest

from cognax import reproduce
from cognax.errors import CognaxError
from cognax.signatures.distributional import (
    asymmetry,
    decode_distribution,
    expectile,
    learn_reversal_points,
    wasserstein_to_discrete,
)

VALUES = np.array([0.0, 1.0, 4.0])
PROBABILITIES = np.array([0.5, 0.3, 0.2])


def test_expectile_solves_the_balance_and_half_is_the_mean():
    assert expectile(VALUES, PROBABILITIES, 0.5) == pytest.approx(PROBABILITIES @ VALUES, abs=1e-10)
    for tau in (0.1, 0.7, 0.95):
        e = expectile(VALUES, PROBABILITIES, tau)
        above = PROBABILITIES @ np.maximum(VALUES - e, 0)
        below = PROBABILITIES @ np.maximum(e - VALUES, 0)
        assert tau * above == pytest.approx((1 - tau) * below, abs=1e-10)


def test_symmetric_rates_learn_the_mean():
    # equal rates: a running mean, whose average over the last 5000 of 10000 draws has
    # SD about sqrt(0.01 / 2) * 1.4 / sqrt(50) = 0.014; tolerance 0.07 (5 SDs).
    points = learn_reversal_points(jax.random.key(0), VALUES, PROBABILITIES, [0.01], [0.01], 10_000, 5_000)
    assert float(points[0]) == pytest.approx(PROBABILITIES @ VALUES, abs=0.07)
    assert asymmetry(0.03, 0.01) == pytest.approx(0.75)


def test_decoding_recovers_a_two_point_distribution():
    values, probabilities = np.array([1.0, 9.0]), np.array([0.5, 0.5])
    taus = np.linspace(0.05, 0.95, 15)
    points = [expectile(values, probabilities, t) for t in taus]
    decoded = decode_distribution(points, taus, n_atoms=60)
    assert wasserstein_to_discrete(decoded, values, probabilities) < 0.5
    assert wasserstein_to_discrete([5.0], values, probabilities) == pytest.approx(4.0)


def test_bad_inputs():
    with pytest.raises(CognaxError, match="sum to 1"):
        expectile(VALUES, [0.5, 0.5, 0.5], 0.5)
    with pytest.raises(CognaxError, match="tau"):
        expectile(VALUES, PROBABILITIES, 1.0)
    with pytest.raises(CognaxError, match="learning rates"):
        learn_reversal_points(jax.random.key(0), VALUES, PROBABILITIES, [0.0], [0.1], 10)
    with pytest.raises(CognaxError, match="taus"):
        decode_distribution([1.0, np.nan], [0.2, 0.8])


def test_distributional_td_reproduction(tmp_path):
    checks = reproduce.run("distributional_td", tmp_path, quick=True, seed=3)
    assert [c.name for c in checks if not c.passed] == []
    assert json.loads((tmp_path / "checks.json").read_text())["passed"]
    assert (tmp_path / "reversal_points.csv").exists() and (tmp_path / "distributional_td.png").exists()
