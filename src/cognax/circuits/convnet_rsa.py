"""A small convolutional network trained on digits, read out layer by layer with RSA.

The "ventral stream" view (Yamins et al. 2014, PNAS 111:8619; Khaligh-Razavi & Kriegeskorte
2014): along a trained hierarchy, representations move away from the pixels and towards the
categories. Representational similarity analysis (Kriegeskorte, Mur & Bandettini 2008)
compares layers through their representational dissimilarity matrices (RDMs): here,
``1 - Pearson correlation`` between the activity patterns of every pair of test images, and a
layer's similarity to a reference RDM is the Spearman correlation of their upper triangles.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from scipy.stats import spearmanr

LAYERS = ("pixels", "conv1", "conv2", "dense", "output")


class ConvNet(eqx.Module):
    """A 5x5 and a 3x3 convolution (16 channels each, ReLU), 2x2 max-pooling, a dense layer, a readout.

    The first layer starts at a tenth of Equinox's default weights, so that after training its
    kernels show what was learned rather than the random start.

    Example:
        >>> import jax
        >>> net = ConvNet(jax.random.key(0), side=8)
        >>> [a.shape for a in net.activations(jax.numpy.zeros((1, 8, 8)))]
        [(64,), (1024,), (1024,), (64,), (10,)]
    """

    conv1: eqx.nn.Conv2d
    conv2: eqx.nn.Conv2d
    dense: eqx.nn.Linear
    readout: eqx.nn.Linear

    def __init__(self, key, side: int, n_classes: int = 10, channels: tuple[int, int] = (16, 16), n_dense: int = 64):
        keys = jax.random.split(key, 4)
        conv1 = eqx.nn.Conv2d(1, channels[0], 5, padding=2, key=keys[0])
        self.conv1 = eqx.tree_at(lambda conv: conv.weight, conv1, 0.1 * conv1.weight)
        self.conv2 = eqx.nn.Conv2d(channels[0], channels[1], 3, padding=1, key=keys[1])
        self.dense = eqx.nn.Linear(channels[1] * (side // 2) ** 2, n_dense, key=keys[2])
        self.readout = eqx.nn.Linear(n_dense, n_classes, key=keys[3])

    def activations(self, image):
        """Every layer's activity (flattened) for one ``(1, side, side)`` image, input first."""
        first = jax.nn.relu(self.conv1(image))
        second = jax.nn.relu(self.conv2(first))
        pooled = second.reshape(second.shape[0], second.shape[1] // 2, 2, second.shape[2] // 2, 2).max(axis=(2, 4))
        hidden = jax.nn.relu(self.dense(pooled.ravel()))
        return [image.ravel(), first.ravel(), second.ravel(), hidden, self.readout(hidden)]

    def __call__(self, image):
        return self.activations(image)[-1]


def train_convnet(key, images, labels, *, epochs: int, batch_size: int = 32, learning_rate: float = 1e-3) -> ConvNet:
    """Train with backprop (Adam) on ``(n, side, side)`` images; same key, same network."""
    init_key, run_key = jax.random.split(key)
    model = ConvNet(init_key, side=images.shape[1])
    optimizer = optax.adam(learning_rate)
    images = jnp.asarray(images, model.conv1.weight.dtype)[:, None]  # the weights' precision (float64 under x64)
    labels = jnp.asarray(labels)

    def loss(model, batch_images, batch_labels):
        logits = jax.vmap(model)(batch_images)
        return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, batch_labels))

    @jax.jit
    def epoch(carry, key):
        model, state = carry
        n_batches = images.shape[0] // batch_size
        order = jax.random.permutation(key, images.shape[0])[: n_batches * batch_size].reshape(n_batches, batch_size)

        def step(carry, indices):
            model, state = carry
            grads = jax.grad(loss)(model, images[indices], labels[indices])
            updates, state = optimizer.update(grads, state, model)
            return (eqx.apply_updates(model, updates), state), None

        return jax.lax.scan(step, (model, state), order)[0]

    carry = (model, optimizer.init(eqx.filter(model, eqx.is_array)))
    for epoch_key in jax.random.split(run_key, epochs):
        carry = epoch(carry, epoch_key)
    return carry[0]


def rdm(patterns) -> np.ndarray:
    """``1 - Pearson correlation`` between the rows of ``patterns`` (stimuli x units)."""
    patterns = np.asarray(patterns, dtype=np.float64)
    centred = patterns - patterns.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    normalised = centred / np.where(norms > 0, norms, 1.0)  # a silent pattern correlates with nothing
    return 1.0 - normalised @ normalised.T


def category_rdm(labels) -> np.ndarray:
    """0 for a pair from the same category, 1 otherwise."""
    labels = np.asarray(labels)
    return (labels[:, None] != labels[None, :]).astype(float)


def rdm_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman correlation of the upper triangles (diagonal excluded)."""
    upper = np.triu_indices_from(first, k=1)
    return float(spearmanr(first[upper], second[upper]).statistic)


def layer_similarities(model: ConvNet, images, labels) -> dict[str, tuple[float, float]]:
    """Per layer: (similarity to the pixel RDM, similarity to the category RDM)."""
    activity = jax.jit(jax.vmap(model.activations))(jnp.asarray(images, model.conv1.weight.dtype)[:, None])
    pixels = rdm(activity[0])
    categories = category_rdm(labels)
    result = {}
    for name, layer in zip(LAYERS, activity):
        layer_rdm = rdm(layer)
        result[name] = (rdm_similarity(layer_rdm, pixels), rdm_similarity(layer_rdm, categories))
    return result


def predict(model: ConvNet, images) -> np.ndarray:
    """Predicted classes for ``(n, side, side)`` images."""
    logits = jax.jit(jax.vmap(model))(jnp.asarray(images, model.conv1.weight.dtype)[:, None])
    return np.asarray(jnp.argmax(logits, axis=1))


def first_layer_kernels(model: ConvNet) -> np.ndarray:
    """The first layer's 5x5 kernels, flattened, one per row."""
    weights = np.asarray(model.conv1.weight)[:, 0]
    return weights.reshape(len(weights), -1)
