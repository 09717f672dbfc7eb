"""Domain errors raised by services and shown to users as plain messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A domain rule was broken. ``message`` is user-facing (Dutch, translatable)."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


def full_clean_or_raise(obj: Any, **kwargs: Any) -> None:
    """``obj.full_clean()``, turning a ValidationError into an ApplicationError.

    Services call this so that a broken rule reaches the view as one Dutch message plus
    the per-field messages (``extra``), and nothing is saved.
    """
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), extra=exc.message_dict) from exc
