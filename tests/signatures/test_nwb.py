"""NWB round trips: small files made here with pynwb, read as trials + aligned activity,
latents written back and read again; bad files give one-line errors."""

import datetime

import numpy as np
import pandas as pd
import pytest
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.file import Subject

from cognax.data.nwb import read_latents_nwb, read_nwb, write_latents_nwb
from cognax.errors import CognaxError

N_TRIALS = 12


def make_nwb(path, *, trials=True, units=True, series=True, shift=0.0):
    nwbfile = NWBFile(
        session_description="cognax test session", identifier="test-session",
        session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        subject=Subject(subject_id="mouse-7", species="Mus musculus"),
    )
    starts = np.arange(N_TRIALS) * 2.0
    if trials:
        nwbfile.add_trial_column(name="response", description="chosen option")
        nwbfile.add_trial_column(name="reward", description="reward")
        nwbfile.add_trial_column(name="feedback_time", description="feedback onset (s)")
        for trial, start in enumerate(starts):
            nwbfile.add_trial(start_time=start + shift, stop_time=start + 1.5 + shift, response=trial % 2,
                              reward=float(trial % 3 == 0), feedback_time=start + 1.0 + shift)
    if units:
        # unit 0 fires 1 spike per 0.1 s bin in [feedback, feedback + 0.2) on rewarded trials only.
        spikes = [start + 1.0 + np.array([0.05, 0.15]) for trial, start in enumerate(starts) if trial % 3 == 0]
        nwbfile.add_unit(spike_times=np.concatenate(spikes))
        nwbfile.add_unit(spike_times=np.sort(starts + 0.5))
    if series:
        times = np.arange(0, 2.0 * N_TRIALS + 2, 0.05)
        signal = np.column_stack([times, 2 * times])
        nwbfile.add_acquisition(TimeSeries(name="dff", data=signal, unit="a.u.", timestamps=times))
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


@pytest.fixture(scope="module")
def nwb_path(tmp_path_factory):
    return make_nwb(tmp_path_factory.mktemp("nwb") / "session.nwb")


def test_read_units_aligned_to_an_event(nwb_path):
    table, activity, info = read_nwb(nwb_path, event="feedback_time", window=(0.0, 0.2), n_bins=2,
                                     columns={"choice": "response"})
    assert activity.shape == (N_TRIALS, 2, 2)
    rewarded = np.arange(N_TRIALS) % 3 == 0
    np.testing.assert_array_equal(activity[rewarded, 0], 1.0)
    np.testing.assert_array_equal(activity[~rewarded, 0], 0.0)
    assert activity[:, 1].sum() == 0  # unit 1 fires at start + 0.5, outside the window
    assert list(table["subject"].unique()) == ["mouse-7"]
    np.testing.assert_array_equal(table["choice"], np.arange(N_TRIALS) % 2)
    np.testing.assert_allclose(info["bin_centres"], [0.05, 0.15])


def test_read_a_continuous_signal(nwb_path):
    _, activity, _ = read_nwb(nwb_path, source="dff", event="start_time", window=(0.0, 0.1), n_bins=1)
    starts = np.arange(N_TRIALS) * 2.0
    # the mean of samples at start and start + 0.05 of the signal t, 2t
    np.testing.assert_allclose(activity[:, 0, 0], starts + 0.025, atol=1e-9)
    np.testing.assert_allclose(activity[:, 1, 0], 2 * (starts + 0.025), atol=1e-9)


def test_latents_round_trip(nwb_path, tmp_path):
    latents = pd.DataFrame({"subject": "mouse-7", "trial": np.arange(N_TRIALS),
                            "rpe": np.linspace(-1, 1, N_TRIALS), "value_chosen": np.arange(N_TRIALS) / 10.0})
    out = write_latents_nwb(nwb_path, latents, tmp_path / "with_latents.nwb")
    back = read_latents_nwb(out)
    assert list(back.columns) == ["start_time", "stop_time", "rpe", "value_chosen"]
    np.testing.assert_allclose(back["rpe"], latents["rpe"])
    np.testing.assert_allclose(back["start_time"], np.arange(N_TRIALS) * 2.0)
    # the copy still has the original trials and units
    table, activity, _ = read_nwb(out, event="feedback_time", window=(0.0, 0.2), n_bins=2)
    assert len(table) == N_TRIALS and activity.shape == (N_TRIALS, 2, 2)
    with pytest.raises(CognaxError, match="already has processing/cognax/model_latents"):
        write_latents_nwb(out, latents, tmp_path / "twice.nwb")


def test_bad_files(nwb_path, tmp_path):
    with pytest.raises(CognaxError, match="no trials table"):
        read_nwb(make_nwb(tmp_path / "no_trials.nwb", trials=False))
    with pytest.raises(CognaxError, match="no Units table"):
        read_nwb(make_nwb(tmp_path / "no_units.nwb", units=False))
    with pytest.raises(CognaxError, match="misaligned"):
        read_nwb(make_nwb(tmp_path / "shifted.nwb", shift=1000.0), event="start_time")
    with pytest.raises(CognaxError, match="no samples"):
        read_nwb(nwb_path, source="dff", event="stop_time", window=(5.0, 6.0))
    with pytest.raises(CognaxError, match="unknown time series 'dfff'"):
        read_nwb(nwb_path, source="dfff")
    with pytest.raises(CognaxError, match="unknown trial event column"):
        read_nwb(nwb_path, event="cue_time")
    text = tmp_path / "not.nwb"
    text.write_text("hello")
    with pytest.raises(CognaxError, match="cannot be read as an NWB file"):
        read_nwb(text)
    with pytest.raises(CognaxError, match="no such file"):
        read_nwb(tmp_path / "missing.nwb")
    wrong = pd.DataFrame({"rpe": np.zeros(N_TRIALS - 1)})
    with pytest.raises(CognaxError, match="11 rows but"):
        write_latents_nwb(nwb_path, wrong, tmp_path / "bad.nwb")
    assert not (tmp_path / "bad.nwb").exists()
