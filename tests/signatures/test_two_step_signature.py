"""The ``two_step_signature`` reproduction (quick size: 20 subjects per learner)."""

import json

import pandas as pd

from cognax import reproduce


def test_two_step_signature_reproduction(tmp_path):
    checks = reproduce.run("two_step_signature", tmp_path, quick=True, seed=1)
    assert [c.name for c in checks if not c.passed] == []
    assert json.loads((tmp_path / "checks.json").read_text())["passed"]
    regression = pd.read_csv(tmp_path / "stay_regression.csv")
    assert set(regression["learner"]) == {"model-free", "model-based", "hybrid"}
    stay = pd.read_csv(tmp_path / "stay_probabilities.csv")
    assert len(stay) == 3 * 20 * 4
    assert (tmp_path / "stay_probabilities.png").exists()
