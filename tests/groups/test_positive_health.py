"""Positieve Gezondheid: recording the six scores, and the spider web on the participant page."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.urls import reverse

from groups.models import PositiveHealthMeasurement
from groups.services.contacts import positive_health_record
from tests.factories import MembershipFactory, PositiveHealthMeasurementFactory, UserFactory
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
DIMENSIONS = [
    "lichaamsfuncties",
    "mentaal_welbevinden",
    "zingeving",
    "kwaliteit_van_leven",
    "meedoen",
    "dagelijks_functioneren",
]
CHART_JS = "vendor/chartjs/chart.umd.min.js"


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def expert_finn(welfare_org):
    user = UserFactory(email="finn@voorzorg.test", full_name="Finn Mulder")
    MembershipFactory(user=user, organisation=welfare_org, role=Role.EXPERT)
    return user


def actor_for(user) -> Actor:
    return Actor(user=user, membership=Membership.objects.filter(user=user).first())


def health_post(**overrides) -> dict:
    data = {
        "measured_on": "2026-11-20",
        **dict(zip(DIMENSIONS, ["6", "3", "5", "7", "2", "8"], strict=True)),
    }
    data.update(overrides)
    return data


def chart_data(body: str) -> dict:
    match = re.search(
        r'<script id="vz-positive-health-data" type="application/json">(.*?)</script>', body, re.S
    )
    assert match, "no json_script with the chart data"
    return json.loads(match.group(1))


def health_table(body: str) -> str:
    match = re.search(r'<table class="table table-sm vz-health-table">(.*?)</table>', body, re.S)
    assert match, "no data table beside the chart"
    return match.group(1)


def cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


# --- Who may -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("expert_eva", 200),
        ("admin_ada", 200),
        ("expert_finn", 404),
        ("poh_anna", 403),
        ("poh_bram", 403),
        ("coordinator_cor", 403),
    ],
)
def test_who_may_open_the_measurement_form(
    client_for, personas, expert_finn, referral_a, who, status
):
    user = expert_finn if who == "expert_finn" else personas[who]
    url = reverse("groups:health_create", args=[referral_a.participant_id])
    response = client_for(user).get(url)
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        for dimension in DIMENSIONS:
            # A labelled number input that a phone opens with the digit keyboard.
            assert f'for="id_{dimension}"' in body
            tag = re.search(rf'<input[^>]*name="{dimension}"[^>]*>', body).group(0)
            assert 'inputmode="numeric"' in tag
            assert 'min="0"' in tag and 'max="10"' in tag


@pytest.mark.django_db
def test_poh_cannot_post_a_measurement(client_for, poh_anna, referral_a):
    url = reverse("groups:health_create", args=[referral_a.participant_id])
    assert client_for(poh_anna).post(url, health_post()).status_code == 403
    assert PositiveHealthMeasurement.objects.count() == 0


# --- Recording ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_saves_the_scores_and_writes_the_audit_row(client_for, expert_eva, referral_a):
    url = reverse("groups:health_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(url, health_post())
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "referrals:participant", args=[referral_a.participant_id]
    )
    m = PositiveHealthMeasurement.objects.get()
    assert [getattr(m, d) for d in DIMENSIONS] == [6, 3, 5, 7, 2, 8]
    assert (m.measured_on, m.recorded_by) == (dt.date(2026, 11, 20), expert_eva)
    row = AccessLog.objects.get(event=f"positive_health.create:{m.pk}")
    assert (row.action, row.person_id) == (AuditAction.CREATE, referral_a.participant.public_id)


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["-1", "11", "abc", "", "7.5"])
def test_a_score_out_of_range_is_refused_next_to_the_field(client_for, expert_eva, referral_a, bad):
    url = reverse("groups:health_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(url, health_post(zingeving=bad))
    assert response.status_code == 200
    body = response.content.decode()
    # crispy puts the message right under the input it belongs to.
    error = re.search(r'<[^>]*id="error_1_id_zingeving"[^>]*>(.*?)</', body, re.S)
    assert error, "no message next to the zingeving field"
    assert "Vul een" in error.group(1)
    assert "is-invalid" in re.search(r'<input[^>]*name="zingeving"[^>]*>', body).group(0)
    # What was typed in the other fields is kept.
    assert re.search(r'<input[^>]*name="meedoen"[^>]*value="2"', body)
    assert PositiveHealthMeasurement.objects.count() == 0
    assert not AccessLog.objects.filter(event__startswith="positive_health").exists()


@pytest.mark.django_db
def test_a_future_measurement_is_refused(client_for, expert_eva, referral_a):
    url = reverse("groups:health_create", args=[referral_a.participant_id])
    response = client_for(expert_eva).post(url, health_post(measured_on="2026-11-24"))
    assert "De datum van de meting ligt in de toekomst." in response.content.decode()
    assert PositiveHealthMeasurement.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [-1, 11, "7", True, None, 7.0])
def test_the_service_validates_every_score(expert_eva, referral_a, bad):
    scores = dict.fromkeys(DIMENSIONS, 5)
    scores["meedoen"] = bad
    with pytest.raises(ApplicationError) as exc:
        positive_health_record(
            actor=actor_for(expert_eva),
            participant=referral_a.participant,
            measured_on=dt.date(2026, 11, 20),
            scores=scores,
        )
    assert list(exc.value.extra) == ["meedoen"]
    assert PositiveHealthMeasurement.objects.count() == 0


@pytest.mark.django_db
def test_the_service_accepts_the_bounds_and_refuses_a_poh(expert_eva, poh_anna, referral_a):
    scores = dict(zip(DIMENSIONS, [0, 10, 0, 10, 0, 10], strict=True))
    with pytest.raises(ApplicationError):
        positive_health_record(
            actor=actor_for(poh_anna),
            participant=referral_a.participant,
            measured_on=dt.date(2026, 11, 20),
            scores=scores,
        )
    m = positive_health_record(
        actor=actor_for(expert_eva),
        participant=referral_a.participant,
        measured_on=dt.date(2026, 11, 23),
        scores=scores,
    )
    assert m.dagelijks_functioneren == 10


# --- The spider web on the participant page -----------------------------------------------


def measure(participant, user, day: dt.date, values: list[int]):
    return PositiveHealthMeasurementFactory(
        participant=participant,
        recorded_by=user,
        measured_on=day,
        **dict(zip(DIMENSIONS, values, strict=True)),
    )


@pytest.mark.django_db
def test_chart_and_table_show_first_and_latest(client_for, poh_anna, expert_eva, referral_a):
    participant = referral_a.participant
    measure(participant, expert_eva, dt.date(2026, 10, 5), [3, 2, 4, 3, 1, 5])
    measure(participant, expert_eva, dt.date(2026, 10, 26), [9, 9, 9, 9, 9, 9])  # in between
    measure(participant, expert_eva, dt.date(2026, 11, 16), [5, 6, 6, 7, 4, 6])
    page = reverse("referrals:participant", args=[participant.pk])
    body = client_for(poh_anna).get(page).content.decode()

    data = chart_data(body)
    assert data["labels"][0] == "Lichaamsfuncties" and len(data["labels"]) == 6
    assert [d["data"] for d in data["datasets"]] == [[3, 2, 4, 3, 1, 5], [5, 6, 6, 7, 4, 6]]
    assert "05-10-2026" in data["datasets"][0]["label"]
    assert "16-11-2026" in data["datasets"][1]["label"]

    table = health_table(body)
    assert "<caption>" in table
    rows = cells(table)
    assert rows[1] == ["Lichaamsfuncties", "3", "5", "+2"]
    assert rows[2] == ["Mentaal welbevinden", "2", "6", "+4"]
    assert "05-10-2026" in rows[0][1] and "16-11-2026" in rows[0][2]
    # POH reads, does not record.
    assert reverse("groups:health_create", args=[participant.pk]) not in body


@pytest.mark.django_db
def test_with_one_measurement_only_that_one_is_shown(client_for, expert_eva, referral_a):
    participant = referral_a.participant
    measure(participant, expert_eva, dt.date(2026, 11, 2), [5, 4, 5, 5, 3, 6])
    body = (
        client_for(expert_eva)
        .get(reverse("referrals:participant", args=[participant.pk]))
        .content.decode()
    )
    data = chart_data(body)
    assert [d["data"] for d in data["datasets"]] == [[5, 4, 5, 5, 3, 6]]
    rows = cells(health_table(body))
    assert rows[0] == ["Dimensie", "Score"]
    assert rows[5] == ["Meedoen", "3"]
    assert reverse("groups:health_create", args=[participant.pk]) in body


@pytest.mark.django_db
def test_without_measurements_a_sentence_and_a_link(client_for, expert_eva, poh_anna, referral_a):
    page = reverse("referrals:participant", args=[referral_a.participant_id])
    add = reverse("groups:health_create", args=[referral_a.participant_id])
    body = client_for(expert_eva).get(page).content.decode()
    assert "Er is nog geen meting Positieve Gezondheid." in body
    assert add in body
    assert "vz-positive-health-data" not in body
    assert CHART_JS not in body  # no chart, no script
    poh_body = client_for(poh_anna).get(page).content.decode()
    assert "Er is nog geen meting Positieve Gezondheid." in poh_body
    assert add not in poh_body


@pytest.mark.django_db
def test_chart_js_is_vendored_and_loaded_without_inline_script(client_for, expert_eva, referral_a):
    measure(referral_a.participant, expert_eva, dt.date(2026, 11, 2), [5, 4, 5, 5, 3, 6])
    body = (
        client_for(expert_eva)
        .get(reverse("referrals:participant", args=[referral_a.participant_id]))
        .content.decode()
    )
    assert f'<script src="/static/{CHART_JS}" defer></script>' in body
    assert '<script src="/static/js/positive-health.js" defer></script>' in body
    # Strict CSP ahead: every script is a file or JSON data, never inline code.
    for tag, content in re.findall(r"(<script[^>]*>)(.*?)</script>", body, re.S):
        assert "src=" in tag or 'type="application/json"' in tag, tag
        assert "src=" not in tag or not content.strip()

    found = finders.find(CHART_JS)
    assert found and Path(found).stat().st_size > 100_000
    assert Path(found).with_name("LICENSE.md").exists()
    assert finders.find("js/positive-health.js")


@pytest.mark.django_db
@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_chart_js_is_served_from_static():
    response = Client().get(f"/{settings.STATIC_URL.strip('/')}/{CHART_JS}")
    assert response.status_code == 200
    assert b"Chart.js v4" in b"".join(response.streaming_content)[:200]
