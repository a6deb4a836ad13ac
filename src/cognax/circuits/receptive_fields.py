"""Receptive fields from natural images: sparse coding and ICA versus PCA, with 2-D Gabor fits.

Olshausen & Field (1996, Nature 381:607) showed that a code which represents natural image
patches with few active units learns localised, oriented, band-pass filters like the receptive
fields of simple cells in V1; ICA finds similar filters (Bell & Sejnowski 1997, Vision Res
37:3327; van Hateren & van der Schaaf 1998). PCA of the same patches gives global,
Fourier-like patterns instead (Hancock, Baddeley & Smith 1992). The test of "simple-cell
like" used here is a 2-D Gabor fit: the fraction of filters a Gabor describes with R^2 above
a threshold.

The photographs are the two bundled with scikit-learn (``load_sample_images``), converted to
grey levels; nothing is downloaded.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from cognax.errors import CognaxError


def natural_images() -> list[np.ndarray]:
    """The photographs bundled with scikit-learn, as grey-level float arrays in [0, 1]."""
    try:
        from sklearn.datasets import load_sample_images
    except ImportError:
        raise CognaxError("natural images need scikit-learn: pip install 'cognax[circuits]'") from None
    return [image.mean(axis=2) / 255.0 for image in load_sample_images().images]


def image_patches(key, images, n_patches: int, size: int) -> np.ndarray:
    """``n_patches`` random ``size x size`` patches (flattened), each with its mean removed.

    Patches come equally from every image; log grey levels compress the photographs'
    brightness range as the retina does, and halving the resolution (2x2 averages) moves the
    fine structure above JPEG's block artefacts.
    """
    patches = []
    for image_key, image in zip(jax.random.split(key, len(images)), images):
        count = n_patches // len(images) + (1 if len(patches) < n_patches % len(images) else 0)
        rows_even, cols_even = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
        image = image[:rows_even, :cols_even].reshape(rows_even // 2, 2, cols_even // 2, 2).mean(axis=(1, 3))
        log_image = np.log(image + 0.05)
        row_key, col_key = jax.random.split(image_key)
        rows = np.asarray(jax.random.randint(row_key, (count,), 0, image.shape[0] - size))
        cols = np.asarray(jax.random.randint(col_key, (count,), 0, image.shape[1] - size))
        patches.append(np.stack([log_image[r : r + size, c : c + size].ravel() for r, c in zip(rows, cols)]))
    patches = np.concatenate(patches)
    return patches - patches.mean(axis=1, keepdims=True)


def whitening(patches: np.ndarray, n_components: int):
    """PCA whitening onto the ``n_components`` leading principal components.

    Dropping the faintest components removes the highest spatial frequencies, where the
    photographs hold mostly noise and compression artefacts that whitening would amplify.

    Returns:
        ``(whitened, components)``: the whitened patches ``(n, n_components)`` and the
        components ``(pixels, n_components)``; ``vectors @ components.T`` maps a vector of
        the whitened space back to pixels (the ZCA-whitened image domain).
    """
    if not 1 <= n_components <= patches.shape[1]:
        raise CognaxError(f"n_components must be in [1, {patches.shape[1]}] (pixels per patch); got {n_components}")
    values, vectors = np.linalg.eigh(np.cov(patches, rowvar=False))
    values, vectors = values[::-1][:n_components], vectors[:, ::-1][:, :n_components]
    return patches @ vectors / np.sqrt(values), vectors


def pca_filters(patches: np.ndarray, n_components: int) -> np.ndarray:
    """The leading principal components of the (unwhitened) patches, one per row."""
    values, vectors = np.linalg.eigh(np.cov(patches, rowvar=False))
    return vectors[:, ::-1][:, :n_components].T


def ica_filters(key, whitened: np.ndarray, n_components: int, n_iterations: int = 200) -> np.ndarray:
    """Symmetric FastICA with the log-cosh contrast (Hyvärinen 1999) on whitened patches.

    Each iteration sets ``W <- E[g(Wx) x^T] - diag(E[g'(Wx)]) W`` with ``g = tanh``, then
    decorrelates the rows, ``W <- (W W^T)^(-1/2) W``.

    Returns:
        The filters (rows of ``W``), in the whitened pixel space.
    """
    data = jnp.asarray(whitened)
    data = data / jnp.sqrt(jnp.mean(jnp.sum(data**2, axis=1)) / data.shape[1])  # unit variance per direction

    def decorrelate(w):
        values, vectors = jnp.linalg.eigh(w @ w.T)
        return vectors @ jnp.diag(1.0 / jnp.sqrt(values)) @ vectors.T @ w

    def step(w, _):
        projections = data @ w.T
        g = jnp.tanh(projections)
        w_new = g.T @ data / data.shape[0] - jnp.mean(1 - g**2, axis=0)[:, None] * w
        return decorrelate(w_new), None

    start = decorrelate(jax.random.normal(key, (n_components, data.shape[1]), data.dtype))
    weights, _ = jax.jit(lambda w: jax.lax.scan(step, w, None, length=n_iterations))(start)
    return np.asarray(weights)


@partial(jax.jit, static_argnames=("n_ista",))
def _ista(dictionary, batch, sparsity: float, n_ista: int):
    """Coefficients minimising ``|x - a D|^2 / 2 + sparsity |a|_1`` by iterative soft thresholding."""
    step = 1.0 / jnp.linalg.norm(dictionary @ dictionary.T, 2)
    coefficients = jnp.zeros((batch.shape[0], dictionary.shape[0]), batch.dtype)

    def iterate(a, _):
        a = a - step * (a @ dictionary - batch) @ dictionary.T
        return jnp.sign(a) * jnp.maximum(jnp.abs(a) - step * sparsity, 0.0), None

    return jax.lax.scan(iterate, coefficients, None, length=n_ista)[0]


def sparse_coding_filters(key, whitened: np.ndarray, n_components: int, *, n_updates: int = 2000, batch_size: int = 100,
                          sparsity: float = 0.3, learning_rate: float = 0.05, n_ista: int = 50) -> tuple[np.ndarray, float]:
    """Olshausen & Field's sparse coding: ISTA inference, then a gradient step on the dictionary.

    Args:
        key: a JAX key (initial dictionary, minibatches).
        whitened: whitened patches, one per row.
        n_components: basis functions.
        n_updates: dictionary updates.
        batch_size: patches per update.
        sparsity: the L1 weight ``lambda`` (relative to unit-variance whitened data).
        learning_rate: dictionary step size.
        n_ista: inference iterations per update.

    Returns:
        ``(dictionary, mean_active_fraction)``: unit-norm basis functions (rows), and the mean
        fraction of nonzero coefficients on the last minibatches.
    """
    data = jnp.asarray(whitened)
    data = data / jnp.sqrt(jnp.mean(jnp.sum(data**2, axis=1)) / data.shape[1])
    init_key, batch_key = jax.random.split(key)
    dictionary = jax.random.normal(init_key, (n_components, data.shape[1]), data.dtype)
    dictionary = dictionary / jnp.linalg.norm(dictionary, axis=1, keepdims=True)

    def update(dictionary, step_key):
        batch = data[jax.random.randint(step_key, (batch_size,), 0, data.shape[0])]
        coefficients = _ista(dictionary, batch, sparsity, n_ista)
        residual = batch - coefficients @ dictionary
        dictionary = dictionary + learning_rate * coefficients.T @ residual / batch_size
        dictionary = dictionary / jnp.linalg.norm(dictionary, axis=1, keepdims=True)
        return dictionary, jnp.mean(coefficients != 0)

    dictionary, active = jax.jit(lambda d, k: jax.lax.scan(update, d, jax.random.split(k, n_updates)))(dictionary, batch_key)
    return np.asarray(dictionary), float(jnp.mean(active[-50:]))


# ----------------------------------------------------------------------------- Gabor fits
def gabor(params, size: int):
    """A 2-D Gabor on a ``size x size`` grid.

    ``params = (amplitude, x0, y0, log_sigma_x, log_sigma_y, theta, log_frequency, phase, offset)``:
    ``A exp(-x'^2/(2 sx^2) - y'^2/(2 sy^2)) cos(2 pi f x' + phase) + offset`` with ``(x', y')``
    the grid rotated by ``theta`` about ``(x0, y0)``.
    """
    amplitude, x0, y0, log_sx, log_sy, theta, log_f, phase, offset = params
    grid = jnp.arange(size, dtype=params.dtype)
    y, x = jnp.meshgrid(grid, grid, indexing="ij")
    xr = (x - x0) * jnp.cos(theta) + (y - y0) * jnp.sin(theta)
    yr = -(x - x0) * jnp.sin(theta) + (y - y0) * jnp.cos(theta)
    envelope = jnp.exp(-(xr**2) / (2 * jnp.exp(2 * log_sx)) - yr**2 / (2 * jnp.exp(2 * log_sy)))
    return (amplitude * envelope * jnp.cos(2 * jnp.pi * jnp.exp(log_f) * xr + phase) + offset).ravel()


def _initial_guesses(filters: np.ndarray, size: int) -> np.ndarray:
    """Starts from each filter's spectral peak (frequency, orientation) and energy centroid, four phases."""
    starts = []
    frequencies = np.fft.fftfreq(size)
    for flat in filters:
        image = flat.reshape(size, size)
        spectrum = np.abs(np.fft.fft2(image))
        spectrum[0, 0] = 0.0
        fy, fx = np.unravel_index(np.argmax(spectrum), spectrum.shape)
        freq_x, freq_y = frequencies[fx], frequencies[fy]
        frequency = max(np.hypot(freq_x, freq_y), 1.0 / size)
        theta = np.arctan2(freq_y, freq_x)
        energy = image**2 / np.sum(image**2)
        rows, cols = np.mgrid[0:size, 0:size]
        y0, x0 = np.sum(energy * rows), np.sum(energy * cols)
        spread = np.sqrt(max(np.sum(energy * ((rows - y0) ** 2 + (cols - x0) ** 2)) / 2, 0.5))
        for phase in (0.0, np.pi / 2, np.pi, 3 * np.pi / 2):
            starts.append([np.abs(image).max(), x0, y0, np.log(spread), np.log(spread), theta, np.log(frequency), phase, 0.0])
    return np.asarray(starts)


@partial(jax.jit, static_argnames=("size", "n_steps"))
def _fit_all(targets, starts, size: int, n_steps: int):
    optimizer = optax.adam(0.03)

    def fit_one(target, start):
        def loss(params):
            return jnp.mean((gabor(params, size) - target) ** 2)

        def step(carry, _):
            params, state = carry
            grads = jax.grad(loss)(params)
            updates, state = optimizer.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (start, optimizer.init(start)), None, length=n_steps)
        return params, loss(params)

    return jax.vmap(fit_one)(targets, starts)


def fit_gabors(filters: np.ndarray, size: int, n_steps: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares 2-D Gabor fits to each filter (four starts each, the best kept).

    Each filter is scaled to unit norm first, so one step size serves all.

    Returns:
        ``(r_squared, params)``: per filter, ``1 - SS_res / SS_tot`` of the best fit and its parameters.
    """
    filters = np.asarray(filters, dtype=np.float64)
    filters = filters / np.linalg.norm(filters, axis=1, keepdims=True)
    starts = _initial_guesses(filters, size)
    targets = np.repeat(filters, 4, axis=0)
    params, losses = _fit_all(jnp.asarray(targets, jnp.float32), jnp.asarray(starts, jnp.float32), size, n_steps)
    losses = np.asarray(losses).reshape(len(filters), 4)
    best = np.argmin(np.nan_to_num(losses, nan=np.inf), axis=1)
    best_params = np.asarray(params).reshape(len(filters), 4, -1)[np.arange(len(filters)), best]
    residual = losses[np.arange(len(filters)), best] * size * size
    total = np.sum((filters - filters.mean(axis=1, keepdims=True)) ** 2, axis=1)
    return 1.0 - residual / total, best_params
