"""Training: conformance over architecture x objective, determinism, checkpoint and resume."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cognax.agents import AgentConfig, Trainer, make_train, train_agents
from cognax.agents.checkpoint import load_checkpoint
from cognax.agents.config import ARCHITECTURES, OBJECTIVES
from cognax.agents.runs import load_trained
from cognax.errors import CognaxError

# A short reversal task: it defines a correct action, so every objective applies.
SMALL = dict(task="reversal", task_options=(("n_trials", 4), ("schedule", "hazard")), hidden_size=6, n_envs=3,
             n_updates=2)


@pytest.mark.parametrize("architecture,objective", list(itertools.product(ARCHITECTURES, OBJECTIVES)))
def test_every_architecture_and_objective_trains(architecture, objective):
    config = AgentConfig(architecture=architecture, objective=objective, **SMALL)
    trainer, train = Trainer(config), make_train(config)
    with jax.enable_x64(False):
        initial, (state, metrics) = jax.jit(lambda k: (trainer.init(k).params, train(k)))(jax.random.key(0))
    assert set(metrics) >= {"loss", "entropy", "reward_per_trial", "accuracy"}
    for name, values in metrics.items():
        assert values.shape == (config.n_updates,), name
        assert np.all(np.isfinite(values)), name
    assert int(state.update) == config.n_updates
    # The parameters moved, and stayed finite.
    moved = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))), state.params, initial)
    assert max(jax.tree.leaves(moved)) > 0
    assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(state.params))
    # Entropy of a 2-action policy lies in [0, log 2].
    assert np.all((metrics["entropy"] >= 0) & (metrics["entropy"] <= np.log(2) + 1e-6))


class Interrupted(Exception):
    pass


def test_seeds_determinism_chunks_and_resume(tmp_path):
    config = AgentConfig(**{**SMALL, "n_updates": 6})
    whole = train_agents(config, seeds=[1, 2])
    # vmapped seeds = single runs, and a fresh compile of make_train gives the same numbers.
    with jax.enable_x64(False):
        _, single = jax.jit(make_train(config))(jax.random.key(2))
    np.testing.assert_allclose(whole.metrics["loss"][1], single["loss"], rtol=1e-5, atol=1e-6)
    again = train_agents(config, seeds=[1, 2])
    for a, b in zip(jax.tree.leaves(whole.state.params), jax.tree.leaves(again.state.params)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    other = train_agents(config, seeds=[3, 4])
    assert not np.array_equal(whole.metrics["loss"], other.metrics["loss"])

    # Chunks of 2 updates with a checkpoint after each give the uninterrupted run.
    chunked = train_agents(config, seeds=[1, 2], out=tmp_path / "chunked", checkpoint_every=2)
    # Interrupted after the first chunk (the checkpoint holds 2 updates), then resumed.
    def interrupt(done, total, metrics):
        raise Interrupted

    with pytest.raises(Interrupted):
        train_agents(config, seeds=[1, 2], out=tmp_path / "resumed", checkpoint_every=2, progress=interrupt)
    assert load_trained(tmp_path / "resumed").metrics["loss"].shape == (2, 2)
    resumed = train_agents(config, seeds=[1, 2], out=tmp_path / "resumed", checkpoint_every=2, resume=True)
    reloaded = load_trained(tmp_path / "resumed")
    for run in (chunked, resumed, reloaded):
        assert run.metrics["loss"].shape == (2, 6)
        for a, b in zip(jax.tree.leaves(whole.state.params), jax.tree.leaves(run.state.params)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        np.testing.assert_array_equal(run.metrics["loss"], whole.metrics["loss"])
    curve = (tmp_path / "resumed" / "learning_curve.csv").read_text().splitlines()
    assert len(curve) == 1 + 2 * 6 and curve[0].startswith("seed,update,episodes")


def test_checkpoint_from_another_config_or_corrupt_is_refused(tmp_path):
    config = AgentConfig(**{**SMALL, "n_updates": 6})
    run = train_agents(config, seeds=[1, 2], out=tmp_path)
    template = jax.eval_shape(jax.vmap(run.trainer.init), jnp.stack([jax.random.key(1), jax.random.key(2)]))
    with pytest.raises(CognaxError, match="another config.*hidden_size"):
        load_checkpoint(tmp_path / "checkpoint.npz", config.replace(hidden_size=9), [1, 2], template)
    with pytest.raises(CognaxError, match="seeds"):
        load_checkpoint(tmp_path / "checkpoint.npz", config, [0, 1], template)
    broken = tmp_path / "broken.npz"
    broken.write_bytes((tmp_path / "checkpoint.npz").read_bytes()[:200])
    with pytest.raises(CognaxError, match="corrupt"):
        load_checkpoint(broken, config, [1, 2], template)
    with pytest.raises(CognaxError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.npz", config, [1, 2], template)
