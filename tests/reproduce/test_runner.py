"""The reproduction runner: staging, checks.json, errors, CLI exit codes."""

from __future__ import annotations

import json

import pytest

from cognax import reproduce
from cognax.errors import CognaxError
from cognax.reproduce import _agents


def _fake(out, *, quick, seed):
    (out / "trace.csv").write_text(f"seed,{seed}\n")
    return [reproduce.close_to("value", 1.02, 1.0, 0.05), reproduce.below("regret", 3.0, 2.0, "bound")]


def _needs_extra(out, *, quick, seed):
    raise CognaxError("install the extra: pip install 'cognax[neuro]' (array [trial, unit])")


def _broken(out, *, quick, seed):
    (out / "half.csv").write_text("x\n")
    raise RuntimeError("boom")


@pytest.fixture
def fake_registry(monkeypatch):
    entries = [
        reproduce.Reproduction("fake", "a fake result", _fake),
        reproduce.Reproduction("broken", "fails half-way", _broken),
        reproduce.Reproduction("extra", "needs an extra", _needs_extra),
    ]
    monkeypatch.setattr(_agents, "REPRODUCTIONS", _agents.REPRODUCTIONS + entries)


def test_run_writes_checks_and_files(tmp_path, fake_registry):
    checks = reproduce.run("fake", tmp_path / "a" / "b", seed=3)
    assert [c.passed for c in checks] == [True, False]
    document = json.loads((tmp_path / "a" / "b" / "checks.json").read_text())
    assert document["reproduction"] == "fake" and document["passed"] is False
    assert document["checks"][0] == {"name": "value", "expected": 1.0, "obtained": 1.02, "tolerance": 0.05, "passed": True}
    assert document["checks"][1]["expected"] == "< 2 (bound)"
    assert (tmp_path / "a" / "b" / "trace.csv").read_text() == "seed,3\n"
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["checks.json", "trace.csv"]


def test_failed_run_leaves_nothing(tmp_path, fake_registry):
    with pytest.raises(RuntimeError):
        reproduce.run("broken", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_lists_valid(tmp_path, fake_registry):
    with pytest.raises(CognaxError, match="unknown reproduction 'fak'.*did you mean 'fake'"):
        reproduce.run("fak", tmp_path)


def test_cli_exit_codes(tmp_path, fake_registry, cognax_cli):
    cognax = cognax_cli

    code, out, _ = cognax("reproduce", "fake", "--out", tmp_path)
    assert code == 1 and "1/2 checks passed" in out
    code, out, _ = cognax("reproduce")
    assert code == 0 and "fake" in out
    code, _, err = cognax("reproduce", "nope", "--out", tmp_path / "x")
    assert code == 2 and "unknown reproduction 'nope'" in err and not (tmp_path / "x").exists()
    code, _, err = cognax("reproduce", "fake")
    assert code == 2 and "--out is required" in err
    code, _, err = cognax("reproduce", "extra", "--out", tmp_path / "e")
    assert code == 2 and "pip install 'cognax[neuro]' (array [trial, unit])" in err  # brackets are not markup
