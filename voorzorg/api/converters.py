"""URL converters of the API."""

from __future__ import annotations


class IdConverter:
    """A database id: 1 to 18 digits, so it always fits a bigint (a longer number would
    be a database error on PostgreSQL rather than a plain 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
