"""Building blocks of the vision reproductions: Gabor fits, whitening, FastICA, sparse coding, RSA."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax.circuits import convnet_rsa as rsa
from cognax.circuits import receptive_fields as rf
from cognax.errors import CognaxError


def test_gabor_fit_recovers_a_gabor_and_rejects_noise():
    size = 12
    truth = np.array([1.0, 5.5, 6.0, np.log(2.0), np.log(3.0), 0.7, np.log(0.2), 0.4, 0.0])
    gabor = np.asarray(rf.gabor(jnp.asarray(truth), size))
    noise = np.random.default_rng(0).normal(size=(8, size * size))
    r_squared, params = rf.fit_gabors(np.vstack([gabor, noise]), size)
    assert r_squared[0] > 0.99
    assert np.all(r_squared[1:] < 0.5)  # white noise: 9 parameters cannot describe 144 random pixels
    assert abs(np.exp(params[0, 6]) - 0.2) < 0.01


def test_whitening_gives_identity_covariance():
    patches = np.random.default_rng(1).normal(size=(5000, 16)) @ np.random.default_rng(2).normal(size=(16, 16))
    whitened, components = rf.whitening(patches, 10)
    np.testing.assert_allclose(np.cov(whitened, rowvar=False), np.eye(10), atol=1e-8)
    assert components.shape == (16, 10)
    with pytest.raises(CognaxError, match="n_components must be in \\[1, 16\\]"):
        rf.whitening(patches, 17)


def test_fast_ica_unmixes_two_laplacian_sources():
    rng = np.random.default_rng(3)
    sources = rng.laplace(size=(20000, 2))
    mixed = sources @ np.array([[1.0, 0.6], [0.4, 1.0]])
    whitened, components = rf.whitening(mixed - mixed.mean(axis=0), 2)
    unmixing = rf.ica_filters(jax.random.key(0), whitened, 2)
    recovered = whitened @ unmixing.T
    correlation = np.abs(np.corrcoef(recovered.T, sources.T)[:2, 2:])
    assert np.all(correlation.max(axis=1) > 0.99)  # each output is one source (up to sign and order)


def test_sparse_coding_recovers_a_sparse_dictionary():
    rng = np.random.default_rng(4)
    dictionary = np.linalg.qr(rng.normal(size=(8, 8)))[0][:4]
    codes = rng.laplace(size=(4000, 4)) * (rng.random((4000, 4)) < 0.3)
    learned, active = rf.sparse_coding_filters(jax.random.key(1), codes @ dictionary, 4, n_updates=600, sparsity=0.1, learning_rate=0.1)
    overlap = np.abs(learned @ dictionary.T)
    assert np.all(overlap.max(axis=1) > 0.95) and active < 0.6


def test_rdm_and_similarity():
    patterns = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.1], [3.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    matrix = rsa.rdm(patterns)
    assert matrix[0, 1] < 1e-3 and matrix[0, 2] > 1.5 and matrix[3, 0] == 1.0  # a silent pattern correlates with nothing
    np.testing.assert_array_equal(rsa.category_rdm([0, 0, 1]), [[0, 0, 1], [0, 0, 1], [1, 1, 0]])
    assert rsa.rdm_similarity(matrix, matrix) == pytest.approx(1.0)


def test_image_patches_are_mean_free():
    patches = rf.image_patches(jax.random.key(0), rf.natural_images(), 101, 8)
    assert patches.shape == (101, 64)
    np.testing.assert_allclose(patches.mean(axis=1), 0.0, atol=1e-12)
