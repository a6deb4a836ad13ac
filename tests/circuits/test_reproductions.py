"""Every circuits reproduction passes its checks at CI size, writes its files, and is deterministic.

Tolerances are those stated in each check (see cognax.circuits.experiments); the quick
sizes were chosen so that each check holds with a wide margin at every seed we tried.
"""

from __future__ import annotations

import json
import sys

import pytest

from cognax import reproduce
from cognax.cli.main import main

EXPECTED_FILES = {
    "mcculloch_pitts": {"truth_tables.csv", "truth_tables.png"},
    "perceptron": {"perceptron_mistakes.csv", "perceptron.png"},
    "xor_backprop": {"xor_accuracy.csv", "xor_backprop.png"},
    "oja": {"oja_trace.csv", "oja.png"},
    "feedback_alignment": {"feedback_alignment_trace.csv", "feedback_alignment.png"},
    "node_perturbation": {"perturbation_estimates.csv", "node_perturbation.png"},
    "predictive_coding": {"predictive_coding.csv", "predictive_coding.png"},
    "receptive_fields": {"gabor_fits.csv", "receptive_fields.png"},
    "ventral_stream": {"layer_similarities.csv", "ventral_stream.png"},
    "agent_learning_rules": {"agent_regret.csv", "agent_learning_rules.png"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_reproduction_passes_its_checks(name, tmp_path):
    checks = reproduce.run(name, tmp_path, quick=True, seed=0)
    failed = [check for check in checks if not check.passed]
    assert not failed, failed
    assert len(checks) >= 2
    assert {path.name for path in tmp_path.iterdir()} == EXPECTED_FILES[name] | {"checks.json"}
    document = json.loads((tmp_path / "checks.json").read_text())
    assert document["passed"] is True and document["reproduction"] == name


def test_same_seed_same_files(tmp_path):
    for folder, seed in (("a", 3), ("b", 3), ("c", 4)):
        reproduce.run("perceptron", tmp_path / folder, quick=True, seed=seed)
    table = "perceptron_mistakes.csv"
    assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()
    assert (tmp_path / "a" / table).read_bytes() != (tmp_path / "c" / table).read_bytes()


def test_cli_runs_a_circuits_reproduction(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["cognax", "reproduce", "mcculloch_pitts", "--quick", "--out", str(tmp_path)])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr().out
    assert code == 0 and "6/6 checks passed" in out
