"""Domain errors raised by services and shown to users as plain messages."""

from __future__ import annotations


class ApplicationError(Exception):
    """A domain rule was broken. ``message`` is user-facing (Dutch, translatable)."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
