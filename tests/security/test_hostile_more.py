"""Hostile input (continued): the group form, the session log, Positieve
Gezondheid, the warm handover, break-the-glass, erasure, the waitlist upload and the FHIR
search parameters.

Never a 500. Accepted: stored verbatim (or trimmed) and rendered escaped. Refused: status
200, a Dutch message in the page, and nothing written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape

from groups.models import GroupSession, PeerGroup, PositiveHealthMeasurement
from monitoring.importer import COLUMNS
from participants.models import Participant
from referrals.models import Handover, WaitingEpisode
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    PeerGroupFactory,
    ReferralFactory,
)
from voorzorg.audit.models import BreakGlassGrant

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

XSS = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEXT = [
    XSS,
    IMG,
    "'; DROP TABLE referrals_referral; --",
    '=HYPERLINK("http://x")',
    "\x00",
    "\x1b[31m",
    "\u202eevil",
    "🙂🧠",
]
TEXT_IDS = ["script", "img", "sql", "hyperlink", "nul", "ansi", "rlo", "emoji"]
DATES = ["2026-02-30", "0000-00-00", "31-12-9999", XSS, "\x00", "🙂🧠"]
DATE_IDS = ["feb30", "zeros", "dmy9999", "script", "nul", "emoji"]
BIG = "x" * 1_000_000
ENGLISH = ("Ensure", "Null characters", "Enter a valid", "This field", "Select a valid")


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def counts() -> tuple[int, ...]:
    return (
        PeerGroup.objects.count(),
        GroupSession.objects.count(),
        PositiveHealthMeasurement.objects.count(),
        Handover.objects.count(),
        BreakGlassGrant.objects.count(),
        WaitingEpisode.objects.count(),
        Participant.objects.filter(erased_at__isnull=False).count(),
    )


def assert_escaped(page: str) -> None:
    assert XSS not in page
    assert "<img src=x" not in page


def assert_refused_in_dutch(response, before) -> None:
    assert response.status_code == 200, response.status_code
    assert counts() == before, "half-written rows after a refusal"
    form = response.context["form"]
    messages = [str(m) for errs in form.errors.values() for m in errs]
    assert messages, "refused without a message"
    assert not any(e in m for m in messages for e in ENGLISH), messages
    page = response.content.decode()
    assert any(escape(m) in page for m in messages), messages
    assert_escaped(page)


def assert_stored(stored, payload: str) -> None:
    assert stored in (payload, payload.strip()), (str(stored)[:80], payload[:80])


def post_checked(client, url, data, before):
    """POST; a refusal is checked here and gives None, an acceptance the response."""
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert_refused_in_dutch(response, before)
        return None
    return response


# --- The group form ------------------------------------------------------------------------


def group_post(municipality, facilitators, **overrides) -> dict:
    data = {
        "name": "Huiskamer De Kanaalstreek",
        "kind": "huiskamer",
        "theme": "",
        "target_group": "",
        "facilitators": [f.pk for f in facilitators],
        "municipality": municipality.pk,
        "location": "Buurthuis, Stadskanaal",
        "meeting_url": "",
        "frequency": "weekly",
        "weekday": "2",
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": "",
        "start_date": "2026-12-01",
        "end_date": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def check_group(client, municipality, expert, field, payload):
    before = counts()
    url = reverse("groups:group_create")
    response = post_checked(
        client, url, group_post(municipality, [expert], **{field: payload}), before
    )
    if response is None:
        return None
    group = PeerGroup.objects.get()
    page = client.get(reverse("groups:group_detail", args=[group.pk])).content.decode()
    assert_escaped(page)
    return group


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", ["name", "location"])
def test_group_text_fields(client_for, expert_eva, municipality, region, field, payload):
    group = check_group(client_for(expert_eva), municipality, expert_eva, field, payload)
    if group is not None:
        assert_stored(getattr(group, field), payload)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
def test_group_start_date(client_for, expert_eva, municipality, region, payload):
    group = check_group(client_for(expert_eva), municipality, expert_eva, "start_date", payload)
    if group is not None:
        assert isinstance(group.start_date, dt.date)


@pytest.mark.django_db
def test_group_one_megabyte_name(client_for, expert_eva, municipality, region):
    before = counts()
    response = client_for(expert_eva).post(
        reverse("groups:group_create"), group_post(municipality, [expert_eva], name=BIG)
    )
    assert_refused_in_dutch(response, before)


# --- The session log -----------------------------------------------------------------------


@pytest.fixture
def group(expert_eva, municipality, region):
    return PeerGroupFactory(
        name="Groep G",
        municipality=municipality,
        facilitators=[expert_eva],
        start_date=dt.date(2026, 1, 1),
    )


def session_post(expert, **overrides) -> dict:
    data = {
        "starts_at": "2026-11-20T18:30",
        "format": "in_person",
        "facilitators_present": [expert.pk],
        "topic": "Slapen",
        "walk_in_count": "2",
        "note": "Rustige avond.",
    }
    data.update(overrides)
    return data


def check_session(client, group, expert, field, payload):
    before = counts()
    url = reverse("groups:session_log", args=[group.pk])
    response = post_checked(client, url, session_post(expert, **{field: payload}), before)
    if response is None:
        return None
    session = GroupSession.objects.get(group=group)
    page = client.get(response["Location"]).content.decode()
    assert_escaped(page)
    return session


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", ["topic", "note"])
def test_session_text_fields(client_for, expert_eva, group, field, payload):
    session = check_session(client_for(expert_eva), group, expert_eva, field, payload)
    if session is not None:
        assert_stored(getattr(session, field), payload)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload", ["abc", "-1", "501", "1e9", "99999999999999999999", XSS, "\x00", "🙂"]
)
def test_session_walk_in_count(client_for, expert_eva, group, payload):
    session = check_session(client_for(expert_eva), group, expert_eva, "walk_in_count", payload)
    assert session is None, "an impossible walk-in count was accepted"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
def test_session_starts_at(client_for, expert_eva, group, payload):
    session = check_session(client_for(expert_eva), group, expert_eva, "starts_at", payload)
    if session is not None:
        assert isinstance(session.starts_at, dt.datetime)


@pytest.mark.django_db
def test_session_one_megabyte_note(client_for, expert_eva, group):
    before = counts()
    response = client_for(expert_eva).post(
        reverse("groups:session_log", args=[group.pk]), session_post(expert_eva, note=BIG)
    )
    assert_refused_in_dutch(response, before)


# --- Positieve Gezondheid ------------------------------------------------------------------

DIMENSIONS = [
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
]


def health_post(**overrides) -> dict:
    data = {"measured_on": "2026-11-20", **{d: "6" for d in DIMENSIONS}}
    data.update(overrides)
    return data


def check_health(client, participant, field, payload):
    before = counts()
    url = reverse("groups:health_create", args=[participant.pk])
    response = post_checked(client, url, health_post(**{field: payload}), before)
    if response is None:
        return None
    page = client.get(response["Location"]).content.decode()
    assert_escaped(page)
    return PositiveHealthMeasurement.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    ["abc", "-1", "11", "1e9", "6.5", "99999999999999999999", XSS, "\x00", "🙂", BIG],
    ids=["abc", "-1", "11", "1e9", "6.5", "huge", "script", "nul", "emoji", "1MB"],
)
def test_health_scores_refused(client_for, expert_eva, referral_a, payload):
    result = check_health(client_for(expert_eva), referral_a.participant, "meedoen", payload)
    assert result is None, "an impossible score was accepted"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
def test_health_measured_on(client_for, expert_eva, referral_a, payload):
    result = check_health(client_for(expert_eva), referral_a.participant, "measured_on", payload)
    if result is not None:
        assert result.measured_on <= TODAY.date()


# --- The warm handover ---------------------------------------------------------------------


@pytest.fixture
def bridging(participant_a, region, expert_eva, provider):
    return ReferralFactory(
        in_bridging=True,
        participant=participant_a,
        region=region,
        assigned_expert=expert_eva,
        intended_provider=provider,
    )


def handover_post(provider, **overrides) -> dict:
    data = {
        "provider": provider.pk,
        "provider_contact": "Dr. J. Post, psychiater",
        "meeting_at": "2026-11-30T14:00",
        "attends_participant": "on",
        "attends_expert": "on",
        "summary": "Doet mee aan de groep; slaapt beter.",
        "life_domain_status": "",
        "provider_acknowledged_on": "",
    }
    data.update(overrides)
    return data


def check_handover(client, referral, provider, field, payload):
    before = counts()
    url = reverse("referrals:handover", args=[referral.pk])
    response = post_checked(client, url, handover_post(provider, **{field: payload}), before)
    if response is None:
        return None
    assert_escaped(client.get(url).content.decode())
    return Handover.objects.get(referral=referral)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", ["summary", "provider_contact"])
def test_handover_text_fields(client_for, expert_eva, bridging, provider, field, payload):
    handover = check_handover(client_for(expert_eva), bridging, provider, field, payload)
    if handover is not None:
        assert_stored(getattr(handover, field), payload)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", DATES, ids=DATE_IDS)
@pytest.mark.parametrize("field", ["meeting_at", "provider_acknowledged_on"])
def test_handover_dates(client_for, expert_eva, bridging, provider, field, payload):
    handover = check_handover(client_for(expert_eva), bridging, provider, field, payload)
    if handover is not None:
        assert isinstance(getattr(handover, field), dt.date)


@pytest.mark.django_db
def test_handover_one_megabyte_summary(client_for, expert_eva, bridging, provider):
    before = counts()
    response = client_for(expert_eva).post(
        reverse("referrals:handover", args=[bridging.pk]), handover_post(provider, summary=BIG)
    )
    assert_refused_in_dutch(response, before)


# --- Break-the-glass -----------------------------------------------------------------------

REASON = "Storing gemeld door de POH: dossier opent niet, controle nodig."


def check_break_glass(client, data):
    before = counts()
    response = post_checked(client, reverse("audit:break_glass"), data, before)
    if response is None:
        return None
    assert_escaped(client.get(response["Location"]).content.decode())
    return BreakGlassGrant.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
def test_break_glass_reason(client_for, admin_ada, participant_a, payload):
    data = {"person_id": participant_a.public_id, "reason": f"{REASON} {payload}"}
    grant = check_break_glass(client_for(admin_ada), data)
    if grant is not None:
        assert_stored(grant.reason, data["reason"])


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [*TEXT, BIG], ids=[*TEXT_IDS, "1MB"])
def test_break_glass_participant_number(client_for, admin_ada, payload):
    grant = check_break_glass(client_for(admin_ada), {"person_id": payload, "reason": REASON})
    assert grant is None, "a malformed participant number was accepted"


@pytest.mark.django_db
def test_break_glass_one_megabyte_reason(client_for, admin_ada, participant_a):
    before = counts()
    response = client_for(admin_ada).post(
        reverse("audit:break_glass"), {"person_id": participant_a.public_id, "reason": BIG}
    )
    assert_refused_in_dutch(response, before)


# --- Erasure -------------------------------------------------------------------------------

ERASE_REASON = "Verzoek van de deelnemer van 3 maart, via de praktijk."


@pytest.fixture
def erasable(practice_a, municipality, region):
    # ``region`` puts the municipality in admin_ada's region, so she may erase.
    return ParticipantFactory(gp_practice=practice_a, municipality=municipality)


def check_erase(client, participant, reason):
    before = counts()
    url = reverse("participants:erase", args=[participant.pk])
    response = post_checked(client, url, {"reason": reason, "confirm": "on"}, before)
    if response is None:
        assert Participant.objects.get(pk=participant.pk).erased_at is None
        return None
    assert_escaped(client.get(response["Location"]).content.decode())
    assert_escaped(client.get(url).content.decode())
    return Participant.objects.get(pk=participant.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
def test_erase_reason(client_for, admin_ada, erasable, payload):
    erased = check_erase(client_for(admin_ada), erasable, payload)
    if erased is not None:
        assert_stored(erased.erasure_reason, payload)


@pytest.mark.django_db
def test_erase_one_megabyte_reason(client_for, admin_ada, erasable):
    before = counts()
    response = client_for(admin_ada).post(
        reverse("participants:erase", args=[erasable.pk]), {"reason": BIG, "confirm": "on"}
    )
    assert_refused_in_dutch(response, before)
    assert Participant.objects.get(pk=erasable.pk).erased_at is None


# --- The waitlist upload -------------------------------------------------------------------


@pytest.fixture(autouse=False)
def waitlist_world(db, municipality, monkeypatch):
    # The recompute the import asks for is not what these tests are about.
    monkeypatch.setattr("monitoring.tasks.enqueue_recompute_on_commit", lambda period_keys: None)
    monkeypatch.setattr("monitoring.tasks.enqueue_refresh_on_commit", lambda cells: None)
    return OrganisationFactory(provider=True, agb_code="22990001", name="GGZ Noorderlicht")


def waitlist_row(**overrides: str) -> dict[str, str]:
    data = {
        "provider_agb": "22990001",
        "location": "Groningen-Centrum",
        "external_id": "NL-0001",
        "birth_year": "1990",
        "municipality_code": "GM0014",
        "care_level": "s-ggz",
        "diagnosis_group": "depressie",
        "referral_date": "2026-01-05",
        "registration_date": "2026-01-10",
        "intake_date": "2026-02-20",
        "treatment_start_date": "2026-04-01",
        "closed_date": "",
        "close_reason": "",
    }
    data.update(overrides)
    return data


def csv_file(**overrides: str) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(waitlist_row(**overrides))
    return SimpleUploadedFile("aanbieder.csv", out.getvalue().encode("utf-8"), "text/csv")


def check_upload(client, upload):
    before = counts()
    # The import runs as a background job after the upload's commit (eager Celery), and
    # its page shows the result: run the on-commit work and follow the redirect.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("monitoring:import_waitlist"), {"file": upload})
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert_escaped(page)
    if counts() == before:
        # Refused (or every row rejected): a Dutch report on the page.
        assert "niet geïmporteerd" in page or response.context["form"].errors, page[:300]
        assert not any(e in page for e in ENGLISH)
        return None
    return WaitingEpisode.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", TEXT, ids=TEXT_IDS)
@pytest.mark.parametrize("field", ["location", "external_id", "intake_date"])
def test_waitlist_cells(client_for, admin_ada, waitlist_world, field, payload):
    episode = check_upload(client_for(admin_ada), csv_file(**{field: payload}))
    if episode is not None and field != "intake_date":
        stored = {f.name: getattr(episode, f.name) for f in episode._meta.fields}
        assert any(v in (payload, payload.strip()) for v in stored.values()), stored


@pytest.mark.django_db
def test_waitlist_one_megabyte_cell(client_for, admin_ada, waitlist_world):
    assert check_upload(client_for(admin_ada), csv_file(location=BIG)) is None


@pytest.mark.django_db
def test_waitlist_binary_file(client_for, admin_ada, waitlist_world):
    upload = SimpleUploadedFile("foto.csv", bytes(range(256)) * 100, "text/csv")
    assert check_upload(client_for(admin_ada), upload) is None


# --- FHIR search parameters ----------------------------------------------------------------

FHIR_PAYLOADS = [*TEXT, "x" * 100_000, "Patient/" + XSS, "%00", "|||"]
FHIR_IDS = [*TEXT_IDS, "100k", "ref-script", "pct00", "pipes"]


def fhir_check(response) -> None:
    assert response.status_code in (200, 400), response.status_code
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    body = json.loads(response.content)
    expected = "Bundle" if response.status_code == 200 else "OperationOutcome"
    assert body["resourceType"] == expected, body


@pytest.mark.django_db
@pytest.mark.parametrize("payload", FHIR_PAYLOADS, ids=FHIR_IDS)
def test_fhir_patient_identifier(client_for, poh_anna, referral_a, payload):
    fhir_check(client_for(poh_anna).get("/fhir/Patient", {"identifier": payload}))


@pytest.mark.django_db
@pytest.mark.parametrize("payload", FHIR_PAYLOADS, ids=FHIR_IDS)
def test_fhir_service_request_subject_and_status(client_for, poh_anna, referral_a, payload):
    client = client_for(poh_anna)
    fhir_check(client.get("/fhir/ServiceRequest", {"subject": payload, "status": payload}))
    subject = f"Patient/{referral_a.participant.public_id}"
    fhir_check(client.get("/fhir/ServiceRequest", {"subject": subject, "status": payload}))


# --- Implausible dates and moments (the plausible-date rule, voorzorg.core.dates) ---------

# Parse, but nobody means them. Year 1 in Dutch time is year 0 in UTC: a handover meeting
# stored so made every page showing it fail (on PostgreSQL the driver cannot read it).
IMPLAUSIBLE_DAYS = ["0001-01-01", "0026-11-20", "1999-12-31", "9999-12-31"]
IMPLAUSIBLE_MOMENTS = [
    "0001-01-01T00:00",
    "0001-01-01 00:00",
    "1999-12-31T23:59",
    "9999-12-31T23:59",
]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE_MOMENTS)
def test_handover_meeting_at_implausible(client_for, expert_eva, bridging, provider, payload):
    handover = check_handover(client_for(expert_eva), bridging, provider, "meeting_at", payload)
    assert handover is None, "an implausible meeting was stored"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE_DAYS[:3])
def test_handover_acknowledged_on_implausible(client_for, expert_eva, bridging, provider, payload):
    field = "provider_acknowledged_on"
    assert check_handover(client_for(expert_eva), bridging, provider, field, payload) is None


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE_DAYS)
def test_health_measured_on_implausible(client_for, expert_eva, referral_a, payload):
    client = client_for(expert_eva)
    assert check_health(client, referral_a.participant, "measured_on", payload) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "payload"), [("start_date", "0001-01-01"), ("end_date", "9999-12-31")]
)
def test_group_dates_implausible(client_for, expert_eva, municipality, region, field, payload):
    group = check_group(client_for(expert_eva), municipality, expert_eva, field, payload)
    assert group is None, "an implausible group date was stored"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", IMPLAUSIBLE_DAYS[:3])
def test_first_contact_date_implausible(client_for, expert_eva, participant_a, region, payload):
    referral = ReferralFactory(
        accepted=True, participant=participant_a, region=region, assigned_expert=expert_eva
    )
    response = client_for(expert_eva).post(
        reverse("referrals:first_contact", args=[referral.pk]), {"contact_date": payload}
    )
    assert response.status_code in (200, 302)
    referral.refresh_from_db()
    assert (referral.status, referral.first_contact_date) == ("accepted", None)


@pytest.mark.django_db
@pytest.mark.parametrize("start", [*IMPLAUSIBLE_MOMENTS, "\x00", XSS])
def test_session_page_start_parameter(client_for, expert_eva, group, start):
    # ?start= opens a meeting; one that cannot be opens the meeting of now, with a word.
    before = counts()
    response = client_for(expert_eva).get(
        reverse("groups:session_log", args=[group.pk]), {"start": start}
    )
    assert response.status_code == 200
    assert counts() == before
    assert "Onbekende datum gekozen" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:00+01:00"]
)
def test_session_api_starts_at_implausible(expert_eva, group, moment):
    from rest_framework.test import APIClient

    from tests.api.conftest import token_for

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(expert_eva)}", HTTP_ACCEPT_LANGUAGE="en")
    body = {"starts_at": moment, "facilitators_present": [expert_eva.pk], "attendance": []}
    response = api.post(reverse("groups_api:session-list", args=[group.pk]), body, format="json")
    assert response.status_code == 400, response.status_code
    assert response.json()["errors"]["starts_at"][0].startswith("Check the date")
    assert not GroupSession.objects.exists()


# --- The audit viewer's filters and per-person page ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"date_from": "\x00"},
        {"person": "VZ-\x00"},
        {"user": "a\x00b"},
        {"organisation": "9" * 22},
    ],
)
def test_audit_viewer_hostile_filters(client_for, admin_ada, query):
    client = client_for(admin_ada)
    response = client.get(reverse("audit:log"), query)
    assert response.status_code == 200
    if "date_to" in query or query.get("date_from") == "0001-01-01":
        assert "Controleer de datum" in response.content.decode()
    assert client.get(reverse("audit:export"), query).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["VZ-\x00", "\x00", "VZ-7KQ4M2XA\x00"])
def test_audit_person_page_nul(client_for, admin_ada, number):
    # On PostgreSQL the NUL reached the audit row (a 500): no participant number has one.
    response = client_for(admin_ada).get(reverse("audit:participant", args=[number]))
    assert response.status_code == 404


# --- Search boxes ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["a\x00b", "\x00", "Sanne\x00", "\t\x1b", "x" * 10_000])
def test_search_boxes_hostile(client_for, expert_eva, poh_anna, group, referral_a, query):
    # On PostgreSQL a NUL in the enrol search reached the query (a 500).
    response = client_for(expert_eva).get(reverse("groups:enrol", args=[group.pk]), {"zoek": query})
    assert response.status_code == 200
    response = client_for(poh_anna).get(reverse("referrals:mine"), {"q": query})
    assert response.status_code == 200
    if query == "Sanne\x00":  # the NUL is dropped, the rest is searched for
        assert referral_a.participant.public_id in response.content.decode()
