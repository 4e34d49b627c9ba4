"""Helpers for hostile-input tests: run a reader and tell its result from the domain error it raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def outcome(call: Callable[[], T], error: type[BaseException] | tuple[type[BaseException], ...]) -> tuple[
        T | None, str | None]:
    """``(result, None)``, or ``(None, message)`` when ``call`` raised ``error``; anything else propagates."""
    try:
        return call(), None
    except error as err:
        return None, str(err)


def one_line(message: str | None) -> bool:
    """Whether an error message (or no message) is a single line."""
    return message is None or "\n" not in message


__all__ = ["one_line", "outcome"]
