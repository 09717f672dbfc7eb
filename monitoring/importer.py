"""Import a GGZ provider's waitlist export (docs/indicators.md, "Waitlist import format").

Contract of ``waitlist_import``:

- **All or nothing.** A first streaming pass validates every row. A file with any invalid
  row writes nothing and the result lists every invalid row: file line (header = line 1),
  column, reason, in Dutch. Only then a second streaming pass writes, in batches, inside
  one transaction.
- **Idempotent** on (provider AGB, external_id): each batch looks up the episodes it
  already has and compares field by field before writing, so importing the same file
  twice writes nothing the second time (``updated_at`` stays as it was). A hand-entered
  episode has an empty external_id and is never matched; ``participant`` is never set or
  changed by an import (a linked imported episode keeps its participant).
- **Streams.** Neither pass holds more than one batch of rows. What grows with the file:
  the map of keys seen (to find duplicates within the file) and the error list, which is
  capped at ``MAX_STORED_ERRORS`` with a count of the rest.
- **Can be followed.** An ``ImportObserver`` hears how far each pass is (every
  ``PROGRESS_EVERY`` rows), every problem found (also past the cap), and is called inside
  the import's transaction right before it commits (the background job's result commits
  with the episodes, or not at all). Without one, nothing changes.

Format: CSV, UTF-8 with or without BOM; separator ``,`` or ``;`` detected on the header
line; dates ``YYYY-MM-DD`` or ``DD-MM-YYYY``, per cell. Codes (care level, diagnosis
group, close reason, CBS code) are read case-insensitively; every other value exactly,
after trimming spaces.

Required values: ``provider_agb``, ``external_id``, ``care_level``, ``registration_date``.
Optional: ``location``, ``birth_year``, ``municipality_code`` (a provider does not always
know it; the episode then counts under "unknown municipality"), ``diagnosis_group``
(empty = not yet made), ``referral_date`` (self-referrals exist), ``intake_date``,
``treatment_start_date``, ``closed_date`` with ``close_reason`` (both or neither). Every
column must be in the header, even when all its values are empty: a misspelt column
would otherwise silently drop its data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.periods import Period, PeriodKind
from monitoring.touched import RegionMap, Touched
from referrals.import_services import (
    IMPORT_FIELD_INDEX,
    ImportedEpisode,
    imported_episodes_save,
)
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

from .waitlist.fileformat import (
    COLUMNS,
    DATE_COLUMNS,
    MIN_BIRTH_YEAR,
    MIN_DATE,
    REQUIRED_VALUES,
    FileUnreadable,
    ImportIssue,
)
from .waitlist.reading import csv_rows, read_header
from .waitlist.rows import Lookups, parse_row, raw_key

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "MAX_STORED_ERRORS",
    "MIN_BIRTH_YEAR",
    "MIN_DATE",
    "PROGRESS_EVERY",
    "REQUIRED_VALUES",
    "ImportIssue",
    "ImportObserver",
    "ImportResult",
    "waitlist_import",
]

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000
MAX_STORED_ERRORS = 1_000
# How often an observer hears how far a pass is: a few dozen times for a large file, so
# following an import costs a few dozen small UPDATEs, not one per row.
PROGRESS_EVERY = 5_000
_DATE_INDEXES = tuple(IMPORT_FIELD_INDEX[name] for name in DATE_COLUMNS)


@dataclass
class ImportResult:
    """What an import found and did. ``created``/``updated``/``unchanged`` are also filled
    by a dry run (as "would be"), from the same comparison with the database."""

    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_rows: int = 0
    error_count: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    # (first month, last month) spans, as year * 12 + month - 1, touched by changed rows.
    month_spans: set[tuple[int, int]] = field(default_factory=set)
    # Public ids of participants whose (imported, linked) episode changed: for the log.
    changed_person_ids: set[str] = field(default_factory=set)
    written: bool = False
    # The periods and scopes whose figures the changes move (not in a dry run), and
    # whether a referral was linked to a new episode (then other episodes changed too).
    touched: Touched | None = None
    linked: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        """One sentence in Dutch: what happened (or would happen, in a dry run)."""
        if not self.ok:
            return _(
                "%(file)s is niet geïmporteerd: %(errors)s fout(en) in %(rows)s regel(s). "
                "Er is niets opgeslagen."
            ) % {"file": self.filename, "errors": self.error_count, "rows": self.invalid_rows}
        counts = {
            "file": self.filename,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            return (
                _(
                    "%(file)s is in orde: %(rows)s regels. Bij importeren: %(created)s nieuw, "
                    "%(updated)s bijgewerkt, %(unchanged)s ongewijzigd. Er is niets opgeslagen."
                )
                % counts
            )
        return (
            _(
                "%(file)s is geïmporteerd: %(rows)s regels, %(created)s nieuw, "
                "%(updated)s bijgewerkt, %(unchanged)s ongewijzigd."
            )
            % counts
        )

    def add_error(self, issue: ImportIssue) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(issue)

    @property
    def period_keys(self) -> list[str]:
        """Month, quarter and year keys whose figures the changed rows can move.

        Not only the months of the dates themselves: an episode counts as an open wait at
        every peildatum from its first date until it stops waiting, so the whole span is
        affected (up to today while it is still waiting).
        """
        months: set[int] = set()
        for first, last in self.month_spans:
            months.update(range(first, last + 1))
        keys: set[str] = set()
        for index in months:
            day = dt.date(index // 12, index % 12 + 1, 1)
            for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
                keys.add(Period.containing(day, kind).key)
        return sorted(keys)

    @property
    def queued_period_keys(self) -> list[str]:
        """The periods whose figures the import asked to bring up to date: the refresh
        of what it touched, or with a linked referral the full recompute of
        ``period_keys``."""
        if self.linked or self.touched is None:
            return self.period_keys
        return sorted(cells.period_key for cells in self.touched.cells())


class ImportObserver:
    """Follows a running import (``waitlist_import(observer=...)``). Does nothing itself:
    a caller overrides what it needs. The methods are called in the import's own thread,
    and an exception raised in one stops the import (nothing is written then)."""

    def checked(self, *, line: int) -> None:
        """Pass 1 (checking) has read the file up to physical line ``line`` (header = 1).

        Every ``progress_every`` rows; not at the end of the pass (``saved`` starts the
        next, and a refused file ends with the result)."""

    def saved(self, *, done: int, total: int) -> None:
        """Pass 2 has compared (and, unless a dry run, written) ``done`` of ``total`` rows.

        Once with ``done`` 0 at its start, then after a batch whenever another
        ``progress_every`` rows are done, and at its end. Except in a dry run, pass 2 runs
        inside the import's transaction: what is written here through the same database
        connection is only seen by others once it commits."""

    def refused(self, issue: ImportIssue) -> None:
        """A problem with the file or a row: every one, also past ``MAX_STORED_ERRORS``."""

    def committing(self, result: ImportResult) -> None:
        """Inside the import's transaction, after every write: what is written here
        commits together with the episodes, or is rolled back with them. Not called in a
        dry run or for a refused file (no transaction then)."""


class _Every:
    """True each time a count reaches the next multiple of ``step``."""

    def __init__(self, step: int) -> None:
        self.step = max(step, 1)
        self.next = self.step

    def due(self, count: int) -> bool:
        if count < self.next:
            return False
        self.next = count - count % self.step + self.step
        return True


class _FileChanged(Exception):
    """The second pass found a row the first pass did not see (the file changed)."""


# --- The two passes ----------------------------------------------------------------------


def _validate(
    file: IO[bytes],
    lookups: Lookups,
    result: ImportResult,
    observer: ImportObserver,
    progress_every: int,
) -> None:
    """Pass 1: read every row, keep only the keys seen and (a capped list of) errors."""

    def add_error(issue: ImportIssue) -> None:
        result.add_error(issue)
        observer.refused(issue)

    every = _Every(progress_every)
    rows = csv_rows(file)
    try:
        _line, header = next(rows)
        index, header_issues = read_header(header)
        if header_issues:
            # Without a trustworthy header, every row would be misread: stop here.
            for issue in header_issues:
                add_error(issue)
            return
        # (provider id, external id) -> first line. The provider id is the same int
        # object for every row of a provider, so a key costs little more than its id.
        seen: dict[tuple[int | str, str], int] = {}
        for line, cells in rows:
            result.rows += 1
            if every.due(result.rows):
                observer.checked(line=line)
            record, issues = parse_row(line, cells, index, lookups)
            key = (
                (record.provider_id, record.external_id)
                if record
                else raw_key(cells, index, lookups)
            )
            if key is not None:
                first = seen.setdefault(key, line)
                if first != line:
                    issues.append(
                        ImportIssue(
                            line,
                            "external_id",
                            _(
                                "Dubbel: dezelfde aanbieder en hetzelfde kenmerk staan al op "
                                "regel %(first)s."
                            )
                            % {"first": first},
                        )
                    )
            if issues:
                result.invalid_rows += 1
                for issue in issues:
                    add_error(issue)
    except FileUnreadable as exc:
        add_error(exc.issue)


def _valid_records(file: IO[bytes], lookups: Lookups) -> Iterator[ImportedEpisode]:
    """Pass 2: the rows again, now known to be valid. Anything else means the file changed."""
    rows = csv_rows(file)
    try:
        _line, header = next(rows)
        index, header_issues = read_header(header)
        if header_issues:
            raise _FileChanged
        for line, cells in rows:
            record, issues = parse_row(line, cells, index, lookups)
            if issues or record is None:
                raise _FileChanged
            yield record
    except FileUnreadable:
        raise _FileChanged from None


def _batches(records: Iterable[ImportedEpisode], size: int) -> Iterator[list[ImportedEpisode]]:
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _span(values: tuple[Any, ...], today: dt.date) -> tuple[int, int]:
    """The months in which this version of an episode can move a figure."""
    dates = [values[i] for i in _DATE_INDEXES if values[i] is not None]
    waiting = (
        values[IMPORT_FIELD_INDEX["treatment_start_date"]] is None
        and values[IMPORT_FIELD_INDEX["closed_date"]] is None
    )
    # Still waiting: an open wait at every peildatum up to today.
    last = today if waiting else max(dates)
    return _month_index(min(dates)), _month_index(last)


def _write_batch(
    batch: list[ImportedEpisode],
    *,
    result: ImportResult,
    today: dt.date,
    now: dt.datetime,
    write: bool,
    actor: Actor | None = None,
) -> None:
    """Save one batch through ``referrals`` and count what changed, and where in time;
    ``referrals`` links the referrals waiting for new episodes as ``actor``."""
    changes = imported_episodes_save(episodes=batch, now=now, write=write, actor=actor)
    for values in changes.created:
        result.month_spans.add(_span(values, today))
    for old, new in changes.updated:
        # A date that moved affects the months it left as well as those it entered.
        result.month_spans.add(_span(old, today))
        result.month_spans.add(_span(new, today))
    if result.touched is not None:
        for provider_id, before, after in changes.changed:
            result.touched.add(provider_id, before, after)
    result.linked |= changes.linked
    result.created += len(changes.created)
    result.updated += len(changes.updated)
    result.unchanged += changes.unchanged
    result.changed_person_ids |= changes.changed_person_ids


def _enqueue_refresh(result: ImportResult) -> None:
    """Ask the indicator engine, once the import is committed, to refresh the figures the
    changes touched (``monitoring.touched``); when a referral was linked, which also
    changes other episodes, to recompute the touched periods in full."""
    try:
        # The engine owns these functions (monitoring/tasks.py). Without them an import
        # still succeeds; the figures then follow at the next scheduled recompute.
        from monitoring.tasks import enqueue_recompute_on_commit, enqueue_refresh_on_commit
    except ImportError:
        logger.info("No recompute enqueued: monitoring.tasks is not available.")
        return
    if result.linked or result.touched is None:
        enqueue_recompute_on_commit(result.period_keys)
    else:
        enqueue_refresh_on_commit(result.touched.cells())


def _log_import(actor: Actor | None, name: str, result: ImportResult) -> None:
    """One audit row for the import as a whole: imported episodes are not persons of the
    app, so there is no person id; and one naming the participants whose linked episode
    changed (their record changed: NEN 7513 wants each in the log, by pseudonym)."""
    actor = actor or Actor(user=None, membership=None)
    event = f"waitlist.import:{name}"[:100]
    actor.audit(action=AuditAction.CREATE if result.created else AuditAction.UPDATE, event=event)
    if result.changed_person_ids:
        actor.audit(
            action=AuditAction.UPDATE, event=event, person_ids=sorted(result.changed_person_ids)
        )


def waitlist_import(
    *,
    file: IO[bytes],
    filename: str,
    actor: Actor | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
    observer: ImportObserver | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> ImportResult:
    """Validate a provider's waitlist file and, when every row is valid, import it.

    ``file`` is a seekable binary file (an upload, or ``open(path, "rb")``); it is read
    twice, never whole. ``today`` is the day after which a date counts as in the future.
    Invalid: nothing is written, ``result.errors`` says why. Valid and not ``dry_run``:
    every change is written in one transaction, one audit row records the import, and a
    refresh of the figures it touched (``result.touched``) is enqueued for after the
    commit (a recompute of ``result.period_keys`` when it linked a referral). Safe to run
    twice: the second run writes no episode. ``observer`` follows the import as it runs
    (``ImportObserver``), hearing from it every ``progress_every`` rows.

    Raises ApplicationError only when the database changed under the import (for
    instance a concurrent import of the same file); nothing is written then either.
    """
    today = today or timezone.localdate()
    name = os.path.basename(filename or "") or "bestand"
    result = ImportResult(filename=name, dry_run=dry_run)
    observer = observer or ImportObserver()
    lookups = Lookups.load(today)
    _validate(file, lookups, result, observer, progress_every)
    if not result.ok:
        return result

    now = timezone.now()
    if not dry_run:
        result.touched = Touched(today=today, regions=RegionMap.load())

    def run() -> None:
        every = _Every(progress_every)
        done = 0
        observer.saved(done=0, total=result.rows)
        for batch in _batches(_valid_records(file, lookups), batch_size):
            _write_batch(batch, result=result, today=today, now=now, write=not dry_run, actor=actor)
            done += len(batch)
            if every.due(done) and done < result.rows:
                observer.saved(done=done, total=result.rows)
        observer.saved(done=done, total=result.rows)

    try:
        if dry_run:
            run()
            return result
        with transaction.atomic():
            run()
            result.written = True
            # A run that changed nothing writes no audit row and asks no recompute:
            # "importing twice changes nothing" holds for the whole database.
            if result.changed:
                _log_import(actor, name, result)
                _enqueue_refresh(result)
            observer.committing(result)
    except _FileChanged:
        raise ApplicationError(
            _("Het bestand veranderde tijdens het importeren. Er is niets opgeslagen.")
        ) from None
    except IntegrityError:
        # Unique (provider, external_id) or a date constraint: another import got there
        # between our lookup and our write. The transaction rolled back as a whole.
        logger.warning("Waitlist import of %s rolled back on an integrity error.", name)
        raise ApplicationError(
            _(
                "De wachtlijst veranderde tijdens het importeren (bijvoorbeeld door een "
                "gelijktijdige import). Er is niets opgeslagen; probeer het opnieuw."
            )
        ) from None
    return result
