"""``cognax signatures DATA --activity FILE --task T --model M --out DIR``: model latents vs activity."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console

from cognax.errors import CognaxError

console = Console()


def _load_npz(path: Path) -> tuple[np.ndarray, Optional[np.ndarray]]:
    if not path.exists():
        raise CognaxError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if "activity" not in archive.files:
                raise CognaxError(f"{path}: needs an array named 'activity' (trials x units, or trials x units x time bins); it has {archive.files}")
            activity = np.asarray(archive["activity"])
            times = np.asarray(archive["times"]) if "times" in archive.files else None
    except CognaxError:
        raise
    except (OSError, ValueError) as error:
        raise CognaxError(f"{path}: cannot be read as a .npz file ({str(error).splitlines()[0]})") from None
    return activity, times


def _parse_window(text: str) -> tuple[float, float]:
    try:
        start, stop = (float(part) for part in text.split(","))
    except ValueError:
        raise CognaxError(f"--window must be FROM,TO in seconds (e.g. 0,0.5); got {text!r}") from None
    return start, stop


def signatures_command(
    data: Annotated[str, typer.Argument(metavar="DATA", help="trial table (.csv/.parquet), bundled name, or .nwb file")],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    task_name: Annotated[str, typer.Option("--task", help="task id (see `cognax tasks`)")],
    model_name: Annotated[str, typer.Option("--model", help="model id (see `cognax models`)")],
    activity_path: Annotated[Optional[Path], typer.Option(
        "--activity", help="activity: .npz (array 'activity', trials x units, or trials x units x time bins) or .nwb; "
        "default: DATA if it is .nwb")] = None,
    params_path: Annotated[Optional[Path], typer.Option(
        "--params", help="fitted parameters CSV (one row per subject, as `cognax fit` writes); default: fit by MLE")] = None,
    latent: Annotated[Optional[list[str]], typer.Option("--latent", help="latent to regress on (repeatable)")] = None,
    rsa_latent: Annotated[Optional[str], typer.Option("--rsa-latent", help="latent whose bins are the RSA conditions")] = None,
    conditions: Annotated[int, typer.Option("--conditions", help="number of RSA conditions (quantile bins)")] = 6,
    permutations: Annotated[int, typer.Option("--permutations", help="permutations per test")] = 1000,
    fdr: Annotated[float, typer.Option("--fdr", help="false-discovery rate")] = 0.05,
    family: Annotated[str, typer.Option("--family", help="regression: gaussian (OLS) or poisson (spike counts)")] = "gaussian",
    event: Annotated[str, typer.Option("--event", help="NWB: trials column to align activity to")] = "start_time",
    window: Annotated[str, typer.Option("--window", help="NWB: FROM,TO seconds around the event")] = "0,1",
    bins: Annotated[int, typer.Option("--bins", help="NWB: time bins in the window (1: one number per trial)")] = 1,
    source: Annotated[str, typer.Option("--source", help="NWB: 'units' (spikes) or a TimeSeries name")] = "units",
    column: Annotated[Optional[list[str]], typer.Option(
        "--column", help="NWB: rename a trials column, NAME=NWB_COLUMN (e.g. choice=response)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Fit a model, compute its latents and relate them to activity: regression, RSA, decoding.

    Writes latents.csv, params.csv, regression.csv, rsa.csv, decoding.csv, regression.png,
    rsa.png (and latents.nwb when the activity came from an NWB file) into --out, all at
    the end: on an error nothing is written.
    """
    from cognax import models, tasks
    from cognax.cli._common import enable_compilation_cache, load_data, parse_assignments
    from cognax.data.io import read_table
    from cognax.tasks.base import check_count

    check_count("--conditions", conditions, minimum=3)
    check_count("--permutations", permutations, minimum=1)
    task = tasks.make(task_name)
    model = models.make(model_name)
    model.check_task(task.name)
    renames = parse_assignments(column, "--column")
    nwb_source = None
    times = None
    if data.lower().endswith(".nwb"):
        from cognax.data.nwb import read_nwb

        table, nwb_activity, info = read_nwb(
            data, event=event, window=_parse_window(window), n_bins=bins, source=source, columns=renames
        )
        nwb_source = Path(data)
    else:
        table = load_data(data)
        nwb_activity = None
    if activity_path is None:
        if nwb_activity is None:
            raise CognaxError("--activity FILE (.npz or .nwb) is required unless DATA is an NWB file")
        activity, times = nwb_activity, info["bin_centres"]
    elif activity_path.suffix.lower() == ".nwb":
        from cognax.data.nwb import read_nwb

        _, activity, info = read_nwb(activity_path, event=event, window=_parse_window(window), n_bins=bins, source=source)
        times, nwb_source = info["bin_centres"], activity_path
    elif activity_path.suffix.lower() == ".npz":
        activity, times = _load_npz(activity_path)
    else:
        raise CognaxError(f"--activity {str(activity_path)!r} must be a .npz or .nwb file")
    if activity.ndim == 3 and activity.shape[2] == 1:
        activity, times = activity[:, :, 0], None
    params = read_table(params_path) if params_path is not None else None

    from cognax.signatures.pipeline import analyse, write_results

    enable_compilation_cache()
    results = analyse(
        table, activity, task, model, params=params, latent_names=latent, rsa_latent=rsa_latent,
        n_conditions=conditions, n_permutations=permutations, fdr=fdr, seed=seed, times=times, family=family,
    )
    if out.exists() and not out.is_dir():
        raise CognaxError(f"--out {str(out)!r} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".signatures.", dir=out))
    try:
        write_results(results, staging)
        if nwb_source is not None:
            from cognax.data.nwb import write_latents_nwb

            latent_columns = [c for c in models.latent_columns(model)]
            write_latents_nwb(nwb_source, results["latents"], staging / "latents.nwb", names=latent_columns)
        for path in sorted(staging.iterdir()):
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    regression = results["regression"]
    for name in regression["regressor"].unique():
        share = regression.loc[regression["regressor"] == name, "significant"].mean()
        console.print(f"{name}: {share:.0%} of units significant (FDR {fdr:g})")
    row = results["rsa"].iloc[0]
    console.print(
        f"RSA: Spearman r = {row['correlation']:.3f}, p = {row['p_value']:.3g} "
        f"(noise ceiling {row['noise_ceiling_lower']:.2f}-{row['noise_ceiling_upper']:.2f}) -> {out}"
    )
