"""Read and write trial tables: CSV, TSV and Parquet; atomic writes; hBayesDM files.

Reading never ends in a traceback for a bad file: a missing file, a folder, an unknown
extension, an empty, unreadable or corrupt file all raise
:class:`~cognax.errors.CognaxError` with one line naming the file and the problem.
Writing is atomic (a temporary file in the same folder, then :func:`os.replace`), so a
failed write never leaves a partial file behind, and the bytes written depend only on
the table, so the same table always gives the same file.

Example:
    >>> from cognax.data import load, read_table, write_table
    >>> table = load("dezfouli2019")
    >>> write_table(table, "dezfouli.parquet")                    # doctest: +SKIP
    >>> read_table("dezfouli.parquet", task="bandit").equals(table)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import secrets
import zlib
from pathlib import Path
from typing import Iterator

import pandas as pd

from cognax.data.hbayesdm import read_hbayesdm
from cognax.data.validate import check_table
from cognax.errors import CognaxError

#: file extensions and how each is read.
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".csv.gz": "csv",
    ".tsv.gz": "tsv",
    ".txt.gz": "tsv",
    ".parquet": "parquet",
}
_SEPARATORS = {"csv": ",", "tsv": "\t"}


def table_format(path: str | os.PathLike) -> str:
    """``"csv"``, ``"tsv"`` or ``"parquet"`` from the file name; CognaxError otherwise."""
    name = Path(path).name.lower()
    for extension in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(extension):
            return FORMATS[extension]
    raise CognaxError(f"{path}: unknown file extension; allowed: {', '.join(FORMATS)}")


# ----------------------------------------------------------------------------- reading
def read_table(path: str | os.PathLike, task=None) -> pd.DataFrame:
    """Read a trial table from CSV (``.csv``), tab-separated text (``.tsv``, ``.txt``)
    or Parquet (``.parquet``); text files may be gzip-compressed (``.csv.gz``).

    Args:
        path: the file.
        task: a task or task id; if given, the table is checked and normalised with
            :func:`~cognax.data.validate_table` (error rows are data rows of the file).

    Returns:
        The table, with a fresh ``RangeIndex``. Floats in text files are read back
        exactly as written.

    Raises:
        CognaxError: the file is missing, a folder, of unknown type, empty, unreadable
            or corrupt, or (with ``task``) does not fit the task's schema.
    """
    path = Path(path)
    fmt = table_format(path)
    table = read_raw(path, fmt)
    return table if task is None else check_table(table, task, source=str(path))


def read_raw(path: Path, fmt: str) -> pd.DataFrame:
    """Read ``path`` as ``fmt`` (``csv``, ``tsv`` or ``parquet``) with friendly errors."""
    _check_file(path)
    try:
        if fmt == "parquet":
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, sep=_SEPARATORS[fmt], compression="infer")
    except pd.errors.EmptyDataError:
        raise CognaxError(f"{path}: the file is empty (no header, no rows)") from None
    except (OSError, ValueError, UnicodeError, EOFError, zlib.error) as error:
        # pyarrow's ArrowInvalid and pandas' ParserError are ValueErrors.
        kind = {"parquet": "a Parquet", "csv": "a CSV", "tsv": "a tab-separated"}[fmt]
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CognaxError(f"{path}: cannot be read as {kind} file ({reason})") from None
    if len(table) == 0:
        raise CognaxError(f"{path}: the file has a header but no data rows")
    table.index = pd.RangeIndex(len(table))
    return table


def _check_file(path: Path) -> None:
    if not path.exists():
        raise CognaxError(f"{path}: no such file")
    if path.is_dir():
        raise CognaxError(f"{path}: is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise CognaxError(f"{path}: permission denied (cannot read the file)")
    if path.stat().st_size == 0:
        raise CognaxError(f"{path}: the file is empty (0 bytes)")


# ----------------------------------------------------------------------------- writing
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str | None = None, encoding: str = "utf-8") -> Iterator:
    """Write a file atomically: all of it appears at ``path``, or nothing changes.

    The body writes to a temporary file in the same folder (same extension, so that
    writers which look at it, such as ``savefig``, behave alike); on success it replaces
    ``path`` in one step (:func:`os.replace`); on any error it is removed and the error
    propagates, leaving an existing ``path`` untouched.

    Args:
        path: the final file.
        mode: ``None`` yields the temporary path (for writers that take a file name);
            ``"w"`` or ``"wb"`` yields an open file.
        encoding: for ``mode="w"``.

    Example:
        >>> with atomic_write("fit.json", "w") as f:          # doctest: +SKIP
        ...     json.dump(result, f)
        >>> with atomic_write("figure.png") as tmp:           # doctest: +SKIP
        ...     fig.savefig(tmp)
    """
    path = Path(path)
    if mode not in (None, "w", "wb"):
        raise CognaxError(f"atomic_write mode must be None, 'w' or 'wb'; got {mode!r}")
    folder = path.parent
    if not folder.is_dir():
        raise CognaxError(f"{path}: cannot write; folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise CognaxError(f"{path}: is a folder; cannot write a file there")
    suffix = "".join(path.suffixes[-2:]) if path.name.lower().endswith(".gz") else path.suffix
    temporary = folder / f".{path.name}.{secrets.token_hex(6)}.tmp{suffix}"
    try:
        # "x": a new file with the usual permissions (umask); never clobber one.
        with open(temporary, "xb"):
            pass
    except OSError as error:
        raise CognaxError(f"{path}: cannot write in {str(folder)!r} ({error.strerror or error})") from None
    try:
        if mode is None:
            yield temporary
        else:
            with open(temporary, mode, encoding=encoding if mode == "w" else None) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a trial table to CSV/TSV (optionally ``.gz``) or Parquet, atomically.

    The same table always gives byte-identical files: text uses ``\\n`` line ends and
    the shortest float repr that reads back exactly (gzip with a zero time stamp and
    no file name); Parquet is written by pyarrow with zstd compression and no time
    stamps. The index is not written. Parquet keeps every dtype; text keeps numbers,
    bools and labels, but a label column that looks numeric (``"1"``, ``"2"``) comes
    back as numbers.

    Returns:
        The path written.
    """
    path = Path(path)
    fmt = table_format(path)
    if not isinstance(table, pd.DataFrame):
        raise CognaxError(f"{path}: expected a pandas DataFrame to write; got {type(table).__name__}")
    names = list(table.columns)
    if any(not isinstance(name, str) for name in names):
        raise CognaxError(f"{path}: column names must be strings; got {[n for n in names if not isinstance(n, str)]!r}")
    if len(set(names)) != len(names):
        raise CognaxError(f"{path}: column names must be unique")
    if fmt == "parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, engine="pyarrow", index=False, compression="zstd")
        data = buffer.getvalue()
    else:
        data = table.to_csv(index=False, sep=_SEPARATORS[fmt], lineterminator="\n").encode("utf-8")
        if path.name.lower().endswith(".gz"):
            data = gzip.compress(data, mtime=0)
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return path


__all__ = ["read_table", "write_table", "atomic_write", "read_hbayesdm", "table_format", "FORMATS"]
