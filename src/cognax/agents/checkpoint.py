"""Checkpoints of training runs: ``.npz`` files read with ``allow_pickle=False``.

A checkpoint holds every leaf of the (seed-stacked) :class:`~cognax.agents.train.TrainState`
in tree order, the metrics recorded so far, and a JSON header with the config, the
seeds and the tree structure. Loading checks the header against the run that resumes
(same config, same seeds, same structure, shapes and dtypes), so a checkpoint from
another config, or a damaged file, is refused with a one-line error instead of being
half-used. PRNG keys are stored as their raw key data.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from cognax.agents.config import AgentConfig
from cognax.data.io import atomic_write
from cognax.errors import CognaxError

FORMAT = "cognax-agent-checkpoint-1"


def _is_key(leaf) -> bool:
    return isinstance(leaf, jax.Array) and jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)


def save_checkpoint(path: str | Path, config: AgentConfig, seeds, state, metrics: dict[str, np.ndarray]) -> Path:
    """Write ``state`` (stacked over ``seeds``) and the metrics so far, atomically."""
    leaves, treedef = jax.tree.flatten(state)
    arrays, key_leaves = {}, []
    for index, leaf in enumerate(leaves):
        if _is_key(leaf):
            key_leaves.append(index)
            leaf = jax.random.key_data(leaf)
        arrays[f"leaf_{index:04d}"] = np.asarray(leaf)
    for name, values in metrics.items():
        arrays[f"metric_{name}"] = np.asarray(values)
    header = {
        "format": FORMAT,
        "config": config.to_dict(),
        "seeds": [int(seed) for seed in seeds],
        "structure": str(treedef),
        "n_leaves": len(leaves),
        "key_leaves": key_leaves,
        "metrics": sorted(metrics),
    }
    arrays["header"] = np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8)
    with atomic_write(path, "wb") as handle:
        np.savez(handle, **arrays)
    return Path(path)


def read_header(path: str | Path) -> dict:
    """The JSON header of a checkpoint (config, seeds, ...); CognaxError if it is not one."""
    archive = _open(path)
    with archive:
        return _header(archive, path)


def _open(path):
    path = Path(path)
    if not path.is_file():
        raise CognaxError(f"checkpoint {str(path)!r} does not exist")
    try:
        # Read into memory first: a damaged file then leaves no open handle behind.
        return np.load(io.BytesIO(path.read_bytes()), allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise CognaxError(f"checkpoint {str(path)!r} is corrupt or not a cognax checkpoint ({error})") from None


def _header(archive, path) -> dict:
    try:
        header = json.loads(bytes(archive["header"]).decode())
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise CognaxError(f"checkpoint {str(path)!r} is corrupt or not a cognax checkpoint ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CognaxError(f"checkpoint {str(path)!r} is not a cognax agent checkpoint ({FORMAT})")
    return header


def load_checkpoint(path: str | Path, config: AgentConfig, seeds, template) -> tuple[object, dict[str, np.ndarray]]:
    """Read a checkpoint into the structure of ``template`` (e.g. ``jax.eval_shape`` of the init).

    Raises CognaxError if the file is damaged or was written by another config or seeds.
    """
    archive = _open(path)
    with archive:
        header = _header(archive, path)
        if header["config"] != config.to_dict():
            changed = sorted(
                key for key in set(header["config"]) | set(config.to_dict())
                if header["config"].get(key) != config.to_dict().get(key)
            )
            raise CognaxError(
                f"checkpoint {str(path)!r} is from another config (differs in: {', '.join(changed)}); "
                "train into a new folder or use the same config"
            )
        if header["seeds"] != [int(seed) for seed in seeds]:
            raise CognaxError(f"checkpoint {str(path)!r} holds seeds {header['seeds']}; asked for {list(seeds)}")
        leaves, treedef = jax.tree.flatten(template)
        if header["structure"] != str(treedef) or header["n_leaves"] != len(leaves):
            raise CognaxError(f"checkpoint {str(path)!r} does not match this version's training state")
        restored = []
        try:
            for index, like in enumerate(leaves):
                value = np.asarray(archive[f"leaf_{index:04d}"])
                if index in header["key_leaves"]:
                    restored.append(jax.random.wrap_key_data(jnp.asarray(value)))
                    continue
                if value.shape != like.shape or value.dtype != like.dtype:
                    raise CognaxError(
                        f"checkpoint {str(path)!r}: array {index} has shape {value.shape} {value.dtype}; "
                        f"expected {like.shape} {like.dtype}"
                    )
                restored.append(jnp.asarray(value))
            metrics = {name: np.asarray(archive[f"metric_{name}"]) for name in header["metrics"]}
        except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise CognaxError(f"checkpoint {str(path)!r} is corrupt ({error})") from None
    return jax.tree.unflatten(treedef, restored), metrics


__all__ = ["save_checkpoint", "load_checkpoint", "read_header"]
