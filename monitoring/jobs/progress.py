"""Writing a running job's progress so that the page polling it sees it at once.

The trap: the waitlist import writes all its episodes in one transaction (all or
nothing), and its second pass reports progress from inside it. An UPDATE of the job row
through the same connection would only be seen by others at the commit, when the import
is over. So, inside a transaction:

- **PostgreSQL**: the progress goes through a second connection of its own, in
  autocommit, so each UPDATE is committed (and seen by the poller) at once, whatever the
  import's transaction does. The import's transaction never touches the job row until
  its last step (``ImportObserver.committing``), after the last progress write: the two
  connections never wait for each other's row lock.
- **SQLite**: one writer at a time for the whole file. A second connection would wait
  for the import's write lock and fail with "database is locked", so the progress goes
  through the import's own connection and is seen when the import commits. SQLite runs
  in development and tests, where Celery is eager and the job runs inside the request
  anyway: nobody is polling yet.

Outside a transaction (the import's first pass, a recompute between periods) every
UPDATE is committed at once on either database, through the ordinary connection.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from monitoring.constants import JobState
from monitoring.models import BackgroundJob

logger = logging.getLogger(__name__)


class JobProgress:
    """The progress writer of one running job. Use as a context manager: it closes the
    second connection it may have opened."""

    def __init__(self, job_id: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.job_id = job_id
        self.using = using
        self._side: BaseDatabaseWrapper | None = None

    def __enter__(self) -> JobProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def __call__(self, *, phase: str, done: int, total: int) -> None:
        """Record that the job, in ``phase``, has done ``done`` of ``total``.

        Only while the job is running: a job failed meanwhile (by the sweeper) stays
        failed. Progress is a convenience: a write that fails is logged and the work goes
        on, it never fails the job.
        """
        values: dict[str, Any] = {
            "phase": phase,
            "progress_done": max(0, min(done, total)),
            "progress_total": max(total, 0),
            "progress_at": timezone.now(),
        }
        try:
            connection = connections[self.using]
            beside = connection.in_atomic_block and connection.vendor == "postgresql"
            if beside and self._write_beside(values):
                return
            # Otherwise through this connection. Also when the second one did not see the
            # job: its row is not committed yet (a caller's transaction around the whole
            # job, as in tests), so the progress can only be seen with it, at that commit.
            BackgroundJob.objects.using(self.using).filter(
                pk=self.job_id, state=JobState.RUNNING
            ).update(**values)
        except DatabaseError:
            logger.warning("Job %s: could not record its progress.", self.job_id, exc_info=True)

    def _write_beside(self, values: dict[str, Any]) -> bool:
        """The UPDATE through a second, autocommit connection (PostgreSQL only); False
        when that connection does not see the running job."""
        if self._side is None:
            self._side = connections.create_connection(self.using)
        side = self._side
        meta = BackgroundJob._meta
        qn = side.ops.quote_name
        fields = [meta.get_field(name) for name in values]
        assignments = ", ".join(f"{qn(field.column)} = %s" for field in fields)
        params = [field.get_db_prep_save(values[field.name], connection=side) for field in fields]
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {qn(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
                f"WHERE {qn(meta.pk.column)} = %s AND {qn(meta.get_field('state').column)} = %s",
                [*params, self.job_id, JobState.RUNNING.value],
            )
            return cursor.rowcount == 1
