"""``cognax signatures``: outputs from .npz and NWB activity, bad input exits 2 writing nothing."""

import datetime

import jax
import numpy as np
import pandas as pd
import pytest
from pynwb import NWBHDF5IO, NWBFile

import cognax
from cognax import models, tasks
from cognax.data.nwb import read_latents_nwb
from cognax.signatures.pipeline import latents_for_table

N_TRIALS = 120
PARAMS = {"learning_rate": 0.3, "inverse_temperature": 5.0}




@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A simulated bandit session, activity with 8 RPE units out of 20, and the files."""
    folder = tmp_path_factory.mktemp("signatures")
    model, task = models.make("q_learning"), tasks.make("bandit", n_trials=N_TRIALS)
    table = cognax.simulate(jax.random.key(0), model, task, PARAMS)
    rpe = latents_for_table(model, {k: np.array([v]) for k, v in PARAMS.items()}, table, task)["rpe"].to_numpy()
    rng = np.random.default_rng(0)
    activity = rng.normal(size=(N_TRIALS, 20))
    activity[:, :8] += 2.0 * rpe[:, None]
    table.to_csv(folder / "trials.csv", index=False)
    np.savez(folder / "activity.npz", activity=activity)
    pd.DataFrame([{"subject": 0, "model": "q_learning", **PARAMS}]).to_csv(folder / "params.csv", index=False)
    return folder, table, activity, rpe


def test_signatures_from_npz_with_given_parameters(cognax_cli, session, tmp_path):
    folder, table, _, rpe = session
    code, out, err = cognax_cli(
        "signatures", folder / "trials.csv", "--activity", folder / "activity.npz",
        "--task", "bandit", "--model", "q_learning", "--params", folder / "params.csv", "--permutations", "199",
        "--out", tmp_path,
    )
    assert code == 0, err
    for name in ("latents.csv", "params.csv", "regression.csv", "rsa.csv", "decoding.csv", "regression.png", "rsa.png"):
        assert (tmp_path / name).exists(), name
    latents = pd.read_csv(tmp_path / "latents.csv")
    np.testing.assert_allclose(latents["rpe"], rpe, atol=1e-9)
    regression = pd.read_csv(tmp_path / "regression.csv")
    found = regression[(regression["regressor"] == "rpe") & regression["significant"]]["unit"]
    assert set(range(8)) <= set(found) and len(set(found) - set(range(8))) <= 2
    assert pd.read_csv(tmp_path / "rsa.csv")["p_value"].iloc[0] <= 0.01
    assert "rpe:" in out


def make_nwb(path, table, activity, with_trials=True):
    nwbfile = NWBFile(session_description="bandit", identifier="s1",
                      session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    starts = np.arange(len(table)) * 1.0
    if with_trials:
        nwbfile.add_trial_column(name="response", description="chosen arm")
        nwbfile.add_trial_column(name="reward", description="reward")
        nwbfile.add_trial_column(name="feedback_time", description="feedback onset")
        for start, (choice, reward) in zip(starts, table[["choice", "reward"]].itertuples(index=False)):
            nwbfile.add_trial(start_time=start, stop_time=start + 0.9, response=int(choice), reward=float(reward),
                              feedback_time=start + 0.5)
    # spike counts in [feedback, feedback + 0.2): 3 + round(activity) spikes, spread in the window
    counts = np.clip(np.round(3 + activity), 0, None).astype(int)
    for unit in range(activity.shape[1]):
        spikes = [start + 0.5 + (np.arange(c) + 0.5) * 0.2 / max(c, 1) for start, c in zip(starts, counts[:, unit])]
        nwbfile.add_unit(spike_times=np.concatenate(spikes + [[len(table) + 1.0]]))
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


def test_signatures_from_nwb_fits_and_writes_latents_back(cognax_cli, session, tmp_path):
    folder, table, activity, _ = session
    nwb = make_nwb(tmp_path / "session.nwb", table, activity)
    out = tmp_path / "out"
    code, out_text, err = cognax_cli(
        "signatures", nwb, "--task", "bandit", "--model", "q_learning", "--event", "feedback_time",
        "--window", "0,0.2", "--column", "choice=response", "--permutations", "99", "--family", "poisson", "--out", out,
    )
    assert code == 0, err
    fitted = pd.read_csv(out / "params.csv")
    # 120 trials: the MLE learning rate lies within about 0.15 of the true 0.3
    assert fitted["learning_rate"].iloc[0] == pytest.approx(0.3, abs=0.2)
    back = read_latents_nwb(out / "latents.nwb")
    assert {"rpe", "value_chosen", "choice_log_probability"} <= set(back.columns) and len(back) == N_TRIALS
    regression = pd.read_csv(out / "regression.csv")
    assert regression[(regression["regressor"] == "rpe") & (regression["unit"] < 8)]["significant"].mean() >= 0.75


@pytest.mark.parametrize("problem", ["count", "nan", "latent", "no_trials", "extension"])
def test_bad_input_exits_2_and_writes_nothing(cognax_cli, session, tmp_path, problem):
    folder, table, activity, _ = session
    activity_path, extra, data = folder / "activity.npz", [], folder / "trials.csv"
    if problem == "count":
        activity_path = tmp_path / "short.npz"
        np.savez(activity_path, activity=activity[:-1])
    elif problem == "nan":
        activity_path = tmp_path / "nan.npz"
        broken = activity.copy()
        broken[3, 1] = np.nan
        np.savez(activity_path, activity=broken)
    elif problem == "latent":
        extra = ["--latent", "prediction_error"]
    elif problem == "no_trials":
        data = make_nwb(tmp_path / "no_trials.nwb", table, activity, with_trials=False)
        activity_path = data
    else:
        activity_path = tmp_path / "activity.txt"
        activity_path.write_text("1 2 3")
    out = tmp_path / "out"
    code, _, err = cognax_cli(
        "signatures", data, "--activity", activity_path, "--task", "bandit", "--model", "q_learning",
        "--params", folder / "params.csv", "--permutations", "19", "--out", out, *extra,
    )
    assert code == 2
    message = {"count": "119 trials but the trial table has 120", "nan": "NaN", "latent": "unknown latent",
               "no_trials": "no trials table", "extension": "must be a .npz or .nwb"}[problem]
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() or not any(out.iterdir())
