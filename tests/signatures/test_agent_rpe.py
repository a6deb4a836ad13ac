"""The agent's units vs model RPEs: alignment of hidden states to outcomes, and the
``agent_rpe`` reproduction (quick: 4,000 training episodes, 40 analysed test episodes)."""

import json

import numpy as np
import pandas as pd
import pytest

from cognax import reproduce
from cognax.errors import CognaxError
from cognax.signatures.agent_units import outcome_activity


def test_outcome_activity_takes_the_next_decisions_state():
    # hidden[seed, episode, decision, unit] = 100 * episode + decision
    hidden = (100 * np.arange(3)[:, None] + np.arange(5)[None, :])[None, :, :, None].astype(float)
    table = pd.DataFrame({"session": np.repeat(np.arange(3), 5), "trial": np.tile(np.arange(5), 3)})
    trials, activity = outcome_activity(table, hidden)
    assert len(trials) == 12 and activity.shape == (12, 1)
    np.testing.assert_array_equal(activity[:, 0], 100 * trials["session"] + trials["trial"] + 1)
    with pytest.raises(CognaxError, match="does not match"):
        outcome_activity(table.assign(trial=table["trial"] + 3), hidden)
    with pytest.raises(CognaxError, match=r"\(seed, episode, decision, unit\)"):
        outcome_activity(table, hidden[0])


def test_agent_rpe_reproduction(tmp_path):
    checks = reproduce.run("agent_rpe", tmp_path, quick=True, seed=0)
    assert [c.name for c in checks if not c.passed] == []
    assert json.loads((tmp_path / "checks.json").read_text())["passed"]
    regression = pd.read_csv(tmp_path / "rpe_regression.csv")
    assert set(regression["regressor"]) == {"rpe", "value_chosen"}
    assert len(pd.read_csv(tmp_path / "null_fractions.csv")) == 19
    assert (tmp_path / "agent_rpe.png").exists()
