"""Nightly housekeeping of sign-in data: expired sessions and old django-axes rows go."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from tests.accounts.helpers import sign_in
from tests.factories import TEST_PASSWORD
from voorzorg.accounts.tasks import lockout_records_prune, sessions_clear

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def a_session() -> str:
    session = SessionStore()
    session["seen"] = True
    session.create()
    return session.session_key


def test_sessions_clear_deletes_only_expired_sessions(time_machine):
    time_machine.move_to(T0, tick=False)
    a_session()  # expires at T0 + SESSION_COOKIE_AGE (12 hours)
    time_machine.move_to(T0 + dt.timedelta(hours=11), tick=False)
    recent = a_session()
    time_machine.move_to(T0 + dt.timedelta(hours=12, minutes=1), tick=False)

    sessions_clear.delay()
    assert set(Session.objects.values_list("session_key", flat=True)) == {recent}

    sessions_clear.delay()  # a second run changes nothing
    assert set(Session.objects.values_list("session_key", flat=True)) == {recent}


def axes_rows(username: str) -> None:
    fields = {"username": username, "ip_address": "192.0.2.7", "user_agent": "probe"}
    AccessAttempt.objects.create(**fields, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**fields)
    AccessLog.objects.create(**fields)


def usernames(model) -> set[str]:
    return set(model.objects.values_list("username", flat=True))


def test_lockout_records_older_than_the_limit_go_newer_stay(time_machine, settings):
    settings.AXES_KEEP_DAYS = 90
    time_machine.move_to(T0, tick=False)
    axes_rows("old@example.nl")
    time_machine.move_to(T0 + dt.timedelta(days=60), tick=False)
    axes_rows("recent@example.nl")
    time_machine.move_to(T0 + dt.timedelta(days=91), tick=False)

    assert lockout_records_prune.delay().get() == 3
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        assert usernames(model) == {"recent@example.nl"}, model

    assert lockout_records_prune.delay().get() == 0  # a second run changes nothing
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        assert usernames(model) == {"recent@example.nl"}, model


def test_lockout_records_are_kept_ninety_days_by_default(settings):
    assert settings.AXES_KEEP_DAYS == 90


def test_an_anonymous_look_at_the_login_page_stores_no_session(client, poh_anna):
    page = client.get("/account/inloggen/")
    assert page.status_code == 200
    assert 'name="login-current_step" value="auth"' in page.content.decode()
    assert Session.objects.count() == 0
    # The sign-in that follows still works: the password step starts the session.
    assert sign_in(client, poh_anna.email, TEST_PASSWORD)
    assert Session.objects.count() == 1
