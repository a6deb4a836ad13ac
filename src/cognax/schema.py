"""Column specifications of the trial table (shared by tasks, readers and validation)."""

from __future__ import annotations

import dataclasses
import math
from typing import Literal


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the trial table.

    Attributes:
        name: canonical column name (``choice``, ``reward``, ``state`` ...).
        kind: ``"int"``, ``"float"``, ``"bool"`` or ``"id"`` (any hashable label).
        low, high: allowed range, ``low <= x < high`` for ints, ``low <= x <= high`` for floats.
        required: whether a table for the task must have the column.
        description: one line for documentation and error messages.
    """

    name: str
    kind: Literal["int", "float", "bool", "id"]
    low: float = -math.inf
    high: float = math.inf
    required: bool = True
    description: str = ""

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.kind == "bool":
            return "true/false (or 0/1)"
        if self.kind == "id":
            return "any label"
        if self.kind == "int":
            if math.isfinite(self.low) and math.isfinite(self.high):
                return f"integers in [{self.low:g}, {self.high:g})"
            if math.isfinite(self.low):
                return f"integers >= {self.low:g}"
            return "integers"
        if math.isfinite(self.low) and math.isfinite(self.high):
            return f"numbers in [{self.low:g}, {self.high:g}]"
        if math.isfinite(self.low):
            return f"numbers >= {self.low:g}"
        return "finite numbers"


SUBJECT = Column("subject", "id", description="subject (person, animal or agent seed)")
SESSION = Column("session", "id", required=False, description="session or episode")
BLOCK = Column("block", "int", low=0, required=False, description="block within a session")
TRIAL = Column("trial", "int", low=0, description="trial index within the session")
VALID = Column("valid", "bool", required=False, description="false: the trial is left out of fits")
