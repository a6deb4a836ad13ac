"""AgentConfig: TOML round trip and one-line errors for bad input."""

import pytest

from cognax.agents import AgentConfig, Trainer
from cognax.errors import CognaxError


def test_toml_round_trip(tmp_path):
    config = AgentConfig(task="reversal", task_options=(("n_trials", 50), ("schedule", "hazard")),
                         task_param_choices=(("hazard", (0.01, 0.1)),), architecture="gru", hidden_size=16,
                         learning_rate=3e-4, rollout_length=10, trial_input=True)
    path = tmp_path / "config.toml"
    path.write_text(config.to_toml())
    assert AgentConfig.from_toml(path) == config


def test_ints_are_accepted_for_floats(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("learning_rate = 1\ngamma = 1\n")
    config = AgentConfig.from_toml(path)
    assert config.learning_rate == 1.0 and isinstance(config.learning_rate, float)


@pytest.mark.parametrize("text,message", [
    ("hidden = 48\n", "unknown config file 'c.toml' key 'hidden' \\(did you mean 'hidden_size'\\?\\)"),
    ("hidden_size = '48'\n", "'hidden_size' must be an integer; got '48'"),
    ("hidden_size = 4.5\n", "'hidden_size' must be an integer"),
    ("reward_input = 1\n", "'reward_input' must be true or false"),
    ("learning_rate = 'fast'\n", "'learning_rate' must be a number"),
    ("hidden_size = 0\n", "hidden_size must be an integer >= 1; got 0"),
    ("n_envs = -3\n", "n_envs must be an integer >= 1"),
    ("gamma = 1.5\n", "gamma must be a number in \\[0, 1\\]"),
    ("architecture = 'transformer'\n", "unknown architecture 'transformer'; valid: gru, lstm, rnn"),
    ("objective = 'ppo'\n", "unknown objective 'ppo'; valid: a2c, reinforce, supervised"),
    ("learning_rule = 'hebb'\n", "unknown learning rule 'hebb'; valid: bptt"),
    ("optimizer = 'sgd'\n", "unknown optimizer 'sgd'"),
    ("task_options = 3\n", "'task_options' must be a table"),
    ("[task_param_choices]\nhazard = []\n", "must be a non-empty list of numbers"),
    ("this is not toml\n", "is not valid TOML"),
])
def test_bad_config_files(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(CognaxError, match=message):
        AgentConfig.from_toml(path)


def test_missing_file(tmp_path):
    with pytest.raises(CognaxError, match="does not exist"):
        AgentConfig.from_toml(tmp_path / "nope.toml")


def test_incompatible_combinations():
    with pytest.raises(CognaxError, match="objective 'supervised' needs a task that defines a correct action; "
                                          "task 'bandit' does not \\(tasks that do: .*reversal"):
        Trainer(AgentConfig(task="bandit", objective="supervised"))
    with pytest.raises(CognaxError, match="'reinforce' scores whole episodes"):
        Trainer(AgentConfig(task="bandit", objective="reinforce", rollout_length=10))
    with pytest.raises(CognaxError, match="rollout_length must divide the episode length \\(100 decisions"):
        Trainer(AgentConfig(task="bandit", rollout_length=30))
    with pytest.raises(CognaxError, match="unknown task 'bandits'"):
        Trainer(AgentConfig(task="bandits"))
    with pytest.raises(CognaxError, match="task_param_choices names 'p', not a parameter of task 'bandit'"):
        Trainer(AgentConfig(task="bandit", task_param_choices=(("p", (0.1,)),)))


def test_episodes_to_updates():
    config = AgentConfig(n_envs=32, rollout_length=10)
    # 32 environments x 10 of 100 decisions = 3.2 episodes per update.
    assert config.with_episodes(20_000, 100).n_updates == 6250
    with pytest.raises(CognaxError, match="episodes must be an integer >= 1"):
        config.with_episodes(0, 100)
