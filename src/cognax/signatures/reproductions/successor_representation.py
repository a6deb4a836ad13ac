"""``successor_representation``: the hippocampus as a predictive map (Stachenfeld et al. 2017).

Checks:

* TD learning recovers the closed form M = (I - gamma T)^(-1): on a 20-state linear
  track (laps from the left end, rightward with p = 0.8, gamma = 0.9) and on a 9 x 7
  open field (random walk, gamma = 0.95), the relative Frobenius error of the learned
  M (Polyak-averaged over the second half of training) is under 0.06 (track) and 0.10
  (field); measured 0.018 and 0.038 at the quick sizes;
* place fields skew backward on the track: every field away from the start wall
  (states >= 1) has its centre of mass behind its peak, against the direction of
  travel;
* the top 6 eigenvectors of the open field's SR span the same subspace as the 6
  lowest cosine modes of the grid Laplacian: largest principal angle < 1e-6 rad for
  the closed form (exact in theory; rounding only) and < 0.3 rad for the learned SR
  (measured 0.08 at the quick size).

Files: ``place_fields.png``, ``eigenvectors.png``, ``place_fields.csv``.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pandas as pd

from cognax.reproduce.checks import Check, below
from cognax.signatures.reproductions._common import new_figure, save_figure, write_csv
from cognax.signatures.successor import (
    cosine_modes,
    field_skew,
    largest_subspace_angle,
    learn_successor_representation,
    linear_track,
    open_field,
    sample_trajectory,
    successor_representation,
    top_eigenvectors,
)

TRACK_STATES, P_RIGHT, TRACK_DISCOUNT = 20, 0.8, 0.9
WIDTH, HEIGHT, FIELD_DISCOUNT = 9, 7, 0.95
N_MODES = 6
TRACK_TOLERANCE, FIELD_TOLERANCE = 0.06, 0.10
EXACT_ANGLE, LEARNED_ANGLE = 1e-6, 0.3


def run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    with jax.enable_x64(True):
        return _run(Path(out), quick=quick, seed=seed)


def _relative_error(learned, exact) -> float:
    return float(np.linalg.norm(learned - exact) / np.linalg.norm(exact))


def _run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    track_steps, field_steps, rate = (100_000, 200_000, 0.05) if quick else (400_000, 800_000, 0.02)
    track_key, field_key = jax.random.split(jax.random.key(seed))

    transitions, start, _ = linear_track(TRACK_STATES, P_RIGHT)
    track_exact = successor_representation(transitions, TRACK_DISCOUNT)
    states, following, ends = sample_trajectory(track_key, transitions, start, track_steps)
    track = learn_successor_representation(
        states, following, ends, TRACK_STATES, TRACK_DISCOUNT, rate, average_last=track_steps // 2
    )
    peaks, centres = field_skew(track)
    away = np.arange(TRACK_STATES) >= 1
    skew = centres - peaks

    grid = open_field(WIDTH, HEIGHT)
    field_exact = successor_representation(grid, FIELD_DISCOUNT)
    states, following, ends = sample_trajectory(field_key, grid, 0, field_steps)
    field = learn_successor_representation(
        states, following, ends, WIDTH * HEIGHT, FIELD_DISCOUNT, rate, average_last=field_steps // 2
    )
    modes = cosine_modes(WIDTH, HEIGHT, N_MODES)
    learned_vectors = top_eigenvectors(field, N_MODES)

    checks = [
        below("track_td_vs_closed_form (relative error)", _relative_error(track, track_exact), TRACK_TOLERANCE),
        below("field_td_vs_closed_form (relative error)", _relative_error(field, field_exact), FIELD_TOLERANCE),
        Check(
            "place_fields_skew_backward (fields with centre of mass behind peak)",
            f"{int(away.sum())} of {int(away.sum())}", f"{int((skew[away] < 0).sum())} of {int(away.sum())}",
            None, bool((skew[away] < 0).all()),
        ),
        below("mean_field_skew (states, negative = backward)", float(skew[away].mean()), 0.0),
        below(
            "closed_form_top_eigenvectors_vs_cosine_modes (max angle, rad)",
            largest_subspace_angle(top_eigenvectors(field_exact, N_MODES), modes), EXACT_ANGLE,
        ),
        below(
            "learned_top_eigenvectors_vs_cosine_modes (max angle, rad)",
            largest_subspace_angle(learned_vectors, modes), LEARNED_ANGLE,
        ),
    ]
    write_csv(pd.DataFrame({
        "state": np.arange(TRACK_STATES), "peak": peaks, "centre_of_mass": centres, "skew": skew,
    }), out / "place_fields.csv")
    save_figure(lambda: _place_figure(track, track_exact), out / "place_fields.png")
    save_figure(lambda: _eigen_figure(learned_vectors, modes), out / "eigenvectors.png")
    return checks


def _place_figure(track, exact):
    figure, (fields, matrix) = new_figure(2, panel=(3.0, 2.4))
    positions = np.arange(track.shape[0])
    for index, state in enumerate((5, 10, 15)):
        colour = f"C{index}"
        fields.plot(positions, track[:, state], color=colour, label=f"field of state {state} (TD)")
        fields.plot(positions, exact[:, state], color=colour, ls=":", lw=0.8)
        fields.axvline(state, color=colour, lw=0.6, ls="--")
    fields.set(xlabel="position (travel ->)", ylabel="expected discounted visits", title="place fields skew backward")
    fields.legend(fontsize=6)
    image = matrix.imshow(track, cmap="viridis")
    matrix.set(xlabel="field (state)", ylabel="position", title="learned SR M")
    figure.colorbar(image, ax=matrix, shrink=0.8)
    return figure


def _eigen_figure(learned, modes):
    figure, axes = new_figure(2 * N_MODES, panel=(1.6, 1.4), max_columns=N_MODES)
    # One symmetric colour scale for every panel (an eigenvector's sign is arbitrary).
    limit = {"vmin": -np.abs(modes).max(), "vmax": np.abs(modes).max(), "cmap": "RdBu_r"}
    for index in range(N_MODES):
        axes[index].imshow(learned[:, index].reshape(HEIGHT, WIDTH), **limit)
        axes[index].set_title(f"SR eigenvector {index + 1}")
        axes[N_MODES + index].imshow(modes[:, index].reshape(HEIGHT, WIDTH), **limit)
        axes[N_MODES + index].set_title(f"cosine mode {index + 1}")
    for ax in axes:
        ax.set(xticks=[], yticks=[])
    return figure
