"""An uploaded file on its way from the web process to the worker, through the database.

The upload is stored as ``BackgroundJobChunk`` rows in the request's transaction, so the
job and its file commit together and web and worker share nothing but the database (no
volume in docker-compose, no object store). Pieces of ``CHUNK_BYTES``: a 50 MB upload is
50 small rows, and neither side ever holds more than one piece in memory. The worker
copies the pieces to a local temporary file, which the importer reads twice, and the rows
are deleted once the job has run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO

from django.core.files.uploadedfile import UploadedFile

from monitoring.models import BackgroundJob, BackgroundJobChunk

CHUNK_BYTES = 1024 * 1024


class LineCounter:
    """Counts a file's lines as the importer numbers them, fed a piece at a time.

    The importer splits lines on ``\\n``, ``\\r\\n`` and ``\\r`` alike (Django's ``File``),
    so this counts the same, also when a ``\\r\\n`` falls across two pieces. A last line
    without a line break counts too.
    """

    def __init__(self) -> None:
        self.breaks = 0
        self._after_cr = False
        self._open_line = False

    def feed(self, data: bytes) -> None:
        if not data:
            return
        breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
        if self._after_cr and data.startswith(b"\n"):
            breaks -= 1  # the \r ending the last piece and this \n are one line break
        self.breaks += breaks
        self._after_cr = data.endswith(b"\r")
        self._open_line = not data.endswith((b"\n", b"\r"))

    @property
    def lines(self) -> int:
        return self.breaks + (1 if self._open_line else 0)


def upload_store(*, job: BackgroundJob, upload: UploadedFile) -> int:
    """Store ``upload`` with ``job`` (call inside the job's creating transaction).

    Returns the number of lines in the file (header included), for the progress bar.
    """
    counter = LineCounter()
    for index, piece in enumerate(upload.chunks(CHUNK_BYTES)):
        counter.feed(piece)
        BackgroundJobChunk.objects.create(job=job, index=index, data=piece)
    return counter.lines


def upload_open(*, job_id: int) -> IO[bytes]:
    """The job's stored file as a local temporary file, at its start. Close it when done
    (it is deleted then)."""
    handle = tempfile.TemporaryFile(prefix="voorzorg-job-")  # noqa: SIM115 - the caller closes
    try:
        for piece in _pieces(job_id):
            handle.write(piece)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def _pieces(job_id: int) -> Iterable[bytes | memoryview]:
    # One piece per query: a server-side cursor would need a transaction on PostgreSQL,
    # and fetching all at once would hold the whole file in memory.
    chunk_ids = list(
        BackgroundJobChunk.objects.filter(job_id=job_id)
        .order_by("index")
        .values_list("pk", flat=True)
    )
    for chunk_id in chunk_ids:
        data = BackgroundJobChunk.objects.values_list("data", flat=True).get(pk=chunk_id)
        yield data


def upload_discard(*, job_id: int) -> None:
    """Delete the job's stored file (after it ran, done or failed). Safe to run twice."""
    BackgroundJobChunk.objects.filter(job_id=job_id).delete()
