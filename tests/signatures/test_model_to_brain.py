"""Encoding regression, RSA and decoding: planted effects are found, null data hold the
nominal false-positive rate.

Null-rate tolerances are binomial: with N independent null tests at level 0.05 the
count of p <= 0.05 is Binomial(N, 0.05) (permutation p-values with 199 or 99
permutations are exactly uniform on their grid, so P(p <= 0.05) = 0.05); we allow up to
its 99.9% quantile, so a correct test fails this check once in a thousand seeds.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from cognax.errors import CognaxError
from cognax.signatures.decoding import decode, decode_over_time
from cognax.signatures.regression import (
    align_to_events,
    bin_spikes,
    encoding_regression,
    fraction_significant,
)
from cognax.signatures.rsa import compare_rdms, condition_labels, neural_rdm, noise_ceiling, rsa


def null_bound(n_tests: int, level: float = 0.05) -> int:
    return int(binom.ppf(0.999, n_tests, level))


def latents(n_trials, rng):
    rpe = rng.normal(size=n_trials)
    # a correlated second latent, as values and prediction errors usually are
    value = 0.6 * rpe + 0.8 * rng.normal(size=n_trials)
    return pd.DataFrame({"rpe": rpe, "value_chosen": value})


# ----------------------------------------------------------------------------- regression
def test_regression_recovers_planted_units_and_controls_fdr():
    rng = np.random.default_rng(0)
    table = latents(160, rng)
    activity = rng.normal(size=(160, 200))
    activity[:, :40] += 0.5 * table["rpe"].to_numpy()[:, None]  # 40 RPE units
    activity[:, 40:60] -= 0.5 * table["value_chosen"].to_numpy()[:, None]  # 20 value units
    result = encoding_regression(activity, table, ["rpe", "value_chosen"], n_permutations=199, seed=1)
    rpe = result[result["regressor"] == "rpe"].set_index("unit")
    value = result[result["regressor"] == "value_chosen"].set_index("unit")
    # power: t is about 0.5 sqrt(160) * sd(rpe | value) = 5; every planted unit should pass.
    assert rpe.loc[:39, "significant"].all() and value.loc[40:59, "significant"].all()
    assert (value.loc[40:59, "coefficient"] < 0).all()
    # the 160 RPE-null units: false positives at the permutation level 0.05 stay binomial.
    assert (rpe.loc[40:, "p_permutation"] <= 0.05).sum() <= null_bound(160)
    # a value unit is not an RPE unit, despite the latents' correlation of 0.6 (Freedman-Lane).
    assert (rpe.loc[40:59, "p_permutation"] <= 0.05).sum() <= null_bound(20)
    assert fraction_significant(result, "rpe") == pytest.approx(40 / 200, abs=8 / 200)


def test_regression_null_units_hold_the_nominal_rate():
    rng = np.random.default_rng(1)
    table = latents(120, rng)
    activity = rng.normal(size=(120, 200))
    result = encoding_regression(activity, table, ["rpe", "value_chosen"], n_permutations=199, seed=2)
    for column in ("p_permutation", "p_parametric"):
        assert (result.loc[result["regressor"] == "rpe", column] <= 0.05).sum() <= null_bound(200)
    # Benjamini-Hochberg on null data: a discovery at all happens with probability <= 0.05.
    assert result["significant"].sum() <= 2


def test_time_resolved_regression_finds_the_planted_bins():
    rng = np.random.default_rng(2)
    table = latents(150, rng)
    activity = rng.normal(size=(150, 30, 6))
    activity[:, :10, 3] += 0.6 * table["rpe"].to_numpy()[:, None]  # only after the event, bin 3
    result = encoding_regression(activity, table, ["rpe"], n_permutations=999, seed=0, times=[-3, -2, -1, 0, 1, 2])
    planted = result[(result["unit"] < 10) & (result["time"] == 0)]
    others = result[~((result["unit"] < 10) & (result["time"] == 0))]
    assert planted["significant"].all()
    assert (others["p_permutation"] <= 0.05).sum() <= null_bound(len(others))


def test_poisson_regression_on_spike_counts():
    rng = np.random.default_rng(10)
    rpe = rng.normal(size=150)
    rates = np.full((150, 120), np.e)
    rates[:, :30] *= np.exp(0.4 * rpe)[:, None]  # 30 units with log-rate slope 0.4 per SD
    counts = rng.poisson(rates)
    result = encoding_regression(counts, rpe[:, None], ["rpe"], n_permutations=199, seed=3, family="poisson")
    assert result["significant"][:30].all()
    # the slope is recovered on the log scale: the mean over 30 units has SD about 0.01
    assert result["coefficient"][:30].mean() == pytest.approx(0.4, abs=0.05)
    for column in ("p_permutation", "p_parametric"):
        assert (result[column][30:] <= 0.05).sum() <= null_bound(90)
    with pytest.raises(CognaxError, match="non-negative counts"):
        encoding_regression(-counts, rpe[:, None], ["rpe"], family="poisson")
    with pytest.raises(CognaxError, match="unknown regression family"):
        encoding_regression(counts, rpe[:, None], ["rpe"], family="binomial")


def test_regression_bad_inputs():
    rng = np.random.default_rng(3)
    table = latents(50, rng)
    with pytest.raises(CognaxError, match="50"):
        encoding_regression(rng.normal(size=(49, 4)), table, ["rpe"])
    nan_activity = rng.normal(size=(50, 4))
    nan_activity[7, 2] = np.nan
    with pytest.raises(CognaxError, match="NaN"):
        encoding_regression(nan_activity, table, ["rpe"])
    with pytest.raises(CognaxError, match="unknown latent/regressor 'rpee'"):
        encoding_regression(rng.normal(size=(50, 4)), table, ["rpee"])
    with pytest.raises(CognaxError, match="collinear"):
        encoding_regression(rng.normal(size=(50, 4)), table.assign(copy=2 * table["rpe"]), ["rpe", "copy"])


def test_alignment_of_spikes_and_continuous_signals():
    spikes = [np.array([0.05, 0.15, 1.02, 1.07]), np.array([2.5])]
    counts = bin_spikes(spikes, [0.0, 1.0], window=(0.0, 0.2), n_bins=2)
    np.testing.assert_array_equal(counts[:, 0], [[1, 1], [2, 0]])
    assert counts.sum() == 4
    times = np.arange(0, 3, 0.1)
    signal = np.vstack([times, -times])
    aligned = align_to_events(signal, times, [1.0, 2.0], window=(0.0, 0.2), n_bins=2)
    assert aligned.shape == (2, 2, 2)
    np.testing.assert_allclose(aligned[0, 0], [1.0, 1.1], atol=1e-9)
    with pytest.raises(CognaxError, match="no samples"):
        align_to_events(signal, times, [2.95], window=(0.0, 0.5), n_bins=2)


# ----------------------------------------------------------------------------- RSA
def planted_rsa_data(rng, n_trials=240, n_units=30, strength=0.6):
    table = latents(n_trials, rng)
    weights = rng.normal(size=(1, n_units))
    activity = strength * table[["rpe"]].to_numpy() @ weights + rng.normal(size=(n_trials, n_units))
    return table, activity, condition_labels(table["rpe"], 6)


def test_rsa_finds_the_planted_geometry_with_every_distance():
    rng = np.random.default_rng(4)
    table, activity, conditions = planted_rsa_data(rng)
    folds = np.arange(len(table)) % 3
    for distance, method in (("euclidean", "spearman"), ("correlation", "pearson"), ("crossnobis", "tau_a")):
        result = rsa(activity, table, conditions, ["rpe"], distance=distance, method=method, n_permutations=99,
                     folds=folds if distance == "crossnobis" else None)
        assert result["p_value"] <= 0.02, distance
        assert result["model_rdm"].shape == (6, 6)
    # the noise ceiling brackets a good model: sessions of the same data agree.
    sessions = [neural_rdm(activity[folds == k], conditions[folds == k]) for k in range(3)]
    lower, upper = noise_ceiling(sessions)
    assert 0 < lower <= upper <= 1
    assert compare_rdms(sessions[0], sessions[1]) > 0.5


def test_rsa_holds_the_nominal_false_positive_rate_on_shuffled_data():
    rng = np.random.default_rng(5)
    n_datasets = 100
    hits = 0
    for index in range(n_datasets):
        table, activity, conditions = planted_rsa_data(rng, n_trials=120, n_units=10)
        shuffled = activity[rng.permutation(len(activity))]
        hits += rsa(shuffled, table, conditions, ["rpe"], n_permutations=99, seed=index)["p_value"] <= 0.05
    assert hits <= null_bound(n_datasets)


def test_rsa_bad_inputs():
    rng = np.random.default_rng(6)
    table, activity, conditions = planted_rsa_data(rng, n_trials=60)
    with pytest.raises(CognaxError, match="unknown latent 'valu'"):
        rsa(activity, table, conditions, ["valu"])
    with pytest.raises(CognaxError, match="folds"):
        rsa(activity, table, conditions, ["rpe"], distance="crossnobis")
    with pytest.raises(CognaxError, match="unknown RDM distance"):
        rsa(activity, table, conditions, ["rpe"], distance="cityblock")
    with pytest.raises(CognaxError, match="at least 3 conditions"):
        rsa(activity, table, np.arange(60) % 2, ["rpe"])


# ----------------------------------------------------------------------------- decoding
def test_decoding_recovers_planted_latents_and_classes():
    rng = np.random.default_rng(7)
    n, units = 240, 30
    rpe, choice = rng.normal(size=n), rng.integers(0, 3, n)
    activity = rng.normal(size=(n, units))
    activity[:, :8] += 0.5 * rpe[:, None]
    activity[:, 8:11] += 1.0 * np.eye(3)[choice]
    continuous = decode(activity, rpe, n_permutations=99)
    categorical = decode(activity, choice, n_permutations=99)
    assert continuous["kind"] == "continuous" and continuous["score"] > 0.5 and continuous["p_value"] <= 0.02
    assert categorical["kind"] == "categorical" and categorical["score"] > 0.55 and categorical["p_value"] <= 0.02
    over_time = decode_over_time(np.stack([rng.normal(size=(n, units)), activity], axis=2), rpe, n_permutations=49)
    assert over_time.loc[1, "p_value"] <= 0.05 and over_time.loc[1, "score"] > over_time.loc[0, "score"]


def test_decoding_holds_the_nominal_false_positive_rate():
    rng = np.random.default_rng(8)
    n_datasets, hits_continuous, hits_categorical = 100, 0, 0
    for index in range(n_datasets):
        activity = rng.normal(size=(80, 12))
        hits_continuous += decode(activity, rng.normal(size=80), n_permutations=99, seed=index)["p_value"] <= 0.05
        if index < 40:
            labels = rng.integers(0, 2, 80)
            hits_categorical += decode(activity, labels, n_permutations=99, seed=index)["p_value"] <= 0.05
    assert hits_continuous <= null_bound(n_datasets)
    assert hits_categorical <= null_bound(40)


def test_decoding_bad_inputs():
    rng = np.random.default_rng(9)
    with pytest.raises(CognaxError, match="one value per trial"):
        decode(rng.normal(size=(40, 5)), rng.normal(size=39))
    with pytest.raises(CognaxError, match="n_folds"):
        decode(rng.normal(size=(40, 5)), rng.normal(size=40), n_folds=1)
    with pytest.raises(CognaxError, match="unknown decoding kind"):
        decode(rng.normal(size=(40, 5)), rng.normal(size=40), kind="nonlinear")
