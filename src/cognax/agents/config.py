"""The typed, frozen configuration of a training run (the four axes plus the numbers).

A run is specified by its **architecture, learning rule, objective and task** (Richards
et al. 2019, Nat Neurosci 22:1761), plus the optimiser and the sizes of the run. The
config is a frozen, hashable dataclass: it is the static argument of every jitted
function, it is written next to the results (``config.toml``) and it is read back from
TOML with every key and type checked.

Example:
    >>> config = AgentConfig(task="bandit", architecture="lstm", hidden_size=48)
    >>> config.replace(learning_rate=3e-4).learning_rate
    0.0003
    >>> AgentConfig.from_dict({"hidden": 48})
    Traceback (most recent call last):
    ...
    cognax.errors.CognaxError: unknown config key 'hidden' (did you mean 'hidden_size'?); valid: ...
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from cognax.errors import CognaxError, unknown_name

ARCHITECTURES = ("rnn", "gru", "lstm")
OBJECTIVES = ("a2c", "reinforce", "supervised")
OPTIMIZERS = ("adam", "rmsprop")
SCHEDULES = ("constant", "linear")

_SCALAR = (bool, int, float, str)


@dataclasses.dataclass(frozen=True)
class AgentConfig:
    """Everything that defines a training run.

    Attributes:
        task: registry id of the task (``cognax tasks``).
        task_options: constructor arguments of the task, as ``(name, value)`` pairs
            (e.g. ``(("n_trials", 100),)``); a TOML table ``[task_options]``.
        task_param_choices: task parameters drawn afresh for every episode, uniformly
            from a list of values, as ``(name, (value, ...))`` pairs (e.g. the reversal
            ``hazard`` of low- and high-volatility episodes). Hidden quantities that the
            task draws at reset (a bandit's arm probabilities) are redrawn anyway.
        architecture: ``"rnn"``, ``"gru"`` or ``"lstm"``.
        hidden_size: units of the recurrent core.
        objective: ``"a2c"``, ``"reinforce"`` or ``"supervised"``.
        learning_rule: how the update is formed from the loss (``"bptt"``; see
            :mod:`cognax.agents.learning_rules`).
        optimizer: ``"adam"`` or ``"rmsprop"`` (Optax).
        learning_rate: the optimiser's step size.
        learning_rate_schedule: ``"constant"``, or ``"linear"`` decay to 0 over the run.
        max_grad_norm: clip the update's global norm to this (> 0).
        gamma: discount factor of the returns.
        gae_lambda: λ of generalised advantage estimation (1: n-step returns to the end
            of the roll-out, bootstrapped with the value there).
        entropy_coef, value_coef: weights of the entropy bonus and of the value loss.
        entropy_schedule: ``"constant"``, or ``"linear"`` decay of the entropy weight to 0
            over the run (broad exploration early, a sharp policy at the end).
        n_envs: episodes run in parallel per update (one batch).
        n_updates: parameter updates in the whole run.
        rollout_length: decisions per update and environment; must divide the episode
            length (``None``: one whole episode per update).
        reward_input, action_input, trial_input: the meta-RL inputs (Wang et al. 2016):
            the previous reward, the one-hot previous action and the trial index (as a
            fraction of the episode) join the observation.
    """

    task: str = "bandit"
    task_options: tuple[tuple[str, Any], ...] = ()
    task_param_choices: tuple[tuple[str, tuple[float, ...]], ...] = ()
    architecture: str = "lstm"
    hidden_size: int = 48
    objective: str = "a2c"
    learning_rule: str = "bptt"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    learning_rate_schedule: str = "constant"
    max_grad_norm: float = 1.0
    gamma: float = 0.9
    gae_lambda: float = 1.0
    entropy_coef: float = 0.05
    entropy_schedule: str = "constant"
    value_coef: float = 0.5
    n_envs: int = 32
    n_updates: int = 100
    rollout_length: int | None = None
    reward_input: bool = True
    action_input: bool = True
    trial_input: bool = False

    def __post_init__(self):
        _check_types(self)
        from cognax.agents.learning_rules import registry as rule_registry

        if self.architecture not in ARCHITECTURES:
            raise unknown_name("architecture", self.architecture, ARCHITECTURES)
        if self.objective not in OBJECTIVES:
            raise unknown_name("objective", self.objective, OBJECTIVES)
        if self.optimizer not in OPTIMIZERS:
            raise unknown_name("optimizer", self.optimizer, OPTIMIZERS)
        for name in ("learning_rate_schedule", "entropy_schedule"):
            if getattr(self, name) not in SCHEDULES:
                raise unknown_name(name.replace("_", " "), getattr(self, name), SCHEDULES)
        if self.learning_rule not in rule_registry:
            raise unknown_name("learning rule", self.learning_rule, rule_registry.names())
        for name in ("hidden_size", "n_envs", "n_updates"):
            _positive(name, getattr(self, name))
        if self.rollout_length is not None:
            _positive("rollout_length", self.rollout_length)
        for name in ("learning_rate", "max_grad_norm"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise CognaxError(f"{name} must be a number > 0; got {value!r}")
        for name in ("gamma", "gae_lambda"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise CognaxError(f"{name} must be a number in [0, 1]; got {value!r}")
        for name in ("entropy_coef", "value_coef"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise CognaxError(f"{name} must be a number >= 0; got {value!r}")

    # ------------------------------------------------------------------ derived
    def replace(self, **changes) -> "AgentConfig":
        return dataclasses.replace(self, **changes)

    def with_episodes(self, n_episodes: int, episode_length: int) -> "AgentConfig":
        """The config whose run covers at least ``n_episodes`` training episodes."""
        _positive("episodes", n_episodes)
        rollout = self.rollout_length or episode_length
        per_update = self.n_envs * rollout / episode_length
        return self.replace(n_updates=max(1, math.ceil(n_episodes / per_update)))

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        record = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "task_options":
                value = dict(value)
            elif field.name == "task_param_choices":
                value = {name: list(values) for name, values in value}
            if value is not None:
                record[field.name] = value
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any], source: str = "config") -> "AgentConfig":
        """Build a config from a plain mapping (a parsed TOML file), checking every key."""
        fields = {field.name for field in dataclasses.fields(cls)}
        for key in record:
            if key not in fields:
                hint = get_close_matches(key, sorted(fields), n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise CognaxError(f"unknown {source} key {key!r}{suggestion}; valid: {', '.join(sorted(fields))}")
        values = dict(record)
        if "task_options" in values:
            options = values["task_options"]
            if not isinstance(options, dict):
                raise CognaxError(f"{source} key 'task_options' must be a table of NAME = value; got {options!r}")
            values["task_options"] = tuple(sorted(options.items()))
        if "task_param_choices" in values:
            choices = values["task_param_choices"]
            if not isinstance(choices, dict) or not all(isinstance(v, list) for v in choices.values()):
                raise CognaxError(
                    f"{source} key 'task_param_choices' must be a table of NAME = [values]; got {choices!r}"
                )
            values["task_param_choices"] = tuple(sorted((k, tuple(v)) for k, v in choices.items()))
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> "AgentConfig":
        """Read a config from a TOML file (unknown keys and wrong types raise CognaxError)."""
        path = Path(path)
        if not path.is_file():
            raise CognaxError(f"config file {str(path)!r} does not exist")
        try:
            record = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise CognaxError(f"config file {str(path)!r} is not valid TOML: {error}") from None
        return cls.from_dict(record, source=f"config file {path.name!r}")

    def to_toml(self) -> str:
        """The config as TOML text (read back by :meth:`from_toml` to an equal config)."""
        lines, tables = [], []
        for key, value in self.to_dict().items():
            if isinstance(value, dict):
                tables.append((key, value))
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        for key, table in tables:
            lines.append(f"\n[{key}]")
            lines.extend(f"{name} = {_toml_value(value)}" for name, value in table.items())
        return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise CognaxError(f"cannot write {value!r} to TOML")


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CognaxError(f"{name} must be an integer >= 1; got {value!r}")


def _check_types(config: AgentConfig) -> None:
    """Every field has its declared type (ints are accepted where floats are declared)."""
    kinds = {
        str: "a string", int: "an integer", float: "a number", bool: "true or false",
    }
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.name == "rollout_length" and value is None:
            continue
        if field.name == "task_options":
            if not isinstance(value, tuple) or not all(
                isinstance(k, str) and isinstance(v, _SCALAR) for k, v in value
            ):
                raise CognaxError(f"task_options must map names to numbers, strings or booleans; got {value!r}")
            continue
        if field.name == "task_param_choices":
            for name, values in value:
                if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                    raise CognaxError(f"task_param_choices[{name!r}] must be a non-empty list of numbers; got {values!r}")
            continue
        expected = {"str": str, "int": int, "float": float, "bool": bool, "int | None": int}[str(field.type)]
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(config, field.name, float(value))
            ok = True
        if not ok:
            raise CognaxError(f"config key {field.name!r} must be {kinds[expected]}; got {value!r}")
