"""Reproduction 1 (Wang et al. 2016, independent bandits), CI-sized: trained agent vs random and control."""

import json

import pandas as pd

from cognax import reproduce
from cognax.agents.evaluate import regret_from_table


def test_wang2016_bandit_quick(tmp_path):
    """6,000 training episodes; bounds: regret at trial 100 < 12.5 (3/4 of random's 16.67) and
    4 combined SE below the no-reward-input control, whose regret is 16.67 within 4 SE."""
    checks = reproduce.run("wang2016_bandit", tmp_path, quick=True, seed=0)
    document = json.loads((tmp_path / "checks.json").read_text())
    assert document["passed"], document
    assert [c["name"] for c in document["checks"]] == [c.name for c in checks]
    table = pd.read_csv(tmp_path / "trials.csv")
    assert {"subject", "session", "trial", "choice", "reward", "p_0", "p_1"} <= set(table.columns)
    assert table.groupby("session").size().eq(100).all() and table["session"].nunique() == 300
    # The check's number can be recomputed from the table alone.
    regret = regret_from_table(table).groupby("session")["cumulative_regret"].last().mean()
    assert regret == next(c.obtained for c in checks if c.name == "regret_at_100_vs_random")
    assert (tmp_path / "regret.png").is_file()
