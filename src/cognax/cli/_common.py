"""Helpers shared by CLI commands: option parsing, data resolution, output checks."""

from __future__ import annotations

import dataclasses
import inspect
import os
from pathlib import Path

from cognax.errors import CognaxError, unknown_name


#: Size cap of the persistent compilation cache. Setting one also makes JAX lock the cache
#: (``filelock``) around every read and write, so that cognax commands running side by
#: side (jobs on a cluster sharing a home folder) never read a half-written entry.
COMPILATION_CACHE_BYTES = 2 * 1024**3


def enable_compilation_cache() -> None:
    """Persistent XLA cache so that a second run of the same command does not recompile.

    ``COGNAX_COMPILATION_CACHE=0`` switches it off (the test suite does, so that every
    test compiles what it tests).
    """
    import jax

    if os.environ.get("COGNAX_COMPILATION_CACHE", "1") == "0":
        return

    cache = Path(os.environ.get("COGNAX_CACHE_DIR", Path.home() / ".cache" / "cognax" / "jax"))
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    jax.config.update("jax_compilation_cache_dir", str(cache))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_compilation_cache_max_size", COMPILATION_CACHE_BYTES)


def parse_assignments(items: list[str] | None, option: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}`` with a clear error for bad items."""
    result = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CognaxError(f"{option} expects NAME=VALUE; got {item!r}")
        result[name.strip()] = value.strip()
    return result


def _convert(text: str, name: str, like):
    """Convert an option string to the type of ``like`` (int, float, bool, str, tuple)."""
    try:
        if isinstance(like, bool):
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if isinstance(like, int):
            return int(text)
        if isinstance(like, float):
            return float(text)
        if isinstance(like, tuple):
            return tuple(int(part) for part in text.split(","))
        return text
    except ValueError:
        kind = {bool: "true/false", int: "an integer", float: "a number", tuple: "comma-separated integers"}
        raise CognaxError(f"task parameter {name!r} must be {kind.get(type(like), 'a value')}; got {text!r}") from None


def build_task(name: str, n_trials: int | None, task_options: dict[str, str]):
    """Build a task from CLI options: constructor arguments and ``params`` fields alike."""
    from cognax import tasks

    factory = tasks.registry.factory(name)
    signature = inspect.signature(factory)
    constructor_args = {k: p.default for k, p in signature.parameters.items() if p.default is not inspect.Parameter.empty}
    kwargs = {}
    for key, text in task_options.items():
        if key in constructor_args:
            kwargs[key] = _convert(text, key, constructor_args[key])
    if n_trials is not None:
        if "n_trials" not in constructor_args:
            raise CognaxError(
                f"task {name!r} sets its number of trials from its structure; "
                f"use --task-param with one of: {', '.join(constructor_args)}"
            )
        kwargs["n_trials"] = n_trials
    task = factory(**kwargs)
    params = task.default_params()
    fields = {f.name for f in dataclasses.fields(params)}
    changes = {}
    for key, text in task_options.items():
        if key in constructor_args:
            continue
        if key not in fields:
            raise unknown_name(f"task parameter of {name!r}", key, set(constructor_args) | fields)
        changes[key] = _convert(text, key, float(getattr(params, key)))
    return task, params.replace(**changes) if changes else params


def load_data(spec: str, task=None):
    """A data file path, or a bundled name (``dezfouli2019``, ``collins_rlwm:N``)."""
    from cognax import data

    bundled = {name for name in data.list_datasets()}
    name, _, experiment = spec.partition(":")
    if name in bundled:
        if experiment:
            try:
                return data.load(name, experiment=int(experiment))
            except ValueError:
                raise CognaxError(f"experiment in {spec!r} must be an integer") from None
        return data.load(name)
    path = Path(spec)
    if not path.exists() and not path.suffix:
        raise CognaxError(f"no file or bundled data set named {spec!r}; bundled: {', '.join(sorted(bundled))}")
    return data.read_table(path, task=task)


def check_output_path(path: Path, suffixes: tuple[str, ...]) -> Path:
    if path.suffix.lower() not in suffixes:
        raise CognaxError(f"output file {str(path)!r} must end in one of: {', '.join(suffixes)}")
    if not path.parent.exists():
        raise CognaxError(f"output folder {str(path.parent)!r} does not exist")
    return path
