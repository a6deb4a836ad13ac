"""Figure and table output shared by the circuits reproductions (private)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cognax.analysis._figure import STYLE, new_figure, save
from cognax.data.io import atomic_write

__all__ = ["STYLE", "new_figure", "save_figure", "write_csv"]


def save_figure(figure, path: Path) -> Path:
    """Write ``figure`` atomically as PNG."""
    save(figure, path, pdf=False, dpi=130)
    return path


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    """Write a table atomically; the same table gives the same bytes."""
    with atomic_write(path, "w") as handle:
        table.to_csv(handle, index=False, lineterminator="\n")
    return path
