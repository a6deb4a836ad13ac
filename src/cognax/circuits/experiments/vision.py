"""Reproductions of representations learned from images.

- ``receptive_fields``: sparse coding and ICA of natural image patches learn Gabor-like
  filters; PCA does not (Olshausen & Field 1996; Bell & Sejnowski 1997).
- ``ventral_stream``: along a convolutional network trained on digits, similarity to the
  pixel RDM falls and similarity to the category RDM rises with depth; first-layer filters
  are edge-like (Yamins et al. 2014; Khaligh-Razavi & Kriegeskorte 2014).
"""

from __future__ import annotations

from pathlib import Path

import jax
import matplotlib
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from cognax.circuits import convnet_rsa as rsa
from cognax.circuits import receptive_fields as rf
from cognax.circuits.datasets import load
from cognax.circuits.experiments._output import STYLE, new_figure, save_figure, write_csv
from cognax.reproduce.checks import Check, above, below

R2_THRESHOLD = 0.8  # a Gabor explains at least 80% of the filter's variance


def _filter_grid(ax, filters, size: int, title: str):
    columns = int(np.ceil(np.sqrt(len(filters))))
    rows = int(np.ceil(len(filters) / columns))
    grid = np.full((rows * (size + 1) - 1, columns * (size + 1) - 1), np.nan)
    for index, flat in enumerate(filters):
        row, column = divmod(index, columns)
        grid[row * (size + 1) : row * (size + 1) + size, column * (size + 1) : column * (size + 1) + size] = (
            flat.reshape(size, size) / np.abs(flat).max()
        )
    ax.imshow(grid, cmap="gray", vmin=-1, vmax=1)
    ax.set_title(title)
    ax.axis("off")


