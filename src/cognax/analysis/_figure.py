"""Figure plumbing shared by :mod:`cognax.analysis.plots` (private).

Figures are :class:`matplotlib.figure.Figure` objects made directly, never through
pyplot: they need no GUI backend, and the user's interactive backend is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from cognax.errors import CognaxError

STYLE = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,  # editable text in Illustrator/Inkscape
}
DATA_COLOUR, MODEL_COLOUR = "black", "tab:orange"


def new_figure(n_panels: int, panel: tuple[float, float] = (2.6, 2.3), max_columns: int = 4):
    """A Figure with ``n_panels`` axes on a grid; returns ``(figure, axes)``."""
    from matplotlib.figure import Figure

    columns = min(n_panels, max_columns)
    rows = -(-n_panels // columns)
    figure = Figure(figsize=(panel[0] * columns, panel[1] * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return figure, list(axes[:n_panels])


def targets(path, pdf: bool) -> list[Path]:
    """The files to write: ``path`` (``.png`` added if it has no suffix), and a PDF beside it."""
    if path is None:
        raise CognaxError("a plot needs path=, the file to write (.png or .pdf)")
    path = Path(path)
    if path.suffix == "":
        path = path.with_suffix(".png")
    if path.suffix.lower() not in (".png", ".pdf"):
        raise CognaxError(f"{path}: a figure is written as .png or .pdf; got {path.suffix!r}")
    paths = [path]
    if pdf and path.suffix.lower() != ".pdf":
        paths.append(path.with_suffix(".pdf"))
    return paths


def save(figure, path, pdf: bool, dpi: int) -> list[Path]:
    """Write ``figure`` atomically to each of :func:`targets`; return the paths."""
    from cognax.data.io import atomic_write

    paths = targets(path, pdf)
    for target in paths:
        fmt = target.suffix.lower()[1:]
        # No time stamp in the PDF: the same figure gives the same bytes.
        metadata = {"CreationDate": None} if fmt == "pdf" else None
        with atomic_write(target) as temporary:
            figure.savefig(temporary, format=fmt, dpi=dpi, metadata=metadata)
    return paths


def draw_and_save(draw: Callable, path, pdf: bool, dpi: int) -> list[Path]:
    """Run ``draw()`` (which returns a Figure) under :data:`STYLE` and :func:`save` it."""
    import matplotlib

    targets(path, pdf)  # a bad path fails before any drawing
    with matplotlib.rc_context(STYLE):
        return save(draw(), path, pdf, dpi)


def require(frame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`CognaxError` naming the first column ``frame`` lacks."""
    if not isinstance(frame, pd.DataFrame):
        raise CognaxError(f"{what} needs a pandas DataFrame; got {type(frame).__name__}")
    for name in columns:
        if name not in frame.columns:
            raise CognaxError(f"{what} needs column {name!r}; the frame has: {', '.join(map(str, frame.columns))}")


def jitter(n: int, width: float = 0.25) -> np.ndarray:
    """Deterministic, evenly spread horizontal offsets (a golden-ratio sequence): no RNG."""
    return ((np.arange(n) * 0.6180339887) % 1 - 0.5) * width
