"""Successor representation: closed form, TD learning, geometry, and the reproduction."""

import json

import jax
import numpy as np
import pytest

from cognax import reproduce
from cognax.errors import CognaxError
from cognax.signatures.successor import (
    cosine_modes,
    field_skew,
    learn_successor_representation,
    linear_track,
    open_field,
    sample_trajectory,
    successor_representation,
)


def test_closed_form_is_the_discounted_sum_of_visits():
    transitions = open_field(3, 2)
    np.testing.assert_allclose(transitions.sum(1), 1.0)
    np.testing.assert_allclose(transitions, transitions.T)
    series = sum(0.7**t * np.linalg.matrix_power(transitions, t) for t in range(200))
    np.testing.assert_allclose(successor_representation(transitions, 0.7), series, atol=1e-10)


def test_cosine_modes_are_laplacian_eigenvectors():
    transitions = open_field(5, 4)
    laplacian = 4 * (np.eye(20) - transitions)
    modes = cosine_modes(5, 4, 20)
    rayleigh = np.einsum("si,st,ti->i", modes, laplacian, modes)
    np.testing.assert_allclose(laplacian @ modes, modes * rayleigh, atol=1e-10)
    assert np.all(np.diff(rayleigh) >= -1e-12)


def test_sampled_transitions_follow_the_policy():
    transitions, start, end = linear_track(6, 0.7)
    states, following, ends = (np.asarray(a) for a in sample_trajectory(jax.random.key(0), transitions, start, 20_000))
    moves = following[~ends] - states[~ends]
    interior = (states[~ends] > 0)
    # 4 binomial SDs of a proportion over more than 10,000 interior steps: 0.018.
    assert (moves[interior] == 1).mean() == pytest.approx(0.7, abs=0.02)
    assert (following[ends] == start).all() and (states[ends] == end).all()


def test_td_learning_converges_and_fields_skew_backward():
    transitions, start, _ = linear_track(8, 0.8)
    states, following, ends = sample_trajectory(jax.random.key(1), transitions, start, 30_000)
    learned = learn_successor_representation(states, following, ends, 8, 0.8, 0.05, average_last=15_000)
    exact = successor_representation(transitions, 0.8)
    # measured relative error 0.010-0.019 over seeds 0-3; 0.06 is 3x the largest.
    assert np.linalg.norm(learned - exact) / np.linalg.norm(exact) < 0.06
    peaks, centres = field_skew(exact)
    assert (centres[1:] < peaks[1:]).all()


def test_bad_inputs():
    with pytest.raises(CognaxError, match="square"):
        successor_representation(np.ones((2, 3)), 0.5)
    with pytest.raises(CognaxError, match="summing to 1"):
        successor_representation(np.full((2, 2), 0.7), 0.5)
    with pytest.raises(CognaxError, match="discount"):
        successor_representation(open_field(2, 2), 1.0)
    with pytest.raises(CognaxError, match="p_right"):
        linear_track(5, 1.5)


def test_successor_representation_reproduction(tmp_path):
    checks = reproduce.run("successor_representation", tmp_path, quick=True, seed=2)
    assert [c.name for c in checks if not c.passed] == []
    assert json.loads((tmp_path / "checks.json").read_text())["passed"]
    for name in ("place_fields.png", "eigenvectors.png", "place_fields.csv"):
        assert (tmp_path / name).exists()
