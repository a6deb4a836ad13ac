"""Neurodata Without Borders (NWB) files: trials + activity in, model latents out.

:func:`read_nwb` reads an NWB file's trials table as a cognax trial table and its
activity aligned to a trial event: spike counts of the ``Units`` table, or a continuous
signal (a ``TimeSeries`` such as a fluorescence ``RoiResponseSeries``), binned in a
window around the event, as a ``[trial, unit, bin]`` array. :func:`write_latents_nwb`
writes per-trial model latents back as a table of trial intervals (same start and stop
times as the trials, one column per latent) in a processing module, so that the results
travel in the field's standard format.

pynwb is an optional dependency: ``pip install 'cognax[neuro]'``.

Reference: Rübel O, Tritt A, Ly R, et al. (2022). The Neurodata Without Borders
ecosystem for neurophysiological data science. eLife 11:e78362.

Example:
    >>> table, activity, info = read_nwb("session.nwb", event="feedback_time",
    ...                                  window=(0.0, 0.5), n_bins=5)       # doctest: +SKIP
    >>> write_latents_nwb("session.nwb", latents, "session_latents.nwb")     # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from cognax.errors import CognaxError, unknown_name

#: name of the processing module and of the table :func:`write_latents_nwb` adds.
MODULE = "cognax"
TABLE = "model_latents"


def _pynwb():
    try:
        import pynwb
    except ImportError:
        raise CognaxError("NWB files need pynwb: pip install pynwb==4.2.0 (the 'neuro' extra of cognax)") from None
    return pynwb


def _open(path: Path):
    pynwb = _pynwb()
    if not path.exists():
        raise CognaxError(f"{path}: no such file")
    if path.is_dir():
        raise CognaxError(f"{path}: is a folder, not an NWB file")
    try:
        io = pynwb.NWBHDF5IO(str(path), "r")
        return io, io.read()
    except Exception as error:  # h5py and hdmf raise many types for a file that is not NWB
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CognaxError(f"{path}: cannot be read as an NWB file ({reason})") from None


def _trials(nwbfile, path: Path) -> pd.DataFrame:
    if nwbfile.trials is None or len(nwbfile.trials) == 0:
        raise CognaxError(f"{path}: the NWB file has no trials table (nwbfile.trials); cognax needs one row per trial")
    trials = nwbfile.trials.to_dataframe().reset_index(drop=True)
    start, stop = trials["start_time"].to_numpy(float), trials["stop_time"].to_numpy(float)
    if not (np.isfinite(start).all() and np.isfinite(stop).all()) or (stop < start).any():
        bad = int(np.argmax(~np.isfinite(start) | ~np.isfinite(stop) | (stop < start)))
        raise CognaxError(f"{path}: trial {bad} has misaligned times (start {start[bad]!r}, stop {stop[bad]!r})")
    return trials


def _trial_table(trials: pd.DataFrame, nwbfile, columns: dict[str, str] | None) -> pd.DataFrame:
    table = trials.copy()
    for canonical, source in (columns or {}).items():
        if source not in table.columns:
            raise unknown_name("trials column", source, table.columns)
        table[canonical] = table.pop(source)
    for name in list(table.columns):
        if table[name].dtype == object and table[name].map(lambda v: isinstance(v, (list, np.ndarray))).any():
            table = table.drop(columns=name)  # ragged columns (e.g. timeseries references) are not trial data
    subject = getattr(nwbfile.subject, "subject_id", None) if nwbfile.subject is not None else None
    table.insert(0, "subject", subject or nwbfile.identifier)
    table.insert(1, "trial", np.arange(len(table)))
    return table


def _event_times(trials: pd.DataFrame, event: str, path: Path) -> np.ndarray:
    if event not in trials.columns:
        raise unknown_name(f"trial event column of {path}", event, [c for c in trials.columns if c.endswith("time")])
    times = trials[event].to_numpy(dtype=float)
    if not np.isfinite(times).all():
        bad = int(np.argmax(~np.isfinite(times)))
        raise CognaxError(f"{path}: trial {bad} has no {event!r} time (NaN); drop it or pick another event")
    outside = (times < trials["start_time"].to_numpy() - 1e-9) | (times > trials["stop_time"].to_numpy() + 1e-9)
    if outside.any():
        bad = int(np.argmax(outside))
        raise CognaxError(f"{path}: trial {bad}'s {event!r} time {times[bad]:g} lies outside the trial's start-stop interval")
    return times


def _find_series(nwbfile, name: str):
    candidates = dict(nwbfile.acquisition)
    for module in nwbfile.processing.values():
        for interface in module.data_interfaces.values():
            candidates[interface.name] = interface
            for inner in getattr(interface, "roi_response_series", {}).values():
                candidates[inner.name] = inner
            for inner in getattr(interface, "time_series", {}).values():
                candidates[inner.name] = inner
    series = candidates.get(name)
    if series is None or not hasattr(series, "data"):
        raise unknown_name("time series", name, [k for k, v in candidates.items() if hasattr(v, "data")])
    return series


def _check_overlap(path: Path, events: np.ndarray, spikes: list[np.ndarray]) -> None:
    """Trials on another clock than the spikes: most events fall outside the spiking span."""
    recorded = [s for s in spikes if s.size]
    if not recorded:
        raise CognaxError(f"{path}: the Units table has no spikes")
    first, last = min(s.min() for s in recorded), max(s.max() for s in recorded)
    outside = (events < first) | (events > last)
    if outside.mean() > 0.5:
        raise CognaxError(
            f"{path}: trial times are misaligned with the spikes: {int(outside.sum())} of {events.size} trial events "
            f"lie outside the spikes' span {first:g}-{last:g} s"
        )


def read_nwb(
    path: str | os.PathLike,
    *,
    event: str = "start_time",
    window: tuple[float, float] = (0.0, 1.0),
    n_bins: int = 1,
    source: str = "units",
    columns: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Read the trials and the trial-aligned activity of an NWB file.

    Args:
        path: the ``.nwb`` file.
        event: the trials column whose time each trial is aligned to (``start_time``,
            or e.g. ``cue_time``, ``feedback_time``).
        window: ``(from, to)`` seconds around the event.
        n_bins: equal bins in the window.
        source: ``"units"`` (spike counts from the Units table) or the name of a
            ``TimeSeries`` (in acquisition or a processing module; e.g. the
            ``RoiResponseSeries`` of a ``Fluorescence`` interface), averaged per bin.
        columns: renames, ``{cognax name: trials column}`` (e.g. ``{"choice": "response"}``).

    Returns:
        ``(trial_table, activity [trial, unit, bin], info)``; the table has ``subject``
        (the file's subject id), ``trial`` and every trials column; ``info`` holds the
        unit ids and the bin centres relative to the event.

    Raises:
        CognaxError: no file, not NWB, no trials table, a trial with misaligned times
            (stop before start, an event outside its trial, a window outside the
            recording), an unknown column or series.
    """
    path = Path(path)
    from cognax.signatures.regression import align_to_events, bin_spikes

    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise CognaxError(f"n_bins must be an integer >= 1; got {n_bins!r}")
    if not (len(window) == 2 and np.isfinite(window).all() and window[1] > window[0]):
        raise CognaxError(f"window must be (from, to) seconds with to > from; got {window!r}")
    io, nwbfile = _open(path)
    try:
        trials = _trials(nwbfile, path)
        events = _event_times(trials, event, path)
        if source == "units":
            if nwbfile.units is None or len(nwbfile.units) == 0:
                raise CognaxError(f"{path}: the NWB file has no Units table; give source= the name of a TimeSeries")
            spikes = [np.asarray(nwbfile.units.get_unit_spike_times(i), dtype=float) for i in range(len(nwbfile.units))]
            _check_overlap(path, events, spikes)
            activity = bin_spikes(spikes, events, tuple(window), n_bins)
            unit_ids = list(nwbfile.units.id[:])
        else:
            series = _find_series(nwbfile, source)
            data = np.asarray(series.data[:], dtype=float)
            data = data[:, None] if data.ndim == 1 else data.reshape(data.shape[0], -1)
            if series.timestamps is not None:
                times = np.asarray(series.timestamps[:], dtype=float)
            else:
                times = series.starting_time + np.arange(data.shape[0]) / series.rate
            activity = align_to_events(data.T, times, events, tuple(window), n_bins)
            unit_ids = list(range(data.shape[1]))
        table = _trial_table(trials, nwbfile, columns)
    finally:
        io.close()
    if not np.isfinite(activity).all():
        raise CognaxError(f"{path}: the activity of {source!r} has NaN values")
    edges = np.linspace(window[0], window[1], n_bins + 1)
    return table, activity, {"units": unit_ids, "bin_centres": 0.5 * (edges[1:] + edges[:-1]), "event": event}


