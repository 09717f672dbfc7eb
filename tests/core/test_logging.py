"""Structured logs, request ids and error reports (voorzorg/core/logging.py, sentry.py).

Records are caught by a handler with the production formatter and filters on the root
logger, as the console handler has them, and read back with json.loads.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import sys
import uuid
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.utils.log import AdminEmailHandler
from django_guid.context import guid
from rest_framework.test import APIClient

from tests.accounts.helpers import post_password, sign_in
from tests.api.conftest import token_for
from tests.core.test_settings import run_django
from tests.factories import TEST_PASSWORD
from voorzorg.core import sentry
from voorzorg.core.logging import (
    ClientErrorFilter,
    ContextFilter,
    JsonFormatter,
    TextFormatter,
    build_logging,
    parse_admins,
)
from voorzorg.core.tasks import ping

ISO_UTC_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
LOGGING_URLS = "tests.core.logging_urls"
# Parses as a DSN; nothing listens there (the discard port), and no test sends an event.
UNREACHABLE_DSN = "http://public@127.0.0.1:9/1"


class JsonLog:
    """What the production formatter wrote while the fixture was active."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def raw(self) -> str:
        return self.stream.getvalue()

    @property
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.raw.splitlines()]

    def by(self, logger: str) -> list[dict]:
        return [record for record in self.records if record["logger"] == logger]


