"""Figures: each plot writes a non-empty PNG (and PDF) atomically and rejects bad input."""

import sys

import numpy as np
import pandas as pd
import pytest

from cognax import analysis
from cognax.errors import CognaxError

DPI = 40  # small files, fast tests


def _frames(n_replicates=5):
    rng = np.random.default_rng(0)

    def curve():
        return pd.DataFrame({"subject": np.repeat(range(3), 8), "trial": np.tile(range(8), 3),
                             "p_correct": rng.uniform(0.4, 1, 24)})

    def stay():
        cells = pd.MultiIndex.from_product([range(3), ["rewarded", "unrewarded"], ["common", "rare"]],
                                           names=["subject", "previous_reward", "previous_transition"])
        return cells.to_frame(index=False).assign(stay_probability=rng.uniform(0.3, 0.9, 12))

    def lags():
        cells = pd.MultiIndex.from_product([range(3), ["reward", "choice"], range(1, 4)],
                                           names=["subject", "regressor", "lag"]).to_frame(index=False)
        return cells.assign(coefficient=rng.normal(size=18))

    def rlwm():
        cells = pd.MultiIndex.from_product([range(3), [2, 6], range(1, 6)],
                                           names=["subject", "set_size", "iteration"]).to_frame(index=False)
        return cells.assign(p_correct=rng.uniform(0.3, 1, 30))

    makers = {"learning_curve": curve, "stay_probabilities": stay, "lagged_regression": lags, "rlwm_accuracy": rlwm}
    return {kind: (make(), [make() for _ in range(n_replicates)]) for kind, make in makers.items()}


def _check_written(folder, paths, names):
    assert sorted(p.name for p in paths) == sorted(names)
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG" if path.suffix == ".png" else b"%PDF") and len(data) > 1000
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temporary files left


@pytest.mark.parametrize("kind", ["learning_curve", "stay_probabilities", "lagged_regression", "rlwm_accuracy"])
def test_predictive_check_writes_png(tmp_path, kind):
    pyplot_before = "matplotlib.pyplot" in sys.modules
    observed, simulated = _frames()[kind]
    paths = analysis.plot_predictive_check(observed, simulated, kind, path=tmp_path / kind, dpi=DPI)
    _check_written(tmp_path, paths, [f"{kind}.png"])
    assert ("matplotlib.pyplot" in sys.modules) == pyplot_before  # no pyplot, no backend switch


def test_predictive_check_takes_one_frame_with_replicates_and_writes_pdf(tmp_path):
    observed, simulated = _frames()["learning_curve"]
    stacked = pd.concat([f.assign(replicate=i) for i, f in enumerate(simulated)])
    paths = analysis.plot_predictive_check(observed, stacked, "learning_curve", path=tmp_path / "c.png",
                                           pdf=True, dpi=DPI, title="bandit")
    _check_written(tmp_path, paths, ["c.png", "c.pdf"])


def test_parameter_plots_write_png(tmp_path):
    rng = np.random.default_rng(0)
    params = pd.DataFrame({"subject": range(12), "group": np.repeat(["a", "b", "c"], 4),
                           "learning_rate": rng.uniform(size=12), "inverse_temperature": rng.gamma(2, size=12),
                           "nll": rng.uniform(size=12), "converged": True})
    written = analysis.plot_group_parameters(params, "group", path=tmp_path / "groups.png", dpi=DPI)
    estimates = pd.DataFrame({"subject": range(10), "true_alpha": rng.uniform(size=10)})
    estimates["fitted_alpha"] = estimates["true_alpha"] + rng.normal(0, 0.1, 10)
    written += analysis.plot_parameter_recovery(estimates, path=tmp_path / "recovery.png", dpi=DPI)
    written += analysis.plot_parameter_recovery({"alpha": [0.1, 0.5, 0.9]}, {"alpha": [0.2, 0.4, 0.8]},
                                                path=tmp_path / "recovery2.png", dpi=DPI)
    _check_written(tmp_path, written, ["groups.png", "recovery.png", "recovery2.png"])


def test_model_plots_write_png(tmp_path):
    confusion = pd.DataFrame([[0.9, 0.1], [0.2, 0.8]], index=pd.Index(["q", "wsls"], name="generating"),
                             columns=["q", "wsls"])
    written = analysis.plot_confusion(confusion, title="recovery", path=tmp_path / "confusion.png", dpi=DPI)
    written += analysis.plot_confusion(np.eye(3), ["a", "b", "c"], path=tmp_path / "eye.png", dpi=DPI)
    comparison = pd.DataFrame({"model": ["q", "wsls", "random"], "bic": [100.0, 130.0, 400.0],
                               "aic": [95.0, 128.0, 400.0], "protected_exceedance_prob": [0.8, 0.15, 0.05]})
    written += analysis.plot_model_comparison(comparison, path=tmp_path / "models.png", dpi=DPI)
    written += analysis.plot_model_comparison(comparison[["model", "bic"]], path=tmp_path / "bic.png", dpi=DPI)
    _check_written(tmp_path, written, ["confusion.png", "eye.png", "models.png", "bic.png"])


def test_bad_input_raises_and_writes_nothing(tmp_path):
    observed, simulated = _frames(2)["stay_probabilities"]
    with pytest.raises(CognaxError, match="'stay_probability'"):
        analysis.plot_predictive_check(observed.drop(columns="stay_probability"), simulated,
                                       "stay_probabilities", path=tmp_path / "a.png")
    with pytest.raises(CognaxError, match="unknown kind"):
        analysis.plot_predictive_check(observed, simulated, "stay", path=tmp_path / "a.png")
    with pytest.raises(CognaxError, match=".png or .pdf"):
        analysis.plot_predictive_check(observed, simulated, "stay_probabilities", path=tmp_path / "a.jpg")
    with pytest.raises(CognaxError, match="does not exist"):
        analysis.plot_predictive_check(observed, simulated, "stay_probabilities", path=tmp_path / "no" / "a.png")
    with pytest.raises(CognaxError, match="'group'"):
        analysis.plot_group_parameters(pd.DataFrame({"alpha": [1.0]}), path=tmp_path / "g.png")
    with pytest.raises(CognaxError, match="'bic' or 'aic'"):
        analysis.plot_model_comparison(pd.DataFrame({"model": ["q"]}), path=tmp_path / "m.png")
    with pytest.raises(CognaxError, match="'beta'"):
        analysis.plot_parameter_recovery({"beta": [1, 2]}, {"alpha": [1, 2]}, path=tmp_path / "r.png")
    with pytest.raises(CognaxError, match="shape"):
        analysis.plot_confusion(np.eye(2), ["a", "b", "c"], path=tmp_path / "c.png")
    assert list(tmp_path.iterdir()) == []
