"""User-facing errors.

Every problem with user input (a file, a column, a name, an option) raises
:class:`CognaxError` with one line that names what is wrong and what is allowed.
The CLI prints that line and exits with status 2, without a traceback.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Iterable


class CognaxError(ValueError):
    """Bad input from the user: the message says what is wrong and what is allowed."""


def unknown_name(kind: str, name: str, valid: Iterable[str]) -> CognaxError:
    """An error for an unknown registry name that lists the valid ones."""
    valid = sorted(valid)
    hint = get_close_matches(name, valid, n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return CognaxError(f"unknown {kind} {name!r}{suggestion}; valid: {', '.join(valid)}")
