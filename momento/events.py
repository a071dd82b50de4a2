"""How a lower app tells the apps above it that something happened, and shows their
figures on its pages, without importing them.

Apps depend downward only (momento → journeys → touchpoints → analytics →
reviews). When a change low down needs work higher up (ratings arrived → the
analytics count them), the lower app declares an `Event` in its `events.py`
and sends it; the app that cares connects a callback in its
`AppConfig.ready()`. Those `ready()` methods and docs/architecture.md list
every connection; there are no other signals between apps.

Callbacks run after the transaction that made the change commits
(`transaction.on_commit`), so a worker never reads a row before it is
there, and a rolled-back change announces nothing.

A `Contribution` is the same idea for reading: a page of a lower app (the
cycle list) shows figures a higher app computes (critical moments), asked
for in one call per page, never per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

Callback = Callable[..., None]


class Event:
    """One announcement, with the keyword arguments `send` passes to every callback."""

    def __init__(self, name: str, *, arguments: tuple[str, ...]):
        self.name = name
        self.arguments = arguments
        self.callbacks: list[Callback] = []

    def __repr__(self) -> str:
        return f"Event({self.name!r})"

    def connect(self, callback: Callback) -> Callback:
        """Call `callback(**arguments)` after each `send` commits. Connecting twice keeps one."""
        if callback not in self.callbacks:
            self.callbacks.append(callback)
        return callback

    def send(self, **arguments: Any) -> None:
        """Announce, once the current transaction commits (at once outside one)."""
        if set(arguments) != set(self.arguments):
            raise TypeError(f"{self.name} takes {', '.join(self.arguments)}, not {', '.join(sorted(arguments))}")
        for callback in self.callbacks:
            transaction.on_commit(_bound(callback, arguments))


def _bound(callback: Callback, arguments: dict[str, Any]) -> Callable[[], None]:
    return lambda: callback(**arguments)


Provider = Callable[..., dict[Any, dict[str, Any]]]


class Contribution:
    """Figures a lower app's page shows but does not own (the cycle list shows the
    analytics' critical counts): higher apps connect a provider in `AppConfig.ready()`,
    the page calls `collect`. Each provider answers {key: {name: value}} for the keys
    it was given; `collect` merges the answers, so a page works with any number of them.
    """

    def __init__(self, name: str, *, arguments: tuple[str, ...]):
        self.name = name
        self.arguments = arguments
        self.providers: list[Provider] = []

    def __repr__(self) -> str:
        return f"Contribution({self.name!r})"

    def connect(self, provider: Provider) -> Provider:
        if provider not in self.providers:
            self.providers.append(provider)
        return provider

    def collect(self, **arguments: Any) -> dict[Any, dict[str, Any]]:
        if set(arguments) != set(self.arguments):
            raise TypeError(f"{self.name} takes {', '.join(self.arguments)}, not {', '.join(sorted(arguments))}")
        merged: dict[Any, dict[str, Any]] = {}
        for provider in self.providers:
            for key, values in provider(**arguments).items():
                merged.setdefault(key, {}).update(values)
        return merged
