"""Hierarchical Bayesian fits: calibration, shrinkage, NUTS vs SVI, LOO/WAIC, files, CLI.

Data are simulated from a known population: each subject's unconstrained parameters
are ``MU_PR + SIGMA * z`` (the fitted model's own hierarchy), 15 subjects x 100 trials
of a two-armed bandit, fitted with 2 chains x 300 warm-up / 300 draws. The three
seeded NUTS fits are shared by the module (one compile, then ~10-15 s each on two CPU
cores).
"""

import warnings

import jax
import numpy as np
import pandas as pd
import pytest

from cognax import models, simulate, tasks
from cognax.data.batch import to_batch
from cognax.errors import CognaxError
from cognax.fitting import (
    Hierarchical,
    compare,
    compare_hierarchical,
    diagnose,
    fit,
    fit_hierarchical,
    information_criteria,
    join_comparisons,
    loo_waic,
    posterior_predictive_check,
    read_posterior,
)
from cognax.fitting.diagnostics import import_arviz
from cognax.fitting.hierarchical import DEFAULT_HIERARCHY, group_priors

N_SUBJECTS, N_TRIALS = 15, 100
#: population on the unconstrained scale: learning rate 0.30, inverse temperature 9.1.
MU_PR = np.array([-0.85, -1.5])
SIGMA = np.array([0.2, 0.2])
SEEDS = (0, 1, 2)
SAMPLER = {"chains": 2, "warmup": 300, "samples": 300}


@pytest.fixture(scope="module")
def model():
    return models.make("q_learning")


@pytest.fixture(scope="module")
def task():
    return tasks.make("bandit", n_trials=N_TRIALS)


def _population(model, task, seed):
    z = np.random.default_rng(seed).normal(size=(N_SUBJECTS, model.n_params))
    truth = {k: np.asarray(v) for k, v in model.constrain(MU_PR + SIGMA * z).items()}
    return simulate(jax.random.key(100 + seed), model, task, truth, n_subjects=N_SUBJECTS)


@pytest.fixture(scope="module")
def fits(model, task):
    """seed -> (table, batch, NUTS result)."""
    out = {}
    for seed in SEEDS:
        table = _population(model, task, seed)
        batch = to_batch(table, task)
        out[seed] = (table, batch, fit_hierarchical(model, batch, jax.random.key(seed), **SAMPLER))
    return out


@pytest.fixture(scope="module")
def mle_fit(fits, model):
    return fit(model, fits[0][1], jax.random.key(0), n_starts=3, standard_errors=False)


def test_group_intervals_cover_the_true_population(fits, model):
    # A calibrated 90% interval misses 10% of the time, so over 3 seeds x 2 parameters
    # about 0.6 misses are expected; we allow one (P(two or more) ~ 11% if calibrated).
    covered = []
    for seed, (_, _, result) in fits.items():
        group = result.group_summary(hdi_prob=0.9).set_index("parameter")
        for parameter, mu in zip(model.parameters, MU_PR):
            true = float(parameter.constrain(mu))
            row = group.loc[f"mu_{parameter.name}"]
            covered.append(bool(row.hdi_low <= true <= row.hdi_high))
    assert sum(covered) >= len(covered) - 1, covered


def test_subject_estimates_shrink_towards_the_group(fits, model, mle_fit):
    # Partial pooling pulls subjects towards the group: with 100 trials each the spread of
    # posterior means is far below that of per-subject MLEs (ratios ~0.1 and ~0.01 here).
    posterior_means = fits[0][2].subject_summary()
    for name in model.parameter_names:
        assert posterior_means[name].std() < 0.8 * np.std(mle_fit.params[name], ddof=1), name


def test_nuts_and_svi_agree_on_group_means(fits, model, task):
    table, _, nuts = fits[0]
    svi = Hierarchical(model, method="svi", samples=600, seed=0).fit(table, task=task)
    nuts_group = nuts.group_summary().set_index("parameter")
    svi_group = svi.summary_.set_index("parameter")
    # Mean-field SVI recovers posterior means well (spreads less so): within half a NUTS
    # posterior standard deviation.
    for name in model.parameter_names:
        row = f"mu_{name}"
        assert abs(svi_group.loc[row, "mean"] - nuts_group.loc[row, "mean"]) < 0.5 * nuts_group.loc[row, "sd"], row
    assert svi.idata_.posterior.sizes["chain"] == 1 and svi.idata_.posterior.sizes["draw"] == 600
    assert any("variational" in m for m in svi.diagnostics_.messages)
    assert list(svi.subjects_["subject"]) == list(range(N_SUBJECTS))


