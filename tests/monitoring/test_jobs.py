"""The waitlist upload as a background job: its life, its progress, its result, who sees it.

Celery is eager in tests (as with ``make run``): the job runs after the view's commit,
before the job's page is shown. Non-transactional tests run the on-commit work by hand
(``send``); the progress tests use real commits, because what they check is what another
connection sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections
from django.test import TestCase
from django.urls import reverse

from monitoring import importer, tasks
from monitoring.constants import JobKind, JobPhase, JobState
from monitoring.jobs import presenter, runners
from monitoring.jobs.files import LineCounter
from monitoring.jobs.progress import JobProgress
from monitoring.jobs.services import (
    JobAlreadyRunning,
    import_job_start,
    jobs_sweep,
)
from monitoring.models import BackgroundJob, BackgroundJobChunk, BackgroundJobIssue
from referrals.models import WaitingEpisode
from tests.accounts.helpers import authenticator_of
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.monitoring.test_import import NOW, csv_bytes, row, rows, world  # noqa: F401
from voorzorg.accounts.constants import Role
from voorzorg.audit.models import AccessLog
from voorzorg.audit.services import Actor

UPLOAD = reverse("monitoring:import_waitlist")

# The GGZ providers and municipalities the files name (tests/monitoring/test_import.py).
pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW)


class RecomputeSpy:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, period_keys) -> list[str]:
        self.calls.append(list(period_keys))
        return list(period_keys)


@pytest.fixture(autouse=True)
def recompute(monkeypatch) -> RecomputeSpy:
    """The engine's recompute after an import is not what these tests are about."""
    spy = RecomputeSpy()
    monkeypatch.setattr(tasks, "enqueue_recompute_on_commit", spy)
    monkeypatch.setattr(
        tasks, "enqueue_refresh_on_commit", lambda cells: spy(c.period_key for c in cells)
    )
    return spy


def upload(data: bytes, name: str = "aanbieder.csv", **extra) -> dict:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **extra}


