"""Reproductions of classic results, each a function returning checks (``cognax reproduce NAME``).

A reproduction is registered in the module of its domain (``_agents``, ``_signatures``,
``_circuits``) as a :class:`Reproduction`; :func:`run` stages every file it writes in a
private folder and moves them into the output folder only when it finishes, then writes
``checks.json`` (see :mod:`cognax.reproduce.checks`).

Example:
    >>> from cognax import reproduce
    >>> checks = reproduce.run("td_dopamine", "out/td", quick=True)   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cognax.errors import CognaxError, unknown_name
from cognax.reproduce.checks import Check, above, below, close_to, write_checks

__all__ = ["Check", "Reproduction", "above", "below", "close_to", "describe", "names", "run", "write_checks"]

_DOMAINS = ("cognax.reproduce._agents", "cognax.reproduce._signatures", "cognax.reproduce._circuits")


@dataclass(frozen=True)
class Reproduction:
    """A named reproduction.

    Attributes:
        name: the registry id (``cognax reproduce NAME``).
        description: one line: the result and its paper.
        run: ``run(out, *, quick, seed) -> list[Check]``; writes its figure(s) and tables into
            ``out`` (an existing, empty folder). ``quick`` selects the small CI-sized version.
    """

    name: str
    description: str
    run: Callable[..., list[Check]]


def _registry() -> dict[str, Reproduction]:
    entries: dict[str, Reproduction] = {}
    for module_name in _DOMAINS:
        for entry in importlib.import_module(module_name).REPRODUCTIONS:
            if entry.name in entries:
                raise ValueError(f"reproduction {entry.name!r} is registered twice")
            entries[entry.name] = entry
    return entries


def names() -> list[str]:
    """The registered reproduction ids."""
    return list(_registry())


def describe() -> dict[str, str]:
    """Registry id -> one-line description."""
    return {name: entry.description for name, entry in _registry().items()}


def run(name: str, out: str | os.PathLike, *, quick: bool = False, seed: int = 0) -> list[Check]:
    """Run a reproduction and write its files and ``checks.json`` into ``out``.

    Files appear in ``out`` only when the run finishes: on an error nothing is written.

    Args:
        name: a registered id (see :func:`names`).
        out: output folder (created with its parents if missing).
        quick: the small version used in CI (shorter training, fewer samples).
        seed: the random seed.

    Returns:
        The checks, in order.
    """
    registry = _registry()
    if name not in registry:
        raise unknown_name("reproduction", name, registry)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CognaxError(f"--out {str(out)!r} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out))
    try:
        checks = list(registry[name].run(staging, quick=quick, seed=seed))
        write_checks(staging / "checks.json", name, checks)
        for path in sorted(staging.iterdir()):
            target = out / path.name
            if target.is_dir() and path.is_dir():
                shutil.rmtree(target)
            os.replace(path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return checks
