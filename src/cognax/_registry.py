"""A small explicit registry: name -> factory, with helpful errors."""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from cognax.errors import unknown_name

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps registry ids to factories. Entries are added explicitly, never by scanning."""

    def __init__(self, kind: str):
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str, factory: Callable[..., T]) -> None:
        if name in self._factories:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._factories[name] = factory

    def make(self, name: str, **kwargs) -> T:
        if name not in self._factories:
            raise unknown_name(self.kind, name, self._factories)
        return self._factories[name](**kwargs)

    def factory(self, name: str) -> Callable[..., T]:
        if name not in self._factories:
            raise unknown_name(self.kind, name, self._factories)
        return self._factories[name]

    def names(self) -> list[str]:
        return list(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)
