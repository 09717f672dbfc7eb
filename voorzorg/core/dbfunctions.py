"""Small SQL functions several apps need, on PostgreSQL and on SQLite (dev and tests)."""

from __future__ import annotations

from typing import Any

from django.db.models import Func, IntegerField


class DaysBetween(Func):
    """Calendar days ``later - earlier`` between two dates; NULL when either is NULL."""

    output_field = IntegerField()
    arity = 2
    # PostgreSQL: date - date is an integer number of days.
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        # Dates are 'YYYY-MM-DD' text; julianday() of two dates differs by whole days
        # exactly, ROUND only guards the float conversion.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(JULIANDAY(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - JULIANDAY(",
            **extra,
        )
