"""``cognax circuits compare``: the rules' accuracy margins on digits, output files, determinism, bad input."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from cognax.circuits import datasets
from cognax.circuits.compare import compare_rules




RULES = "backprop,shallow,feedback_alignment,direct_feedback_alignment,node_perturbation"


def test_rules_on_digits_keep_the_literature_margins(cognax_cli, tmp_path):
    # 64-32-10 tanh MLP, Adam 1e-3, 20 epochs, one seed. Measured: backprop 0.976, shallow 0.880,
    # FA 0.960, DFA 0.964, node perturbation 0.907 (0.449 test digits: one image = 0.22 points).
    code, out, err = cognax_cli("circuits", "compare", "--dataset", "digits", "--rules", RULES,
                            "--hidden", "32", "--epochs", 20, "--out", tmp_path)
    assert code == 0, err
    assert {p.name for p in tmp_path.iterdir()} == {"results.csv", "learning_curves.csv", "learning_curves.png"}
    results = pd.read_csv(tmp_path / "results.csv").set_index("rule")
    assert list(results.index) == RULES.split(",")
    assert {"test_accuracy", "train_seconds", "seconds_per_epoch", "network"} <= set(results.columns)
    accuracy = results.test_accuracy
    # backprop and FA clearly beat the last layer alone (Lillicrap et al. 2016): margins of 4 points
    assert accuracy.backprop - accuracy.shallow > 0.04
    assert accuracy.feedback_alignment - accuracy.shallow > 0.04
    # FA and DFA within a few (3) points of backprop
    assert accuracy.backprop - accuracy.feedback_alignment < 0.03
    assert accuracy.backprop - accuracy.direct_feedback_alignment < 0.03
    # node perturbation learns (chance is 0.1) but more slowly than backprop
    curves = pd.read_csv(tmp_path / "learning_curves.csv")
    assert accuracy.node_perturbation > 0.6
    early = curves[curves.epoch == 2].set_index("rule").test_accuracy
    assert early.backprop - early.node_perturbation > 0.03
    assert len(curves) == 5 * 21 and (results.train_seconds > 0).all()


def test_same_seed_same_learning_curves():
    runs = [compare_rules("digits", ["feedback_alignment"], hidden=(16,), epochs=2, seed=seed, max_train=300)[1]
            for seed in (1, 1, 2)]
    numbers = [run.drop(columns="seconds") for run in runs]
    pd.testing.assert_frame_equal(numbers[0], numbers[1])
    assert not numbers[0].equals(numbers[2])


def test_datasets_ship_inside_packages():
    for name in datasets.NAMES:
        data = datasets.load(name)
        assert data.n_classes == 10 and data.x_train.dtype == np.float32
        assert np.all(np.isfinite(data.x_train)) and set(np.unique(data.y_test)) == set(range(10))
        assert abs(float(data.x_train.std()) - 1.0) < 1e-3  # scaled by the training set's overall sd
    assert datasets.load("mnist5k").x_train.shape == (4000, 784)
    assert datasets.load("mnist1d").x_train.shape == (4000, 40)
    assert datasets.load("digits").x_train.shape == (1348, 64)


def test_mnist1d_leaves_numpys_global_generator_alone():
    np.random.seed(11)
    expected = np.random.rand()
    np.random.seed(11)
    datasets.load("mnist1d")
    assert np.random.rand() == expected


def _npz(path, **changes):
    rng = np.random.default_rng(0)
    arrays = dict(x_train=rng.normal(size=(40, 5)), y_train=rng.integers(0, 3, 40), x_test=rng.normal(size=(10, 5)),
                  y_test=rng.integers(0, 3, 10))
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_a_users_npz_file_trains(cognax_cli, tmp_path):
    data = _npz(tmp_path / "mine.npz")
    code, out, err = cognax_cli("circuits", "compare", "--dataset", data, "--rules", "backprop",
                            "--hidden", "8", "--epochs", 1, "--batch-size", 8, "--out", tmp_path / "o")
    assert code == 0, err
    assert pd.read_csv(tmp_path / "o" / "results.csv").dataset.iloc[0] == "mine"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "digits", "--rules", "backprop,fa"], "unknown learning rule 'fa'.*valid: backprop, direct_feedback_alignment"),
        (["--dataset", "mnist", "--rules", "backprop"], "unknown data set 'mnist'.*valid: digits, mnist1d, mnist5k"),
        (["--dataset", "digits", "--rules", "backprop,oja", "--hidden", ""], "rule 'oja' cannot train MLP 64-10.*no hidden layer"),
        (["--dataset", "digits", "--rules", "backprop,backprop"], "repeated"),
        (["--dataset", "digits", "--rules", "backprop", "--hidden", "a,b"], "--hidden expects comma-separated"),
        (["--dataset", "digits", "--rules", "backprop", "--optimizer", "adamw"], "unknown optimizer 'adamw'"),
        (["--dataset", "digits", "--rules", "backprop", "--batch-size", "0"], "batch_size must be an integer in"),
        (["--dataset", "{tmp}/missing.npz", "--rules", "backprop"], "no such file"),
        (["--dataset", "{nan}", "--rules", "backprop"], "x_train must hold finite numbers \\(first at row 3, column 1\\)"),
        (["--dataset", "{float_labels}", "--rules", "backprop"], "y_test must hold integer class labels"),
        (["--dataset", "{no_test}", "--rules", "backprop"], "missing array\\(s\\) x_test"),
        (["--dataset", "{tmp}/mine.npz", "--rules", "backprop", "--optimizer", "sgd", "--learning-rate", "1e38"],
         "training with backprop diverged at epoch 1 .*lower the learning rate"),
    ],
)
def test_bad_input_exits_2_with_one_line(cognax_cli, tmp_path, args, message):
    x_nan = np.random.default_rng(1).normal(size=(40, 5))
    x_nan[3, 1] = np.nan
    files = {
        "{tmp}": str(tmp_path),
        "{nan}": str(_npz(tmp_path / "nan.npz", x_train=x_nan)),
        "{float_labels}": str(_npz(tmp_path / "float.npz", y_test=np.full(10, 0.5))),
        "{no_test}": str(_npz(tmp_path / "no_test.npz", x_test=None)),
    }
    _npz(tmp_path / "mine.npz")
    args = [files.get(a, a.replace("{tmp}", str(tmp_path))) for a in args]
    code, _, err = cognax_cli("circuits", "compare", *args, "--epochs", 1, "--out", tmp_path / "out")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    import re

    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_rules_listing(cognax_cli):
    code, out, _ = cognax_cli("circuits", "rules")
    assert code == 0 and "predictive_coding" in out and "mnist1d" in out
