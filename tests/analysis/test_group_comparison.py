"""Kruskal-Wallis + Holm-corrected Mann-Whitney across groups."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kruskal, mannwhitneyu

from cognax.analysis import group_comparison, holm, summarise
from cognax.errors import CognaxError


def subjects(shifts, n=12, seed=0):
    rng = np.random.default_rng(seed)
    labels = list(shifts)
    return pd.DataFrame({
        "subject": np.arange(n * len(labels)),
        "group": np.repeat(labels, n),
        "value": rng.normal(size=n * len(labels)) + np.repeat([shifts[g] for g in labels], n),
    })


def test_detects_a_planted_difference():
    frame = subjects({"bipolar": 0.0, "depression": 0.0, "healthy": 2.0})
    result = group_comparison(frame, "value")
    assert list(result.columns) == ["test", "comparison", "group_a", "group_b", "n", "statistic", "p_value",
                                    "p_holm", "effect_size"]
    omnibus = result.iloc[0]
    assert omnibus["test"] == "kruskal_wallis" and omnibus["p_value"] < 0.001 and omnibus["n"] == 36
    assert omnibus["statistic"] == pytest.approx(kruskal(*[g["value"] for _, g in frame.groupby("group")]).statistic)
    pairs = result[result["test"] == "mann_whitney"].set_index("comparison")
    assert list(pairs.index) == ["bipolar vs depression", "bipolar vs healthy", "depression vs healthy"]
    assert pairs.loc["bipolar vs healthy", "p_holm"] < 0.01 and pairs.loc["depression vs healthy", "p_holm"] < 0.01
    assert pairs.loc["bipolar vs depression", "p_holm"] > 0.05
    assert pairs.loc["bipolar vs healthy", "effect_size"] < -0.5  # healthy tends higher
    x, y = (frame.loc[frame["group"] == g, "value"] for g in ("bipolar", "healthy"))
    assert pairs.loc["bipolar vs healthy", "p_value"] == pytest.approx(mannwhitneyu(x, y).pvalue)
    np.testing.assert_allclose(pairs["p_holm"], holm(pairs["p_value"]))


def test_identical_distributions_give_no_difference():
    result = group_comparison(subjects({"a": 0.0, "b": 0.0}, seed=1), "value")
    assert (result["p_value"] > 0.05).all()


def test_holm_by_hand():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_by_runs_separate_families_and_summarise():
    frame = pd.concat([subjects({"a": 0, "b": 1}).assign(cue=c) for c in (0, 1)], ignore_index=True)
    result = group_comparison(frame, "value", by="cue")
    assert list(result["cue"]) == [0, 0, 1, 1]
    with pytest.raises(CognaxError, match="more than one row"):
        group_comparison(frame, "value")
    means = summarise(frame, "value", by="cue", group_column="group")
    assert list(means.columns) == ["group", "cue", "mean", "sem", "n"] and (means["n"] == 12).all()


def test_bad_input_raises():
    frame = subjects({"a": 0, "b": 1}, n=3)
    with pytest.raises(CognaxError, match="at least 2 groups"):
        group_comparison(frame[frame["group"] == "a"], "value")
    with pytest.raises(CognaxError, match="group 'b' has 1 subject"):
        group_comparison(frame.iloc[:4], "value")
    with pytest.raises(CognaxError, match="'condition'"):
        group_comparison(frame, "value", group_column="condition")
    with pytest.raises(CognaxError, match="'score'"):
        group_comparison(frame, "score")
