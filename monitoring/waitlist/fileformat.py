"""The waitlist file's format: its columns, the bounds of its values, and how a problem
with the file or one of its rows is told (``ImportIssue``, in Dutch).

The contract as a whole is in ``monitoring.importer`` and docs/indicators.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from voorzorg.core.dates import EARLIEST_BIRTH_DAY, EARLIEST_DAY

COLUMNS: tuple[str, ...] = (
    "provider_agb",
    "location",
    "external_id",
    "birth_year",
    "municipality_code",
    "care_level",
    "diagnosis_group",
    "referral_date",
    "registration_date",
    "intake_date",
    "treatment_start_date",
    "closed_date",
    "close_reason",
)
REQUIRED_VALUES = frozenset({"provider_agb", "external_id", "care_level", "registration_date"})
DATE_COLUMNS: tuple[str, ...] = (
    "referral_date",
    "registration_date",
    "intake_date",
    "treatment_start_date",
    "closed_date",
)
# The plausible-date rule of every hand-entered date (voorzorg.core.dates): no waiting
# list in a provider's export goes back further; an older date is a typo (0026 for 2026),
# and would also send the recompute back through the centuries. The upper bound needs no
# check here: a date in the future is refused outright (``episode_date_errors``).
MIN_BIRTH_YEAR = EARLIEST_BIRTH_DAY.year
MIN_DATE = EARLIEST_DAY
# A physical line longer than this is not a waitlist row (binary data, a lost quote).
MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ImportIssue:
    """One reason a row (or the file) cannot be imported. ``line`` is 1-based; 1 = header."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Regel %(line)s, kolom %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Regel %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class FileUnreadable(Exception):
    """The file itself cannot be read further (encoding, CSV structure)."""

    def __init__(self, issue: ImportIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue
