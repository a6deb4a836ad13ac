"""Frozen dataclasses that are JAX pytrees (state, params, configs, results)."""

from __future__ import annotations

import dataclasses
from typing import TypeVar

import jax

T = TypeVar("T")


def pytree_dataclass(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass registered as a pytree, with ``.replace(**changes)``.

    Fields marked ``dataclasses.field(metadata={"static": True})`` are static
    (part of the tree structure, not leaves).
    """
    cls = dataclasses.dataclass(frozen=True)(cls)
    fields = dataclasses.fields(cls)
    data = [f.name for f in fields if not f.metadata.get("static", False)]
    meta = [f.name for f in fields if f.metadata.get("static", False)]
    jax.tree_util.register_dataclass(cls, data_fields=data, meta_fields=meta)
    cls.replace = lambda self, **changes: dataclasses.replace(self, **changes)  # type: ignore[attr-defined]
    return cls


def static_field(**kwargs):
    """A dataclass field that is part of the pytree structure, not a leaf."""
    return dataclasses.field(metadata={"static": True}, **kwargs)