def send(client, data: dict, *, url: str = UPLOAD):
    """POST as a browser does, run the after-commit work, and return the redirect."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    return response


def actor_of(user) -> Actor:
    return Actor(user=user, membership=user.memberships.get())


def job_page(job: BackgroundJob) -> str:
    return reverse("monitoring:job", args=[job.pk])


@pytest.fixture
def other_admins(region, municipality):
    """An administrator of the same region, and one of another region."""
    colleague = UserFactory(email="bob@voorzorg.test")
    MembershipFactory(user=colleague, organisation=municipality, role=Role.ADMIN)
    far_municipality = OrganisationFactory(
        municipality_kind=True, name="Gemeente Amsterdam", cbs_code="GM0363"
    )
    RegionFactory(name="Amsterdam").municipalities.add(far_municipality)
    stranger = UserFactory(email="zed@voorzorg.test")
    MembershipFactory(user=stranger, organisation=far_municipality, role=Role.ADMIN)
    authenticator_of(colleague)
    authenticator_of(stranger)
    return {"colleague": colleague, "stranger": stranger}


# --- The life of a job -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_becomes_a_job_that_runs_before_its_page_is_shown(client_for, admin_ada, region):
    response = send(client_for(admin_ada), upload(csv_bytes(rows(4))))

    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_page(job)
    assert (job.kind, job.state, job.created_by, job.error) == (
        JobKind.WAITLIST_IMPORT,
        JobState.DONE,
        admin_ada,
        "",
    )
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert list(job.regions.all()) == [region]
    assert job.result == {
        "filename": "aanbieder.csv",
        "dry_run": False,
        "ok": True,
        "written": True,
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "invalid_rows": 0,
        "error_count": 0,
        "issues_stored": 0,
        "periods": job.result["periods"],
    }
    assert job.result["periods"] > 0
    # The file was only on its way: gone once the job has run.
    assert not BackgroundJobChunk.objects.exists()
    assert WaitingEpisode.objects.count() == 4
    # Audited as the upload always was: the import, in her name and role.
    log = AccessLog.objects.get(event="waitlist.import:aanbieder.csv")
    assert (log.actor, log.role, log.action) == (admin_ada, "admin", "C")

    html = client_for(admin_ada).get(response["Location"]).content.decode()
    assert "aanbieder.csv is geïmporteerd: 4 regels, 4 nieuw" in html
    assert "Stand: Klaar" in html
    assert "hx-trigger" not in html  # ended: the page no longer polls


@pytest.mark.django_db
def test_a_reimport_changes_nothing_and_says_so(client_for, admin_ada):
    client = client_for(admin_ada)
    send(client, upload(csv_bytes(rows(3))))
    send(client, upload(csv_bytes(rows(3))))
    second = BackgroundJob.objects.order_by("pk").last()
    assert (second.result["created"], second.result["unchanged"]) == (0, 3)
    assert second.state == JobState.DONE


@pytest.mark.django_db
def test_the_same_submission_twice_makes_one_job(client_for, admin_ada):
    client = client_for(admin_ada)
    key = "a" * 32
    first = send(client, upload(csv_bytes(rows(2)), submission_key=key))
    again = send(client, upload(csv_bytes(rows(2)), submission_key=key))
    assert first["Location"] == again["Location"]
    assert BackgroundJob.objects.count() == 1


def test_the_task_run_twice_runs_the_job_once(admin_ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_start(
            actor=actor_of(admin_ada),
            upload=SimpleUploadedFile("w.csv", csv_bytes(rows(2))),
            dry_run=False,
            language="nl",
        )
    assert BackgroundJob.objects.get().state == JobState.QUEUED
    tasks.background_job_run(job.pk)
    job.refresh_from_db()
    finished = (job.state, job.finished_at, job.result)
    tasks.background_job_run(job.pk)  # a second delivery: claimed already, does nothing
    job.refresh_from_db()
    assert (job.state, job.finished_at, job.result) == finished
    assert WaitingEpisode.objects.count() == 2
    assert AccessLog.objects.filter(event="waitlist.import:w.csv").count() == 1


# --- Progress ----------------------------------------------------------------------------


class ProgressSeen:
    """Each progress write, as the database shows it right after (read back through
    the ordinary connection, which sees what the writer committed)."""

    def __init__(self, monkeypatch) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.beside: list[int] = []
        original = JobProgress.__call__

        def spy(progress: JobProgress, *, phase: str, done: int, total: int) -> None:
            original(progress, phase=phase, done=done, total=total)
            self.seen.append(
                BackgroundJob.objects.filter(pk=progress.job_id)
                .values_list("phase", "progress_done", "progress_total")
                .get()
            )
            if connection.vendor == "postgresql" and connection.in_atomic_block:
                self.beside.append(self.read_elsewhere(progress.job_id))

        monkeypatch.setattr(JobProgress, "__call__", spy)

    @staticmethod
    def read_elsewhere(job_id: int) -> int:
        """What a page polling the job (another connection) sees now."""
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT progress_done FROM monitoring_backgroundjob WHERE id = %s", [job_id]
                )
                return cursor.fetchone()[0]
        finally:
            other.close()


# transaction=True: commits are real, so the job row the progress updates is there for
# every connection, as in production.
@pytest.mark.django_db(transaction=True)
def test_progress_is_written_every_n_rows_while_the_import_runs(admin_ada, monkeypatch):
    monkeypatch.setattr(runners, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(runners, "BATCH_SIZE", 10)
    progress = ProgressSeen(monkeypatch)

    # 25 rows: checking reports at rows 10 and 20, saving at its start, after 10 and 20
    # rows, and at its end. Six small UPDATEs; none per row.
    job = import_job_start(
        actor=actor_of(admin_ada),
        upload=SimpleUploadedFile("w.csv", csv_bytes(rows(25))),
        dry_run=False,
        language="nl",
    )

    assert progress.seen == [
        (JobPhase.CHECKING, 10, 25),
        (JobPhase.CHECKING, 20, 25),
        (JobPhase.SAVING, 0, 25),
        (JobPhase.SAVING, 10, 25),
        (JobPhase.SAVING, 20, 25),
        (JobPhase.SAVING, 25, 25),
    ]
    if connection.vendor == "postgresql":
        # Saving runs inside the import's one transaction, yet a poller saw each step.
        assert progress.beside == [0, 10, 20, 25]
    job.refresh_from_db()
    assert (job.state, job.result["created"]) == (JobState.DONE, 25)
    assert WaitingEpisode.objects.count() == 25


@pytest.mark.django_db
def test_the_progress_bar_counts_rows_in_dutch(admin_ada):
    job = BackgroundJob.objects.create(
        kind=JobKind.WAITLIST_IMPORT,
        state=JobState.RUNNING,
        params={"filename": "groot.csv"},
        phase=JobPhase.CHECKING,
        progress_done=12_000,
        progress_total=48_000,
    )
    shown = presenter.progress_of(job)
    assert shown.text == "Stap 1 van 2, controleren: 12.000 van 48.000 regels"
    assert shown.percent == 10  # checking is the first 40% of the bar
    job.phase, job.progress_done = JobPhase.SAVING, 24_000
    assert presenter.progress_of(job).percent == 70
    assert presenter.progress_of(job).text == "Stap 2 van 2, opslaan: 24.000 van 48.000 regels"


@pytest.mark.django_db
def test_the_running_page_shows_an_accessible_progress_bar_and_polls(client_for, admin_ada, region):
    job = BackgroundJob.objects.create(
        kind=JobKind.WAITLIST_IMPORT,
        state=JobState.RUNNING,
        created_by=admin_ada,
        params={"filename": "groot.csv"},
        phase=JobPhase.SAVING,
        progress_done=24_000,
        progress_total=48_000,
        enqueued_at=NOW,
    )
    client = client_for(admin_ada)
    html = client.get(job_page(job)).content.decode()
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="70"' in html
    assert 'aria-valuetext="Stap 2 van 2, opslaan: 24.000 van 48.000 regels"' in html
    assert f'hx-get="{job_page(job)}"' in html and 'hx-trigger="every 2s"' in html
    assert "js/progress.js" in html

    # The poll gets the changing part only; nothing is announced while it runs.
    part = client.get(job_page(job), headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith("<section") and "<html" not in part
    assert "hx-swap-oob" not in part

    job.state, job.result = JobState.DONE, {"rows": 3, "created": 3, "filename": "groot.csv"}
    job.save()
    part = client.get(job_page(job), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part
    assert 'hx-swap-oob="innerHTML"' in part and "groot.csv is geïmporteerd: 3 regels" in part


def test_line_counter_counts_lines_as_the_importer_numbers_them():
    for pieces, lines in [
        ([b"a\r\nb\r\n"], 2),
        ([b"a\r", b"\nb\r\n"], 2),  # a \r\n split over two pieces is one break
        ([b"a\rb\rc"], 3),  # old Mac line ends, and a last line without a break
        ([b"a\nb"], 2),
        ([b""], 0),
        ([b"header\r\n", b"", b"row"], 2),
    ]:
        counter = LineCounter()
        for piece in pieces:
            counter.feed(piece)
        assert counter.lines == lines, pieces


# --- Results: refused rows, failures -----------------------------------------------------


def refused_file() -> bytes:
    data = rows(30)
    data[4] = {**data[4], "provider_agb": "12345678"}
    data[20] = {**data[20], "intake_date": "2026-01-01"}
    return csv_bytes(data)


@pytest.mark.django_db
def test_a_refused_file_lists_each_reason_with_its_line(
    client_for, admin_ada, django_assert_max_num_queries, monkeypatch
):
    client = client_for(admin_ada)
    response = send(client, upload(refused_file()))
    job = BackgroundJob.objects.get()
    assert job.state == JobState.DONE
    assert (job.result["ok"], job.result["rows"], job.result["invalid_rows"]) == (False, 30, 2)
    assert list(job.issues.values_list("line", "column")) == [
        (6, "provider_agb"),
        (22, "intake_date"),
    ]
    assert WaitingEpisode.objects.count() == 0

    with django_assert_max_num_queries(10):
        html = client.get(response["Location"]).content.decode()
    assert "aanbieder.csv is niet geïmporteerd: 2 fout(en) in 2 regel(s)" in html
    assert "Geen GGZ-aanbieder met AGB-code 12345678 bekend" in html
    assert "De intake ligt vóór de aanmelding." in html
    assert '<td class="text-end">22</td>' in html
    # No person data on the page: counts, lines, columns and reasons only.
    assert "NL-000004" not in html and "1990" not in html

    # A page at a time.
    monkeypatch.setattr(presenter, "ISSUES_PER_PAGE", 1)
    second = client.get(f"{response['Location']}?pagina=2").content.decode()
    assert "De intake ligt vóór de aanmelding." in second
    assert "12345678" not in second
    assert "Pagina 2 van 2" in second


@pytest.mark.django_db
def test_every_refusal_downloads_as_csv_and_the_download_is_logged(client_for, admin_ada):
    client = client_for(admin_ada)
    send(client, upload(refused_file()))
    job = BackgroundJob.objects.get()

    response = client.get(reverse("monitoring:job_refusals", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="weigeringen-import-{job.pk}.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[0] == ["Regel", "Kolom", "Reden"]
    assert [r[:2] for r in table[1:]] == [["6", "provider_agb"], ["22", "intake_date"]]
    log = AccessLog.objects.get(event=f"waitlist.refusals:{job.pk}")
    assert (log.actor, log.action, log.person_id) == (admin_ada, "E", "")


@pytest.mark.django_db
def test_refusals_past_the_cap_are_counted_not_stored(client_for, admin_ada, monkeypatch):
    monkeypatch.setattr(runners, "MAX_JOB_ISSUES", 3)
    data = [row(external_id=f"X-{i}", care_level="zwaar") for i in range(5)]
    response = send(client_for(admin_ada), upload(csv_bytes(data)))
    job = BackgroundJob.objects.get()
    assert BackgroundJobIssue.objects.count() == 3
    assert job.result["error_count"] == 5
    html = client_for(admin_ada).get(response["Location"]).content.decode()
    assert "En nog 2 fouten die niet bewaard zijn" in html


@pytest.mark.django_db
def test_a_write_that_fails_halfway_fails_the_job_and_leaves_nothing_behind(
    client_for, admin_ada, monkeypatch, recompute
):
    monkeypatch.setattr(runners, "BATCH_SIZE", 10)
    real_save = importer.imported_episodes_save
    batches: list[int] = []

    def second_batch_collides(**kwargs):
        batches.append(len(kwargs["episodes"]))
        if len(batches) == 2:
            # As when another import wrote the same episode between lookup and write.
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_save(**kwargs)

    monkeypatch.setattr(importer, "imported_episodes_save", second_batch_collides)
    response = send(client_for(admin_ada), upload(csv_bytes(rows(25))))

    job = BackgroundJob.objects.get()
    assert batches == [10, 10]  # the first batch was written, then rolled back with it
    assert job.state == JobState.FAILED
    assert job.error.startswith("De wachtlijst veranderde tijdens het importeren")
    assert "Er is niets opgeslagen" in job.error
    assert job.finished_at is not None
    assert WaitingEpisode.objects.count() == 0
    assert not AccessLog.objects.filter(event__startswith="waitlist.import:").exists()
    assert recompute.calls == []
    assert not BackgroundJobChunk.objects.exists()
    html = client_for(admin_ada).get(response["Location"]).content.decode()
    assert "Stand: Mislukt" in html and "De wachtlijst veranderde tijdens het importeren" in html


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_job_with_a_dutch_message(client_for, admin_ada, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("connection reset by peer")

    monkeypatch.setattr(importer, "imported_episodes_save", broken)
    send(client_for(admin_ada), upload(csv_bytes(rows(3))))
    job = BackgroundJob.objects.get()
    assert job.state == JobState.FAILED
    assert "mislukt door een fout in Voorzorg. Er is niets opgeslagen." in job.error
    assert "connection reset" not in job.error  # no technical detail for the reader
    assert WaitingEpisode.objects.count() == 0


# --- One at a time -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_upload_while_one_runs_is_refused_and_shows_the_running_one(
    client_for, admin_ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not begun
        running = import_job_start(
            actor=actor_of(admin_ada),
            upload=SimpleUploadedFile("eerste.csv", csv_bytes(rows(2))),
            dry_run=False,
            language="nl",
        )
    client = client_for(admin_ada)
    response = client.post(UPLOAD, upload(csv_bytes(rows(3)), "tweede.csv"))

    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith("Er loopt al een wachtlijstimport")
    html = response.content.decode()
    assert f'href="{job_page(running)}">eerste.csv</a>' in html
    assert BackgroundJob.objects.count() == 1
    assert BackgroundJobChunk.objects.filter(job=running).exists()  # its file is kept


@pytest.mark.django_db
def test_two_starts_at_once_make_one_job(admin_ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = import_job_start(
            actor=actor_of(admin_ada),
            upload=SimpleUploadedFile("a.csv", b"x"),
            dry_run=True,
            language="nl",
        )
        with pytest.raises(JobAlreadyRunning) as refused:
            import_job_start(
                actor=actor_of(admin_ada),
                upload=SimpleUploadedFile("b.csv", b"y"),
                dry_run=True,
                language="nl",
            )
    assert refused.value.job == first
    assert BackgroundJob.objects.count() == 1
    assert BackgroundJobChunk.objects.count() == 1


@pytest.mark.django_db
def test_an_interrupted_job_is_failed_and_no_longer_blocks(
    client_for, admin_ada, time_machine, settings
):
    running = BackgroundJob.objects.create(
        kind=JobKind.WAITLIST_IMPORT,
        state=JobState.RUNNING,
        created_by=admin_ada,
        params={"filename": "oud.csv"},
        started_at=NOW,
    )
    BackgroundJobChunk.objects.create(job=running, index=0, data=b"x")
    time_machine.shift(dt.timedelta(seconds=settings.BACKGROUND_JOB_TIME_LIMIT + 30))
    assert jobs_sweep()["failed"] == 0  # within the limit and its minute: still running
    time_machine.shift(dt.timedelta(minutes=1))

    send(client_for(admin_ada), upload(csv_bytes(rows(2))))

    running.refresh_from_db()
    assert running.state == JobState.FAILED
    assert running.error.startswith("De import is onderbroken")
    assert not BackgroundJobChunk.objects.exists()
    assert BackgroundJob.objects.filter(state=JobState.DONE).count() == 1


@pytest.mark.django_db
def test_the_sweep_forgets_finished_jobs_after_30_days(admin_ada, time_machine):
    old = BackgroundJob.objects.create(
        kind=JobKind.RECOMPUTE, state=JobState.DONE, finished_at=NOW, params={"periods": []}
    )
    BackgroundJobIssue.objects.create(job=old, line=2, message="x")
    time_machine.shift(dt.timedelta(days=29))
    assert jobs_sweep()["removed"] == 0
    time_machine.shift(dt.timedelta(days=2))
    assert jobs_sweep()["removed"] == 1
    assert not BackgroundJob.objects.exists() and not BackgroundJobIssue.objects.exists()


# --- Who sees a job ----------------------------------------------------------------------


@pytest.fixture
def finished_job(client_for, admin_ada, region) -> BackgroundJob:
    send(client_for(admin_ada), upload(refused_file()))
    return BackgroundJob.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["monitoring:job", "monitoring:job_refusals"])
def test_her_job_is_hers_and_her_regions_administrators(
    finished_job, client_for, personas, other_admins, url_name
):
    url = reverse(url_name, args=[finished_job.pk])
    assert client_for(personas["admin_ada"]).get(url).status_code == 200
    assert client_for(other_admins["colleague"]).get(url).status_code == 200
    # Another region's administrator: as if there were no such job.
    assert client_for(other_admins["stranger"]).get(url).status_code == 404
    for persona in ("coordinator_cor", "poh_anna", "expert_eva"):
        assert client_for(personas[persona]).get(url).status_code == 403
    unknown = reverse(url_name, args=[finished_job.pk + 1000])
    assert client_for(personas["admin_ada"]).get(unknown).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(finished_job, client):
    response = client.get(job_page(finished_job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_upload_page_lists_only_the_imports_she_may_see(
    finished_job, client_for, admin_ada, other_admins
):
    assert job_page(finished_job) in client_for(admin_ada).get(UPLOAD).content.decode()
    stranger_page = client_for(other_admins["stranger"]).get(UPLOAD).content.decode()
    assert job_page(finished_job) not in stranger_page


@pytest.mark.django_db
def test_the_recent_imports_list_reads_at_a_fixed_number_of_queries(
    client_for, admin_ada, region, django_assert_max_num_queries
):
    for i in range(12):
        job = BackgroundJob.objects.create(
            kind=JobKind.WAITLIST_IMPORT,
            state=JobState.DONE,
            created_by=admin_ada,
            params={"filename": f"bestand-{i}.csv"},
        )
        job.regions.add(region)
    client = client_for(admin_ada)
    with django_assert_max_num_queries(6):
        html = client.get(UPLOAD).content.decode()
    assert html.count('href="/dashboard/beheer/taken/') == 10  # the latest ten
    assert "bestand-11.csv" in html and "bestand-1.csv" not in html


@pytest.mark.django_db
def test_refusals_of_a_job_that_is_not_a_finished_import_are_not_found(client_for, admin_ada):
    job = BackgroundJob.objects.create(
        kind=JobKind.WAITLIST_IMPORT, state=JobState.RUNNING, created_by=admin_ada
    )
    url = reverse("monitoring:job_refusals", args=[job.pk])
    assert client_for(admin_ada).get(url).status_code == 404
