"""A reproduction's checks: name, expected, obtained, tolerance, passed — written as ``checks.json``."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from cognax.data.io import atomic_write


@dataclass(frozen=True)
class Check:
    """One checked claim of a reproduction.

    Attributes:
        name: what is checked, e.g. ``"rpe_at_cue_after_learning"``.
        expected: the claim, as a number or a readable statement (``"< 2.78 (Thompson)"``).
        obtained: the measured value.
        tolerance: the allowed deviation, or a statement of it; ``None`` for exact or one-sided claims.
        passed: whether the obtained value satisfies the claim.
    """

    name: str
    expected: float | str
    obtained: float | str
    tolerance: float | str | None
    passed: bool

    def to_dict(self) -> dict:
        record = asdict(self)
        for key in ("expected", "obtained", "tolerance"):
            if isinstance(record[key], float) and not math.isfinite(record[key]):
                record[key] = str(record[key])
        record["passed"] = bool(record["passed"])
        return record


def close_to(name: str, obtained: float, expected: float, tolerance: float) -> Check:
    """``|obtained - expected| <= tolerance``."""
    obtained = float(obtained)
    return Check(name, float(expected), obtained, float(tolerance), bool(abs(obtained - expected) <= tolerance))


def below(name: str, obtained: float, bound: float, label: str = "") -> Check:
    """``obtained < bound`` (label says what the bound is)."""
    obtained = float(obtained)
    return Check(name, f"< {bound:.6g}{f' ({label})' if label else ''}", obtained, None, bool(obtained < bound))


def above(name: str, obtained: float, bound: float, label: str = "") -> Check:
    """``obtained > bound`` (label says what the bound is)."""
    obtained = float(obtained)
    return Check(name, f"> {bound:.6g}{f' ({label})' if label else ''}", obtained, None, bool(obtained > bound))


def write_checks(path: Path, reproduction: str, checks: Sequence[Check]) -> Path:
    """Write ``checks.json`` atomically: ``{"reproduction", "passed", "checks": [...]}``."""
    document = {
        "reproduction": reproduction,
        "passed": all(check.passed for check in checks),
        "checks": [check.to_dict() for check in checks],
    }
    with atomic_write(path, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    return Path(path)