def run_receptive_fields(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Fraction of filters a 2-D Gabor fits with R^2 > 0.8, for sparse coding and ICA versus PCA."""
    size, n_components = 12, 64
    n_patches, n_updates = (20_000, 2000) if quick else (50_000, 4000)
    keys = jax.random.split(jax.random.key(seed), 3)
    patches = rf.image_patches(keys[0], rf.natural_images(), n_patches, size)
    whitened, components = rf.whitening(patches, n_components)
    sparse, active_fraction = rf.sparse_coding_filters(keys[1], whitened, n_components, n_updates=n_updates, sparsity=1.5, learning_rate=0.1)
    filters = {
        "sparse coding": sparse @ components.T,
        "ICA": rf.ica_filters(keys[2], whitened, n_components) @ components.T,
        "PCA": rf.pca_filters(patches, n_components),
    }
    rows, fits = [], {}
    for method, method_filters in filters.items():
        r_squared, params = rf.fit_gabors(method_filters, size)
        fits[method] = r_squared
        for index, (r2, p) in enumerate(zip(r_squared, params)):
            rows.append(dict(method=method, filter=index, r_squared=r2, envelope_sd=float(np.exp(p[3:5]).max()),
                             frequency=float(np.exp(p[6])), orientation=float(p[5] % np.pi)))
    table = pd.DataFrame(rows)
    write_csv(table, out / "gabor_fits.csv")
    with matplotlib.rc_context(STYLE):
        figure, axes = new_figure(3, panel=(3.0, 3.2))
        for ax, (method, method_filters) in zip(axes, filters.items()):
            _filter_grid(ax, method_filters, size, f"{method}: {np.mean(fits[method] > R2_THRESHOLD):.0%} Gabor-like")
        save_figure(figure, out / "receptive_fields.png")
    fraction = {method: float(np.mean(r2 > R2_THRESHOLD)) for method, r2 in fits.items()}
    envelope = table.groupby("method").envelope_sd.median()
    return [
        # measured at the quick size: sparse coding ~0.65, ICA ~0.7, PCA ~0.15 (64 filters each)
        above("sparse_coding_fraction_gabor", fraction["sparse coding"], 0.45, f"R^2 > {R2_THRESHOLD}"),
        above("ica_fraction_gabor", fraction["ICA"], 0.5, f"R^2 > {R2_THRESHOLD}"),
        below("pca_fraction_gabor", fraction["PCA"], 0.3, f"R^2 > {R2_THRESHOLD}: global, not localised"),
        above("sparse_coding_minus_pca_fraction", fraction["sparse coding"] - fraction["PCA"], 0.25),
        above("ica_minus_pca_fraction", fraction["ICA"] - fraction["PCA"], 0.25),
        below("sparse_coding_active_fraction", active_fraction, 0.2, "a sparse code"),
        below("ica_median_envelope_sd_over_patch", float(envelope["ICA"]) / size, 0.5, "localised"),
        above("pca_median_envelope_sd_over_patch", float(envelope["PCA"]) / size, 1.0, "spans the patch"),
    ]


def run_ventral_stream(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """RSA along a convnet trained on digits, against the same network untrained."""
    data = load("digits")
    images = data.x_train.reshape(-1, 8, 8)
    test_images = data.x_test.reshape(-1, 8, 8)
    n_rsa = 200 if quick else len(test_images)
    key = jax.random.key(seed)
    untrained = rsa.ConvNet(jax.random.split(key)[0], side=8)  # the weights train_convnet starts from
    trained = rsa.train_convnet(key, images, data.y_train, epochs=8 if quick else 30)
    accuracy = float(np.mean(rsa.predict(trained, test_images) == data.y_test))
    rows = []
    for state, model in (("trained", trained), ("untrained", untrained)):
        for depth, (layer, (pixel, category)) in enumerate(rsa.layer_similarities(model, test_images[:n_rsa], data.y_test[:n_rsa]).items()):
            rows.append(dict(network=state, depth=depth, layer=layer, pixel_similarity=pixel, category_similarity=category))
    table = pd.DataFrame(rows)
    write_csv(table, out / "layer_similarities.csv")
    trained_rows = table[table.network == "trained"]
    pixel_trend = spearmanr(trained_rows.depth, trained_rows.pixel_similarity).statistic
    category_trend = spearmanr(trained_rows.depth, trained_rows.category_similarity).statistic
    # edge-like = described by a Gabor; 5x5 kernels: 9 parameters for 25 pixels fit noise with R^2 ~ 0.5
    kernels = rsa.first_layer_kernels(trained)
    edge_trained = np.mean(rf.fit_gabors(kernels, 5)[0] > 0.7)
    edge_untrained = np.mean(rf.fit_gabors(rsa.first_layer_kernels(untrained), 5)[0] > 0.7)
    with matplotlib.rc_context(STYLE):
        figure, (ax_rsa, ax_filters) = new_figure(2, panel=(3.0, 2.5))
        for state, style in (("trained", "-"), ("untrained", ":")):
            part = table[table.network == state]
            ax_rsa.plot(part.layer, part.pixel_similarity, style, color="black", marker="o", markersize=3, label=f"pixels ({state})")
            ax_rsa.plot(part.layer, part.category_similarity, style, color="tab:orange", marker="o", markersize=3, label=f"category ({state})")
        ax_rsa.set(ylabel="RDM similarity (Spearman)", title=f"convnet on digits (test accuracy {accuracy:.2f})")
        ax_rsa.legend()
        _filter_grid(ax_filters, kernels, 5, f"first-layer kernels ({edge_trained:.0%} Gabor-like)")
        save_figure(figure, out / "ventral_stream.png")
    final = trained_rows.iloc[-1]
    return [
        above("test_accuracy", accuracy, 0.9),
        below("pixel_similarity_depth_trend", float(pixel_trend), -0.8, "Spearman over layers: falls with depth"),
        above("category_similarity_depth_trend", float(category_trend), 0.8, "Spearman over layers: rises with depth"),
        above("output_category_gain_over_pixels", float(final.category_similarity - trained_rows.iloc[0].category_similarity), 0.03),
        above("output_category_trained_minus_untrained",
              float(final.category_similarity - table[table.network == "untrained"].iloc[-1].category_similarity), 0.1),
        # measured: 0.69 trained vs 0.13 untrained (16 kernels)
        above("first_layer_gabor_fraction_trained_minus_untrained", float(edge_trained - edge_untrained), 0.3, "R^2 > 0.7"),
    ]
