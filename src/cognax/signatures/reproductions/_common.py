"""What the reproductions share: figure saving and table writing (private)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cognax.analysis._figure import STYLE, new_figure, save
from cognax.data.io import write_table


def save_figure(draw, path: Path) -> Path:
    """Draw a Figure under the package style and write it atomically as PNG."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure = draw()
        save(figure, path, pdf=False, dpi=120)
    return path


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    return write_table(table, path)


__all__ = ["save_figure", "write_csv", "new_figure"]
