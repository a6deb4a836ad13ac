"""`cognax train` and `cognax evaluate`: outputs, same seed same bytes, bad input exits 2."""

import json

import numpy as np
import pandas as pd
import pytest

from cognax.agents.evaluate import load_hidden, regret_from_table
from cognax.data.validate import validate_table
from cognax.tasks import make as make_task




CONFIG = """\
task = "bandit"
hidden_size = 8
n_envs = 4
rollout_length = 5

[task_options]
n_trials = 10
"""


def test_train_then_evaluate(cognax_cli, tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text(CONFIG)
    code, out, err = cognax_cli("train", "--config", config, "--architecture", "gru",
                         "--episodes", 20, "--seeds", 2, "--out", tmp_path / "run", "--checkpoint-every", 5)
    assert code == 0, err
    folder = tmp_path / "run"
    assert {p.name for p in folder.iterdir()} >= {"config.toml", "checkpoint.npz", "learning_curve.csv",
                                                    "learning_curve.png"}
    assert 'architecture = "gru"' in (folder / "config.toml").read_text()
    curve = pd.read_csv(folder / "learning_curve.csv")
    # 20 episodes of 10 decisions with 4 environments x 5 decisions per update: 10 updates per seed.
    assert len(curve) == 2 * 10 and set(curve["seed"]) == {0, 1}

    code, out, err = cognax_cli("evaluate", folder, "--episodes", 7, "--out", tmp_path / "test")
    assert code == 0, err
    test = tmp_path / "test"
    table = pd.read_csv(test / "trials.csv")
    validate_table(table, make_task("bandit", n_trials=10))
    assert len(table) == 2 * 7 * 10 and set(table["subject"]) == {0, 1} and set(table["session"]) == set(range(7))
    metrics = json.loads((test / "metrics.json").read_text())
    # Regret recomputed from the table alone equals the reported one.
    recomputed = regret_from_table(table).groupby(["subject", "session"])["cumulative_regret"].last().mean()
    assert metrics["regret_at_end"] == pytest.approx(recomputed)
    assert load_hidden(test / "hidden.npz").shape == (2, 7, 10, 8)
    assert (test / "regret.png").is_file()

    # Same seed, same bytes.
    code, _, err = cognax_cli("evaluate", folder, "--episodes", 7, "--out", tmp_path / "again")
    assert code == 0, err
    assert (tmp_path / "again" / "trials.csv").read_bytes() == (test / "trials.csv").read_bytes()
    with np.load(test / "hidden.npz", allow_pickle=False) as archive:
        assert archive["hidden"].dtype == np.float32


@pytest.mark.parametrize("args,message", [
    (["train", "--task", "bandits", "--episodes", "1"], "unknown task 'bandits'"),
    (["train", "--architecture", "transformer"], "unknown architecture 'transformer'; valid: gru, lstm, rnn"),
    (["train", "--objective", "ppo"], "unknown objective 'ppo'"),
    (["train", "--objective", "supervised"], "objective 'supervised' needs a task that defines a correct action"),
    (["train", "--hidden", "0"], "hidden_size must be an integer >= 1; got 0"),
    (["train", "--episodes", "0"], "--episodes must be an integer >= 1"),
    (["train", "--seeds", "-1"], "--seeds must be an integer >= 1"),
])
def test_bad_train_input_exits_2(cognax_cli, tmp_path, args, message):
    code, _, err = cognax_cli(*args, "--out", tmp_path / "run")
    assert code == 2
    assert message in " ".join(err.split())
    assert not (tmp_path / "run").exists()   # nothing half-written


def test_bad_config_file_and_run_folder_exit_2(cognax_cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("hidden = 8\n")
    code, _, err = cognax_cli("train", "--config", bad, "--out", tmp_path / "run")
    assert code == 2 and "unknown config file 'bad.toml' key 'hidden'" in " ".join(err.split())
    code, _, err = cognax_cli("evaluate", tmp_path, "--out", tmp_path / "test")
    assert code == 2 and "not a training run folder: config.toml is missing" in " ".join(err.split())
    (tmp_path / "config.toml").write_text(CONFIG)
    (tmp_path / "checkpoint.npz").write_bytes(b"not a checkpoint")
    code, _, err = cognax_cli("evaluate", tmp_path, "--out", tmp_path / "test")
    assert code == 2 and "corrupt" in err
    assert not (tmp_path / "test").exists()