def test_inference_data_layout(fits, model):
    _, batch, result = fits[0]
    posterior = result.idata.posterior
    assert posterior["mu_pr"].dims == ("chain", "draw", "parameter")
    assert posterior["learning_rate"].shape == (2, 300, N_SUBJECTS)
    assert float(posterior["inverse_temperature"].min()) >= 0 and float(posterior["inverse_temperature"].max()) <= 50
    mu = posterior["mu_learning_rate"].values
    np.testing.assert_allclose(mu, model.parameters[0].constrain(posterior["mu_pr"].sel(parameter="learning_rate").values))
    ll = result.idata.log_likelihood
    assert ll["trial_ll"].dims == ("chain", "draw", "subject", "trial")
    np.testing.assert_allclose(np.nansum(ll["trial_ll"].values, -1), ll["subject_ll"].values)
    assert set(result.idata.sample_stats.data_vars) >= {"diverging", "tree_depth", "energy", "lp"}
    group = result.group_summary()
    assert list(group.columns) == ["parameter", "mean", "sd", "hdi_low", "hdi_high", "r_hat", "ess_bulk"]
    assert len(group) == 3 * model.n_params


def test_trial_ll_is_nan_on_masked_trials(model, task):
    from cognax.fitting.hierarchical import _inference_data

    table = _population(model, task, 3).iloc[: N_TRIALS * 2 + 60].copy()  # two full subjects and 60 trials
    table["valid"] = True
    table.loc[5, "valid"] = False
    batch = to_batch(table, task)
    rng = np.random.default_rng(0)
    draws = {f"{kind}_{name}": rng.normal(size=(1, 4)) ** 2 for kind in ("mu_pr", "sigma") for name in model.parameter_names}
    draws["z"] = rng.normal(size=(1, 4, 3, model.n_params))
    idata = _inference_data(model, {}, batch, draws, {}, {"method": "nuts"})
    real = ~np.isnan(idata.log_likelihood["trial_ll"].values)
    assert (real == np.asarray(batch.fit_mask)).all()
    assert real[0, 0].sum() == 2 * N_TRIALS + 60 - 1


def _arviz_quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


def test_loo_and_waic_match_arviz(fits):
    import xarray as xr

    az = import_arviz()
    _, batch, result = fits[0]
    ours = loo_waic(result.idata, "subject")
    loo = _arviz_quietly(az.loo, result.idata, var_name="subject_ll")
    waic = _arviz_quietly(az.waic, result.idata, var_name="subject_ll")
    assert ours["looic"] == pytest.approx(-2 * loo["elpd_loo"], rel=1e-10)
    assert ours["looic_se"] == pytest.approx(2 * loo["se"], rel=1e-10)
    assert ours["waic"] == pytest.approx(-2 * waic["elpd_waic"], rel=1e-10)
    assert ours["n_pareto_k_gt_0.7"] == int((np.asarray(loo["pareto_k"]) > 0.7).sum())

    trial_ll = result.idata.log_likelihood["trial_ll"].values[:, :, np.asarray(batch.fit_mask)]
    direct = az.InferenceData(posterior=result.idata.posterior,
                              log_likelihood=xr.Dataset({"ll": (("chain", "draw", "obs"), trial_ll)}))
    ours = loo_waic(result.idata, "trial")
    assert ours["n_observations"] == N_SUBJECTS * N_TRIALS
    assert ours["looic"] == pytest.approx(-2 * _arviz_quietly(az.loo, direct)["elpd_loo"], rel=1e-10)
    assert ours["waic"] == pytest.approx(-2 * _arviz_quietly(az.waic, direct)["elpd_waic"], rel=1e-10)


def test_information_criteria_tables(fits, mle_fit):
    result = fits[0][2]
    ic = information_criteria(result.idata)
    assert list(ic["observations"]) == ["subject", "trial"]
    assert {"looic", "looic_se", "waic", "p_loo", "n_pareto_k_gt_0.7"} <= set(ic.columns)
    hierarchical = compare_hierarchical({"q_learning": result})
    mle = compare([mle_fit])
    joined = join_comparisons(hierarchical, mle)
    assert len(joined) == 1 and {"looic", "bic", "n_params"} <= set(joined.columns)


def test_diagnostics_of_a_fit_and_of_bad_chains(fits):
    report = diagnose(fits[0][2].idata)
    assert list(report.table["check"]) == ["r_hat", "ess_bulk", "ess_tail", "divergences", "tree_depth_saturation", "e_bfmi"]
    assert report.table.loc[report.table["check"] == "divergences", "value"].item() == 0
    assert "convergence diagnostics" in report.to_text()

    az = import_arviz()
    rng = np.random.default_rng(0)
    stuck = np.stack([rng.normal(0, 1, 200), rng.normal(3, 1, 200)])
    diverging = np.zeros((2, 200), dtype=bool)
    diverging[0, :5] = True
    idata = az.from_dict(posterior={"mu": stuck}, sample_stats={
        "diverging": diverging, "tree_depth": np.full((2, 200), 10), "energy": rng.normal(size=(2, 200)).cumsum(1)})
    messages = " ".join(diagnose(idata).messages)
    for expected in ("R-hat", "chains disagree", "5 of 400 transitions", "target_accept", "maximum tree depth",
                     "E-BFMI", "effective sample size"):
        assert expected in messages


def test_posterior_predictive_check(fits, task, tmp_path):
    table, _, result = fits[0]
    check = posterior_predictive_check(result, table, task, jax.random.key(0), n_draws=8)
    assert check.kind == "lagged_regression" and len(check.simulated) == 8
    summary = check.table()
    assert {"observed", "simulated_mean", "simulated_low", "simulated_high"} <= set(summary.columns)
    assert (summary["simulated_low"] <= summary["simulated_high"]).all()
    assert check.plot(tmp_path / "ppc.png")[0].exists()