@pytest.fixture
def json_log():
    log = JsonLog()
    handler = logging.StreamHandler(log.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(ClientErrorFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield log
    root.removeHandler(handler)
    root.setLevel(level)


def make_record(message: str = "Hello", *, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord("voorzorg.test", logging.ERROR, __file__, 1, message, (), exc_info)
    record.__dict__.update(extra)
    return record


# --- The line itself -------------------------------------------------------------------


def test_a_json_line_has_utc_time_level_logger_message_and_the_ids():
    record = make_record("Outbox: message %s failed.")
    record.args = (12,)
    line = json.loads(JsonFormatter().format(record))
    assert ISO_UTC_MS.fullmatch(line["time"])
    assert line["level"] == "ERROR"
    assert line["logger"] == "voorzorg.test"
    assert line["message"] == "Outbox: message 12 failed."
    assert line["request_id"] is None
    assert line["user_id"] is None
    # Only inside a task; nothing a record happens to carry besides.
    assert "task_id" not in line
    assert set(line) == {"time", "level", "logger", "message", "request_id", "user_id"}


def test_extra_values_and_the_request_object_are_not_written(rf):
    request = rf.get("/deelnemers/?zoek=Jansen")
    record = make_record("Not Found: /deelnemers/", request=request, status_code=404, bsn="x")
    line = json.loads(JsonFormatter().format(record))
    assert line["status_code"] == 404
    assert "request" not in line
    assert "bsn" not in line
    assert "Jansen" not in json.dumps(line)


def test_an_exception_is_written_without_postgresql_detail_values():
    try:
        raise IntegrityError(
            'duplicate key value violates unique constraint "email"\n'
            "DETAIL:  Key (email)=(anna@voorzorg.test) already exists."
        )
    except IntegrityError:
        record = make_record("Save failed.", exc_info=sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "IntegrityError: duplicate key value" in line["exc_info"]
    assert "DETAIL:" in line["exc_info"]
    assert "anna@voorzorg.test" not in line["exc_info"]
    text = TextFormatter().format(record)
    assert "Traceback" in text
    assert "anna@voorzorg.test" not in text


def test_the_text_line_has_the_same_fields_on_one_line():
    guid.set("0123456789abcdef0123456789abcdef")
    try:
        record = make_record("first\nsecond")
        ContextFilter().filter(record)
        text = TextFormatter().format(record)
    finally:
        guid.set(None)
    assert "\n" not in text
    assert re.fullmatch(
        r"\S+Z ERROR   voorzorg\.test \[request_id=0123456789abcdef0123456789abcdef\] "
        r"first\\nsecond",
        text,
    )


# --- Requests --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_line_carries_the_response_request_id_and_only_the_user_id(
    json_log, client_for, poh_anna
):
    response = client_for(poh_anna).get("/bestaat-niet/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = json_log.by("django.request")
    assert line["message"] == "Not Found: /bestaat-niet/"
    assert line["level"] == "WARNING"
    assert line["request_id"] == request_id
    assert line["user_id"] == poh_anna.pk
    assert line["status_code"] == 404
    assert "exc_info" not in line
    assert poh_anna.email not in json_log.raw
    assert poh_anna.full_name not in json_log.raw
    # The request is forgotten once its response is closed: nothing leaks into the next.
    logging.getLogger("voorzorg.test").warning("Between requests.")
    assert json_log.records[-1]["request_id"] is None
    assert json_log.records[-1]["user_id"] is None


@pytest.mark.django_db
@pytest.mark.urls(LOGGING_URLS)
def test_a_line_logged_inside_a_view_has_the_ids_too(json_log, client_for, poh_anna):
    response = client_for(poh_anna).get("/speak/")
    [line] = json_log.by("voorzorg.test")
    assert line["message"] == "Inside the view."
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == poh_anna.pk


@pytest.mark.django_db
def test_an_api_token_user_is_named_by_id(json_log, poh_anna):
    # DRF authenticates the token inside the view, after every middleware.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(poh_anna)}")
    response = api.get("/api/v1/participants/-1/")
    assert response.status_code == 404
    [line] = json_log.by("django.request")
    assert line["user_id"] == poh_anna.pk
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_an_anonymous_request_has_no_user_id(json_log, client):
    response = client.get("/bestaat-niet/")
    [line] = json_log.by("django.request")
    assert line["user_id"] is None
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    [
        "3f2c8a4e-9b1d-4c6e-8f0a-1b2c3d4e5f60",
        "3f2c8a4e9b1d4c6e8f0a1b2c3d4e5f60",  # nginx's $request_id
        "3F2C8A4E-9B1D-4C6E-8F0A-1B2C3D4E5F60",
    ],
)
def test_a_valid_incoming_request_id_is_reused(json_log, client, given):
    response = client.get("/bestaat-niet/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given
    assert json_log.by("django.request")[0]["request_id"] == given


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    [
        "a" * 500,
        "0123456789abcdef0123456789abcde\n",
        "\n0123456789abcdef0123456789abcde",  # uuid.UUID() accepts this one
        "0123456789abcdef_0123456789abcde",  # and this one
        "{01234567-89ab-cdef-0123-456789abcdef}",
        "urn:uuid:01234567-89ab-cdef-0123-456789abcdef",
        "req-1; DROP TABLE",
        "",
    ],
)
def test_an_invalid_incoming_request_id_is_replaced(json_log, client, given):
    response = client.get("/bestaat-niet/", HTTP_X_REQUEST_ID=given)
    request_id = response["X-Request-ID"]
    assert request_id != given
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert json_log.by("django.request")[0]["request_id"] == request_id
    assert given.strip() == "" or given not in json_log.raw


# --- Client and server errors ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(LOGGING_URLS)
@pytest.mark.parametrize(
    ("path", "status", "logger"),
    [
        ("/bestaat-niet/", 404, "django.request"),
        ("/forbidden/", 403, "django.request"),
        ("/suspicious/", 400, "django.security.SuspiciousOperation"),
    ],
)
def test_a_client_error_is_one_warning_line_without_traceback(json_log, path, status, logger):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == status
    lines = [line for line in json_log.records if line["logger"].startswith("django.")]
    assert [line["logger"] for line in lines] == [logger]
    assert lines[0]["level"] == "WARNING"
    assert "exc_info" not in lines[0]


@pytest.mark.django_db
def test_a_real_page_refused_to_a_role_logs_no_traceback(json_log, client_for, poh_anna):
    # role_required raises PermissionDenied; Django logs it with its traceback.
    response = client_for(poh_anna).get("/beheer/audit/")
    assert response.status_code == 403
    [line] = json_log.by("django.request")
    assert line["message"] == "Forbidden (Permission denied): /beheer/audit/"
    assert line["user_id"] == poh_anna.pk
    assert "exc_info" not in line


@pytest.mark.django_db
def test_an_unknown_host_is_a_warning_not_an_error_with_traceback(json_log, client):
    response = client.get("/", HTTP_HOST="scanner.example")
    assert response.status_code == 400
    [line] = json_log.by("django.security.DisallowedHost")
    assert line["level"] == "WARNING"
    assert "exc_info" not in line


@pytest.mark.django_db
@pytest.mark.urls(LOGGING_URLS)
def test_a_server_error_keeps_its_traceback(json_log):
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    [line] = json_log.by("django.request")
    assert line["level"] == "ERROR"
    assert line["message"] == "Internal Server Error: /broken/"
    assert "RuntimeError: Broken on purpose." in line["exc_info"]
    assert line["request_id"] == response["X-Request-ID"]


def test_the_error_mail_holds_the_traceback_and_none_of_the_request():
    handler = AdminEmailHandler(
        include_html=False, reporter_class="voorzorg.core.errormail.TracebackOnlyReporter"
    )
    handler.setFormatter(TextFormatter())
    request = RequestFactory().post(
        "/deelnemers/nieuw/?zoek=Jansen", {"name": "Piet Jansen", "bsn": "123456782"}
    )
    request.COOKIES["sessionid"] = "secret-session"
    try:
        raise RuntimeError("Broken on purpose.")
    except RuntimeError:
        record = make_record(
            "Internal Server Error: /deelnemers/nieuw/",
            exc_info=sys.exc_info(),
            request=request,
            status_code=500,
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "ADMINS", [("Beheer", "beheer@voorzorg.test")])
        patch.setattr(settings, "DEBUG", False)
        handler.emit(record)
    [message] = mail.outbox
    assert "RuntimeError: Broken on purpose." in message.body
    assert "Internal Server Error: /deelnemers/nieuw/" in message.subject
    for secret in ("Piet", "Jansen", "123456782", "secret-session"):
        assert secret not in message.body
        assert secret not in message.subject
    assert not message.alternatives


# --- Celery ----------------------------------------------------------------------------


def test_a_task_logs_with_its_id_and_name(json_log):
    result = ping.delay("pong")
    [line] = json_log.by("celery.app.trace")
    assert line["task_id"] == result.id
    assert line["task_name"] == "voorzorg.core.tasks.ping"
    # Started outside a request (beat, a command): a correlation id of its own.
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    # Afterwards, the process's lines belong to no task.
    logging.getLogger("voorzorg.test").warning("After the task.")
    assert "task_id" not in json_log.records[-1]


def test_a_task_started_in_a_request_carries_its_request_id_and_leaves_it_alone(json_log):
    request_id = uuid.uuid4().hex
    guid.set(request_id)
    try:
        result = ping.delay("pong")
        # django-guid clears the id after a task; eagerly that was the request's own.
        assert guid.get() == request_id
    finally:
        guid.set(None)
    [line] = json_log.by("celery.app.trace")
    assert line["request_id"] == request_id
    assert line["task_id"] == result.id


def test_worker_and_beat_log_through_django_logging():
    from celery.signals import setup_logging

    from voorzorg.celery import use_django_logging

    assert any(receiver() is use_django_logging for _key, receiver in setup_logging.receivers), (
        "without a setup_logging receiver Celery replaces the root logger's handlers"
    )
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")
def test_through_the_broker_the_task_carries_the_request_id():
    from celery.contrib.testing.worker import start_worker

    from voorzorg.celery import app

    request_id = uuid.uuid4().hex
    # On Celery's own logger: starting the worker reapplies LOGGING to the root logger
    # (setup_logging), which would drop a handler added there.
    trace_logger = logging.getLogger("celery.app.trace")
    log = JsonLog()
    handler = logging.StreamHandler(log.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    trace_logger.addHandler(handler)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            guid.set(request_id)
            result = ping.delay("through redis")
            guid.set(None)
            assert result.get(timeout=20) == "through redis"
    finally:
        trace_logger.removeHandler(handler)
    [line] = [line for line in log.by("celery.app.trace") if line.get("task_id") == result.id]
    assert line["request_id"] == request_id
    assert line["task_name"] == "voorzorg.core.tasks.ping"


# --- gunicorn ----------------------------------------------------------------------


def test_gunicorn_writes_its_lines_in_the_same_shape_and_no_query_or_address(capsys):
    from gunicorn.config import Config

    from voorzorg.core.gunicorn_logging import Logger

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    logger = Logger(cfg)
    try:
        logger.info("Booting worker with pid: %s", 7)
        guid.set("0123456789abcdef0123456789abcdef")
        try:
            logger.access(
                SimpleNamespace(status="404 Not Found", sent=2183, headers=[]),
                SimpleNamespace(headers=[("REFERER", "https://x.example/?zoek=Jansen")]),
                {
                    "REQUEST_METHOD": "GET",
                    "PATH_INFO": "/deelnemers/",
                    "QUERY_STRING": "zoek=Jansen",
                    "RAW_URI": "/deelnemers/?zoek=Jansen",
                    "SERVER_PROTOCOL": "HTTP/1.1",
                    "REMOTE_ADDR": "198.51.100.7",
                },
                dt.timedelta(seconds=1, microseconds=250_000),
            )
        finally:
            guid.set(None)
    finally:
        for log in (logger.error_log, logger.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
    out, err = capsys.readouterr()
    [access] = [json.loads(line) for line in out.splitlines()]
    assert access["logger"] == "gunicorn.access"
    assert access["message"] == "GET /deelnemers/ 404"
    assert access["status_code"] == 404
    assert access["duration_ms"] == 1250
    assert access["request_id"] == "0123456789abcdef0123456789abcdef"
    assert ISO_UTC_MS.fullmatch(access["time"])
    assert "Jansen" not in out
    assert "198.51.100.7" not in out
    [boot] = [json.loads(line) for line in err.splitlines()]
    assert boot["logger"] == "gunicorn.error"
    assert boot["message"] == "Booting worker with pid: 7"


# --- Third-party noise -----------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_logs_no_axes_info_lines_and_no_address(json_log, poh_anna):
    assert settings.AXES_VERBOSE is False
    assert sign_in(Client(), poh_anna.email, TEST_PASSWORD)
    post_password(Client(), poh_anna.email, "wrong-password-000")
    axes_lines = [line for line in json_log.records if line["logger"].startswith("axes")]
    assert axes_lines, "a failed sign-in is still a warning"
    assert {line["level"] for line in axes_lines} == {"WARNING"}
    assert "AXES: BEGIN" not in json_log.raw
    assert poh_anna.email not in json_log.raw


# --- Sentry ----------------------------------------------------------------------------


def test_sentry_before_send_keeps_no_person_data():
    guid.set("fedcba9876543210fedcba9876543210")
    try:
        event = sentry.before_send(
            {
                "request": {
                    "url": "https://voorzorg.example/deelnemers/12/?zoek=Jansen",
                    "method": "POST",
                    "query_string": "zoek=Jansen",
                    "data": {"name": "Piet Jansen", "bsn": "123456782"},
                    "cookies": {"sessionid": "secret-session"},
                    "headers": {
                        "User-Agent": "Firefox",
                        "Cookie": "sessionid=secret-session",
                        "Authorization": "Bearer vz_secret",
                        "X-Forwarded-For": "198.51.100.7",
                        "Referer": "https://voorzorg.example/?zoek=Jansen",
                    },
                    "env": {"REMOTE_ADDR": "198.51.100.7"},
                },
                "user": {
                    "id": "7",
                    "email": "anna@voorzorg.test",
                    "username": "anna",
                    "ip_address": "198.51.100.7",
                },
                "exception": {
                    "values": [
                        {
                            "type": "IntegrityError",
                            "value": (
                                "duplicate key\nDETAIL:  Key (email)=(anna@voorzorg.test) exists."
                            ),
                        }
                    ]
                },
                "extra": {"celery-job": {"task_name": "x", "args": ["Piet"], "kwargs": {}}},
                "breadcrumbs": {
                    "values": [
                        {"category": "query", "data": {"db.params": ["123456782"]}},
                        {
                            "category": "httplib",
                            "data": {"url": "https://x.example/?bsn=1", "http.query": "bsn=1"},
                        },
                    ]
                },
            },
            {},
        )
    finally:
        guid.set(None)
    text = json.dumps(event)
    for secret in ("Jansen", "Piet", "123456782", "secret", "198.51.100.7", "anna"):
        assert secret not in text, secret
    assert event["request"]["url"] == "https://voorzorg.example/deelnemers/12/"
    assert event["request"]["headers"] == {"User-Agent": "Firefox"}
    assert event["user"] == {"id": "7"}
    assert event["tags"]["request_id"] == "fedcba9876543210fedcba9876543210"


def test_sentry_before_send_names_the_logged_in_user_by_id_only(rf, monkeypatch):
    monkeypatch.setattr(sentry, "context_fields", lambda: {"user_id": 42, "request_id": None})
    event = sentry.before_send({"message": "x"}, None)
    assert event["user"] == {"id": "42"}
    monkeypatch.setattr(sentry, "context_fields", lambda: {"user_id": None, "request_id": None})
    assert "user" not in sentry.before_send({"user": {"email": "a@b.nl"}}, None)


def test_sentry_starts_only_with_a_dsn(monkeypatch):
    import sentry_sdk

    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: calls.append(options))
    assert sentry.init_sentry(dsn="") is False
    assert calls == []

    assert sentry.init_sentry(
        dsn="https://key@sentry.example/1",
        environment="acceptatie",
        release="1.2.3",
        traces_sample_rate=0.25,
    )
    [options] = calls
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["max_request_body_size"] == "never"
    assert options["before_send"] is sentry.before_send
    assert options["traces_sample_rate"] == 0.25
    assert options["environment"] == "acceptatie"
    assert options["release"] == "1.2.3"
    assert {type(i).__name__ for i in options["integrations"]} == {
        "DjangoIntegration",
        "CeleryIntegration",
        "RedisIntegration",
    }
    # An unknown Host or a tampered form is logged at ERROR by Django: not an event.
    from sentry_sdk.integrations.logging import _IGNORED_LOGGERS

    assert sentry.SECURITY_LOGGERS in _IGNORED_LOGGERS


def test_the_test_settings_report_nothing_to_sentry_even_with_a_dsn():
    result = run_django(
        "import sentry_sdk; from django.conf import settings as s; "
        "print(s.SENTRY_ENABLED, sentry_sdk.get_client().is_active())",
        DJANGO_SETTINGS_MODULE="voorzorg.settings.test",
        SENTRY_DSN=UNREACHABLE_DSN,
    )
    assert result.stdout.split() == ["True", "False"], result.stderr


def test_development_settings_start_sentry_with_a_dsn_and_its_options():
    result = run_django(
        "import sentry_sdk; from django.conf import settings as s; c = sentry_sdk.get_client(); "
        "print(s.SENTRY_ENABLED, c.is_active(), c.options['environment'], "
        "c.options['traces_sample_rate'], c.options['send_default_pii'], "
        "bool(c.options['release']))",
        DJANGO_SETTINGS_MODULE="voorzorg.settings.base",
        SENTRY_DSN=UNREACHABLE_DSN,
        SENTRY_ENVIRONMENT="acceptatie",
        SENTRY_TRACES_SAMPLE_RATE="0.1",
    )
    assert result.stdout.split() == ["True", "True", "acceptatie", "0.1", "False", "True"], (
        result.stderr
    )
    result = run_django(
        "from django.conf import settings as s; print(s.SENTRY_ENABLED)",
        DJANGO_SETTINGS_MODULE="voorzorg.settings.base",
        SENTRY_DSN="",
    )
    assert result.stdout.split() == ["False"], result.stderr


# --- Settings --------------------------------------------------------------------------


def test_build_logging_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        build_logging(log_format="xml", level="INFO")


def test_admins_from_the_environment():
    assert parse_admins("") == []
    assert parse_admins("Beheer <beheer@voorzorg.nl>, dev@voorzorg.nl") == [
        ("Beheer", "beheer@voorzorg.nl"),
        ("dev@voorzorg.nl", "dev@voorzorg.nl"),
    ]
    with pytest.raises(ValueError, match="ADMINS"):
        parse_admins("Beheer")


LOGGING_PROBE = (
    "from django.conf import settings as s; import logging; "
    "h = logging.getLogger().handlers[0]; "
    "print(type(h.formatter).__name__, sorted(type(f).__name__ for f in h.filters), "
    "[type(x).__name__ for x in logging.getLogger('django.request').handlers], "
    "s.ADMINS, s.SERVER_EMAIL); "
    "logging.getLogger('probe').warning('probe line')"
)
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "voorzorg.example.nl",
    "DATABASE_URL": "sqlite:////tmp/voorzorg-settings-test.sqlite3",
    "LOG_FORMAT": "",
    "ADMINS": "",
    "SENTRY_DSN": "",
}


def test_production_writes_json_and_mails_admins_when_set():
    result = run_django(LOGGING_PROBE, **{**PRODUCTION, "ADMINS": "Beheer <beheer@voorzorg.nl>"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" [")[0] == "JsonFormatter"
    assert "'AdminEmailHandler'" in result.stdout
    assert "[('Beheer', 'beheer@voorzorg.nl')]" in result.stdout
    [line] = [json.loads(x) for x in result.stderr.splitlines() if "probe line" in x]
    assert line["logger"] == "probe"
    assert ISO_UTC_MS.fullmatch(line["time"])

    result = run_django(LOGGING_PROBE, **PRODUCTION)
    assert "AdminEmailHandler" not in result.stdout


def test_development_writes_text_unless_log_format_says_json():
    base = {"DJANGO_SETTINGS_MODULE": "voorzorg.settings.base", "LOG_FORMAT": ""}
    result = run_django(LOGGING_PROBE, **base)
    assert result.stdout.startswith("TextFormatter ['ClientErrorFilter', 'ContextFilter']")
    assert re.search(r"Z WARNING probe probe line", result.stderr)
    result = run_django(LOGGING_PROBE, **{**base, "LOG_FORMAT": "json"})
    assert result.stdout.startswith("JsonFormatter"), result.stderr
    result = run_django(LOGGING_PROBE, **{**base, "LOG_FORMAT": "yaml"})
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


def test_failing_health_checks_log_no_traceback_at_every_probe(client, settings, caplog):
    """The probe's answer names the failing check; the log is not flooded every few seconds."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with caplog.at_level(logging.DEBUG):
        response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    failures = [r for r in caplog.records if r.name.startswith("health_check")]
    assert failures
    for record in failures:
        assert record.exc_info is None
        assert re.search(r"\(\w+: .+\)$", record.getMessage())
