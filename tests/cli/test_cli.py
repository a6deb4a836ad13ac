"""The CLI: outputs, determinism, and one-line errors with exit status 2 for bad input."""


import pandas as pd
import pytest





def test_tasks_and_models_list(cognax_cli):
    code, out, _ = cognax_cli("tasks")
    assert code == 0 and "two_step" in out and "rlwm" in out
    code, out, _ = cognax_cli("models")
    assert code == 0 and "daw_hybrid" in out


def test_simulate_is_byte_identical_for_the_same_seed(cognax_cli, tmp_path):
    paths = [tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.parquet"]
    for path in paths:
        code, _, err = cognax_cli("simulate", "two_step", "--model", "random", "--subjects", 3,
                           "--trials", 20, "--seed", 7, "--out", path)
        assert code == 0, err
    assert paths[0].read_bytes() == paths[1].read_bytes()
    table = pd.read_csv(paths[0])
    assert {"subject", "trial", "choice", "choice2", "state", "common", "reward"} <= set(table.columns)
    assert len(table) == 60
    pd.testing.assert_frame_equal(pd.read_parquet(paths[2]), table, check_dtype=False)


def test_simulate_task_and_model_parameters(cognax_cli, tmp_path):
    out = tmp_path / "sim.csv"
    code, _, err = cognax_cli("simulate", "bandit", "--model", "q_learning", "--param", "learning_rate=0.2",
                       "--task-param", "n_arms=3", "--task-param", "p_high=0.5", "--trials", 30, "--out", out)
    assert code == 0, err
    table = pd.read_csv(out)
    assert table.choice.max() <= 2 and table[["p_0", "p_1", "p_2"]].max().max() <= 0.5


@pytest.mark.parametrize(
    "args, message",
    [
        (["simulate", "bandti", "--out", "{tmp}/x.csv"], "unknown task 'bandti'"),
        (["simulate", "bandit", "--model", "qlearning", "--out", "{tmp}/x.csv"], "unknown model 'qlearning'"),
        (["simulate", "bandit", "--param", "alpha=0.1", "--out", "{tmp}/x.csv"], "valid: inverse_temperature, learning_rate"),
        (["simulate", "bandit", "--param", "learning_rate=1.5", "--out", "{tmp}/x.csv"], "must lie in [0, 1]"),
        (["simulate", "bandit", "--param", "learning_rate", "--out", "{tmp}/x.csv"], "expects NAME=VALUE"),
        (["simulate", "bandit", "--subjects", "0", "--out", "{tmp}/x.csv"], "--subjects must be an integer >= 1"),
        (["simulate", "bandit", "--trials", "-3", "--out", "{tmp}/x.csv"], "--trials must be an integer >= 1"),
        (["simulate", "bandit", "--task-param", "n_arms=two", "--out", "{tmp}/x.csv"], "must be an integer"),
        (["simulate", "bandit", "--task-param", "colour=1", "--out", "{tmp}/x.csv"], "unknown task parameter"),
        (["simulate", "two_step", "--model", "q_learning", "--out", "{tmp}/x.csv"], "does not apply to task 'two_step'"),
        (["simulate", "bandit", "--out", "{tmp}/x.txt"], "must end in one of: .csv, .parquet"),
        (["simulate", "bandit", "--out", "{tmp}/missing/x.csv"], "does not exist"),
        (["data", "describe", "nosuchdata"], "no file or bundled data set named 'nosuchdata'"),
        (["data", "describe", "collins_rlwm:4"], "experiment"),
        (["fit", "{tmp}/none.csv", "--task", "bandit", "--model", "q_learning", "--out", "{tmp}/fit"], "no such file"),
        (["fit", "dezfouli2019", "--model", "daw_hybrid", "--out", "{tmp}/fit"], "does not apply to task 'bandit'"),
        (["fit", "dezfouli2019", "--model", "q_learning", "--method", "bayes", "--out", "{tmp}/fit"], "--method must be"),
        (["fit", "dezfouli2019", "--out", "{tmp}/fit"], "give at least one --model"),
        (["fit", "dezfouli2019", "--model", "q_learning", "--starts", "0", "--out", "{tmp}/fit"], "--starts must be"),
        (["recover", "--task", "bandit", "--out", "{tmp}/rec"], "give either --model"),
        (["recover", "--task", "bandit", "--models", "q_learning,nosuch", "--out", "{tmp}/rec"], "unknown model 'nosuch'"),
        (["analyze", "dezfouli2019", "--starts", "0", "--out", "{tmp}/an"], "--starts must be"),
    ],
)
def test_bad_input_exits_2_with_one_line(cognax_cli, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = cognax_cli(*args)
    assert code == 2, (out, err)
    assert message in " ".join(err.split()), err
    assert "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_bad_data_file_is_named_with_its_row(cognax_cli, tmp_path):
    data = tmp_path / "data.csv"
    pd.DataFrame({"subject": [1, 1, 1], "trial": [0, 1, 2], "choice": [0, 1, 5], "reward": [1, 0, 1]}).to_csv(data, index=False)
    code, _, err = cognax_cli("fit", data, "--task", "bandit", "--model", "q_learning", "--out", tmp_path / "fit")
    assert code == 2
    assert "choice" in err and "row 3" in err
    assert not (tmp_path / "fit" / "params.csv").exists()


def test_unknown_option_exits_2(cognax_cli, tmp_path):
    code, _, err = cognax_cli("simulate", "bandit", "--out", tmp_path / "x.csv", "--bogus", "1")
    assert code == 2 and "No such option" in err


def test_fit_writes_params_and_comparison(cognax_cli, tmp_path):
    data = tmp_path / "sim.csv"
    assert cognax_cli("simulate", "bandit", "--subjects", 4, "--trials", 60, "--out", data)[0] == 0
    out = tmp_path / "fit"
    code, stdout, err = cognax_cli("fit", data, "--task", "bandit", "--model", "q_learning",
                            "--model", "wsls", "--starts", 2, "--cv", 2, "--out", out)
    assert code == 0, err
    params = pd.read_csv(out / "params.csv")
    assert list(params.columns[:4]) == ["subject", "model", "learning_rate", "inverse_temperature"]
    assert {"nll", "aic", "bic", "n_trials", "converged"} <= set(params.columns)
    comparison = pd.read_csv(out / "comparison.csv")
    assert list(comparison.columns) == ["model", "n_params", "nll", "aic", "bic", "n_best", "exceedance_prob",
                                        "protected_exceedance_prob", "cv_normalized_likelihood"]
    assert (out / "comparison.png").stat().st_size > 0


def test_recover_writes_tables(cognax_cli, tmp_path):
    out = tmp_path / "rec"
    code, _, err = cognax_cli("recover", "--task", "bandit", "--model", "q_learning", "--subjects", 6,
                       "--trials", 50, "--starts", 2, "--out", out)
    assert code == 0, err
    assert list(pd.read_csv(out / "parameter_recovery.csv").columns) == ["parameter", "pearson_r", "bias", "rmse"]
    code, _, err = cognax_cli("recover", "--task", "bandit", "--models", "q_learning,bias",
                       "--subjects", 4, "--trials", 50, "--starts", 2, "--out", out)
    assert code == 0, err
    confusion = pd.read_csv(out / "model_recovery.csv")
    assert confusion.shape == (2, 3)


def test_analyze_main_job_on_a_subset(cognax_cli, tmp_path):
    """The README's main job, on 6 people (2 per diagnostic group) to fit CI's time."""
    out = tmp_path / "analysis"
    code, stdout, err = cognax_cli("analyze", "dezfouli2019", "--max-subjects", 6, "--starts", 2,
                            "--recovery-subjects", 5, "--out", out)
    assert code == 0, err
    assert "winning model" in stdout
    for name in ("params.csv", "comparison.csv", "group_tests.csv", "parameter_recovery.csv", "comparison.png"):
        assert (out / name).exists(), name
    assert pd.read_csv(out / "params.csv").subject.nunique() == 6


def test_bad_core_count_exits_2_with_one_line():
    import os
    import subprocess
    import sys

    env = {**os.environ, "COGNAX_CPU_DEVICES": "many"}
    run = subprocess.run([sys.executable, "-m", "cognax.cli.main", "tasks"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().count("\n") == 0 and "COGNAX_CPU_DEVICES='many'" in run.stderr, run.stderr