def write_latents_nwb(
    source: str | os.PathLike,
    latents: pd.DataFrame,
    out: str | os.PathLike,
    names: Sequence[str] | None = None,
    description: str = "per-trial latent quantities of a fitted cognax model",
) -> Path:
    """Copy an NWB file with the latents added as trial columns in a processing module.

    The new file has a processing module ``cognax`` holding a ``TimeIntervals`` table
    ``model_latents``: one row per trial, with the trials' ``start_time`` and
    ``stop_time`` and one column per latent. The file is written atomically.

    Args:
        source: the NWB file whose trials the latents belong to.
        latents: one row per trial, in the trials' order.
        out: the new file (may not be ``source``).
        names: the latent columns to write (default: every numeric column other than
            the trial-table columns ``subject``, ``trial`` and the trials' own).
        description: the table's description.
    """
    from cognax.data.io import atomic_write

    pynwb = _pynwb()
    from pynwb.epoch import TimeIntervals

    source, out = Path(source), Path(out)
    if source.resolve() == out.resolve():
        raise CognaxError(f"{out}: write the latents to a new file, not over the source")
    if not isinstance(latents, pd.DataFrame):
        raise CognaxError(f"latents must be a DataFrame; got {type(latents).__name__}")
    io, nwbfile = _open(source)
    try:
        trials = _trials(nwbfile, source)
        if len(latents) != len(trials):
            raise CognaxError(f"latents have {len(latents)} rows but {source} has {len(trials)} trials; they must match")
        if names is None:
            skip = {"subject", "trial", *trials.columns}
            names = [c for c in latents.columns if c not in skip and pd.api.types.is_numeric_dtype(latents[c])]
        for name in names:
            if name not in latents.columns:
                raise unknown_name("latent", name, latents.columns)
        if not names:
            raise CognaxError("no latent columns to write")
        if MODULE in nwbfile.processing and TABLE in nwbfile.processing[MODULE].data_interfaces:
            raise CognaxError(f"{source}: already has processing/{MODULE}/{TABLE}; write from the original file")
        table = TimeIntervals(name=TABLE, description=description)
        for name in names:
            table.add_column(name=name, description=f"model latent {name!r}")
        values = latents[list(names)].to_numpy(dtype=float)
        for row, (start, stop) in enumerate(zip(trials["start_time"], trials["stop_time"])):
            table.add_interval(start_time=float(start), stop_time=float(stop), **dict(zip(names, values[row])))
        module = nwbfile.processing.get(MODULE) or nwbfile.create_processing_module(
            name=MODULE, description="results of cognax model fits"
        )
        module.add(table)
        with atomic_write(out) as temporary:
            with pynwb.NWBHDF5IO(str(temporary), "w") as writer:
                writer.export(src_io=io, nwbfile=nwbfile)
    finally:
        io.close()
    return out


def read_latents_nwb(path: str | os.PathLike) -> pd.DataFrame:
    """The ``model_latents`` table written by :func:`write_latents_nwb`, as a DataFrame."""
    path = Path(path)
    io, nwbfile = _open(path)
    try:
        if MODULE not in nwbfile.processing or TABLE not in nwbfile.processing[MODULE].data_interfaces:
            raise CognaxError(f"{path}: has no processing/{MODULE}/{TABLE} table (write one with write_latents_nwb)")
        return nwbfile.processing[MODULE][TABLE].to_dataframe().reset_index(drop=True)
    finally:
        io.close()


__all__ = ["read_nwb", "write_latents_nwb", "read_latents_nwb"]