def test_netcdf_round_trip(fits, tmp_path):
    result = fits[0][2]
    path = result.to_netcdf(tmp_path / "posterior.nc")
    back = read_posterior(path)
    assert [p.name for p in tmp_path.iterdir()] == ["posterior.nc"]  # no temporary file left behind
    for name in result.idata.posterior.data_vars:
        np.testing.assert_array_equal(back.posterior[name].values, result.idata.posterior[name].values)
    np.testing.assert_array_equal(back.log_likelihood["trial_ll"].values, result.idata.log_likelihood["trial_ll"].values)
    assert back.posterior.attrs["method"] == "nuts" and back.posterior.attrs["model"] == "q_learning"
    with pytest.raises(CognaxError, match="no such file"):
        read_posterior(tmp_path / "missing.nc")


def test_bad_input_raises_clear_errors(model, task):
    table = _population(model, task, 0).iloc[: 2 * N_TRIALS]
    batch = to_batch(table, task)
    with pytest.raises(CognaxError, match="at least two subjects.*MAP"):
        fit_hierarchical(model, batch.subset([0]), jax.random.key(0))
    broken = batch.replace(columns={**batch.columns, "reward": batch.columns["reward"].at[1, 5].set(np.nan)})
    with pytest.raises(CognaxError, match=r"not finite .* for 1 subject\(s\) \(1\)"):
        fit_hierarchical(model, broken, jax.random.key(0))
    with pytest.raises(CognaxError, match="method must be"):
        fit_hierarchical(model, batch, jax.random.key(0), method="advi")

    rlwm_task = tasks.make("rlwm", set_sizes=(2, 3), repetitions=2)
    rlwm = models.make("rlwm")
    rlwm_batch = to_batch(simulate(jax.random.key(0), rlwm, rlwm_task, n_subjects=2), rlwm_task)
    with pytest.raises(CognaxError, match="need continuous parameters.*capacity.*profiles.*fix"):
        fit_hierarchical(rlwm, rlwm_batch, jax.random.key(0))


def test_group_priors_default_declared_and_overridden(model):
    assert group_priors(model) == {n: DEFAULT_HIERARCHY for n in model.parameter_names}

    class Declared(type(model)):
        hierarchical_priors = {"inverse_temperature": ("normal", (0, 10), "halfcauchy", (1,))}

    declared = Declared()
    priors = group_priors(declared, {"learning_rate": ("normal", (0, 2), "halfnormal", (0.5,))})
    assert priors["inverse_temperature"] == ("normal", (0.0, 10.0), "halfcauchy", (1.0,))
    assert priors["learning_rate"] == ("normal", (0.0, 2.0), "halfnormal", (0.5,))
    with pytest.raises(CognaxError, match="unknown parameter in priors 'alpha'"):
        group_priors(model, {"alpha": DEFAULT_HIERARCHY})
    with pytest.raises(CognaxError, match="sigma prior for 'learning_rate' must be one of"):
        group_priors(model, {"learning_rate": ("normal", (0, 1), "normal", (0, 1))})
    with pytest.raises(CognaxError, match="bad distribution arguments"):
        group_priors(model, {"learning_rate": ("normal", (0, -1), "halfnormal", (1,))})




def test_cli_hierarchical_writes_every_file(cognax_cli, monkeypatch, tmp_path, model):
    monkeypatch.setenv("COGNAX_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data.csv"
    simulate(jax.random.key(0), model, tasks.make("bandit", n_trials=30), n_subjects=3).to_csv(data, index=False)
    out = tmp_path / "fit"
    code, stdout, err = cognax_cli("fit", data, "--task", "bandit", "--model", "q_learning",
                             "--method", "hierarchical", "--chains", 2, "--warmup", 40, "--samples", 40, "--out", out)
    assert code == 0, err
    for name in ("posterior.nc", "group.csv", "subjects.csv", "ic.csv", "diagnostics.txt", "ppc.csv", "ppc.png"):
        assert (out / name).exists(), name
    assert len(pd.read_csv(out / "subjects.csv")) == 3
    assert list(pd.read_csv(out / "ic.csv")["observations"]) == ["subject", "trial"]
    assert "mu_learning_rate" in stdout

    hbayesdm = tmp_path / "hbayesdm.txt"
    pd.DataFrame({"subjID": [1, 1], "choice": [1, 2]}).to_csv(hbayesdm, sep="\t", index=False)
    code, _, err = cognax_cli("fit", hbayesdm, "--format", "hbayesdm", "--task", "bandit",
                        "--model", "q_learning", "--method", "hierarchical", "--out", tmp_path / "h")
    assert code == 2 and "missing hBayesDM column 'outcome'" in err
    code, _, err = cognax_cli("fit", data, "--task", "bandit", "--model", "q_learning",
                        "--method", "hierarchical", "--chains", 0, "--out", tmp_path / "h")
    assert code == 2 and "--chains must be" in err
