"""The POH-GGZ journey over HTTP: register, list, filter, export, open; and who may not."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import Consent, Participant
from referrals.models import Referral, ReferralEvent
from referrals.views.poh import csv_safe
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    RegionFactory,
    WaitingEpisodeFactory,
)
from voorzorg.audit.models import AccessLog

TODAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY)


def valid_post(**overrides) -> dict:
    data = {
        "given_name": "Sanne",
        "family_name": "Kuipers",
        "date_of_birth": "1990-04-02",
        "phone": "0612345678",
        "email": "",
        "postcode4": "9711",
        "target_group": "volwassene",
        "consent_processing": "on",
        "referral_date": "2026-11-20",
        "help_question": "Somber, geen werk meer, wil lotgenoten spreken.",
        "life_domains": ["werk", "sociale_relaties"],
        "urgency": "normal",
        "care_level": "gb-ggz",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_poh_registers_a_referral_for_a_new_participant(
    client_for, poh_anna, practice_a, municipality, region
):
    client = client_for(poh_anna)
    response = client.post(
        reverse("referrals:create"), valid_post(municipality=municipality.pk), follow=False
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    participant = referral.participant
    assert (participant.gp_practice, participant.full_name) == (practice_a, "Sanne Kuipers")
    assert referral.status == "submitted"
    assert referral.region == region
    assert referral.life_domains == ["sociale_relaties", "werk"]
    assert referral.referred_by == poh_anna
    consent = Consent.objects.get()
    assert (consent.kind, consent.recorded_by, consent.given_on) == (
        "processing",
        poh_anna,
        dt.date(2026, 11, 20),
    )
    assert ReferralEvent.objects.get().to_status == "submitted"
    created = AccessLog.objects.filter(action="C", person_id=participant.public_id)
    assert {row.event.split(":")[0] for row in created} == {"participant.create", "referral.create"}


@pytest.mark.django_db
def test_the_region_is_the_participants_municipality_s_else_the_practice_s(
    client_for, poh_anna, practice_a, region
):
    elsewhere = OrganisationFactory(
        municipality_kind=True, name="Gemeente Elders", cbs_code="GM9911"
    )
    RegionFactory(name="Elders").municipalities.add(elsewhere)
    client = client_for(poh_anna)
    client.post(reverse("referrals:create"), valid_post(municipality=elsewhere.pk))
    client.post(reverse("referrals:create"), valid_post(given_name="Noor", phone="0687654321"))
    regions = dict(Referral.objects.values_list("participant__given_name", "region__name"))
    assert regions == {"Sanne": "Elders", "Noor": region.name}


@pytest.mark.django_db
def test_validation_error_keeps_everything_typed_and_saves_nothing(client_for, poh_anna):
    response = client_for(poh_anna).post(
        reverse("referrals:create"),
        valid_post(phone="", email="", referral_date="2026-12-01", consent_processing=""),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vul een telefoonnummer of e-mailadres in." in html
    assert "De verwijsdatum ligt in de toekomst." in html
    assert "Zonder toestemming voor verwerking" in html
    assert 'value="Sanne"' in html and 'value="Kuipers"' in html
    assert "Somber, geen werk meer, wil lotgenoten spreken." in html
    checked = re.findall(r'<input[^>]*name="life_domains"[^>]*>', html)
    assert [("checked" in tag) for tag in checked] == [False, True, False, False, False, True]
    assert Participant.objects.count() == Referral.objects.count() == 0


@pytest.mark.django_db
def test_existing_participant_of_her_practice_gets_a_new_referral(
    client_for, poh_anna, participant_a
):
    client = client_for(poh_anna)
    form = client.get(reverse("referrals:create") + f"?deelnemer={participant_a.pk}")
    assert participant_a.public_id in form.content.decode()
    client.post(
        reverse("referrals:create"),
        {**valid_post(given_name="", family_name=""), "deelnemer": participant_a.pk},
    )
    assert Referral.objects.get().participant == participant_a
    assert Participant.objects.count() == 1


@pytest.mark.django_db
def test_poh_cannot_refer_another_practices_participant(client_for, poh_bram, participant_a):
    client = client_for(poh_bram)
    response = client.post(
        reverse("referrals:create"), {**valid_post(), "deelnemer": participant_a.pk}
    )
    assert response.status_code == 404
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_list_shows_wait_stage_days_and_over_norm_flag(client_for, poh_anna, participant_a):
    over = WaitingEpisodeFactory(participant=participant_a, registration_date=dt.date(2026, 10, 1))
    within = WaitingEpisodeFactory(
        participant=participant_a,
        registration_date=dt.date(2026, 9, 1),
        intake_date=dt.date(2026, 10, 1),
    )
    ReferralFactory(participant=participant_a, waiting_episode=over)
    ReferralFactory(participant=participant_a, waiting_episode=within)
    html = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert "Wacht op intake" in html and "53 <span" in html  # 1 Oct -> 23 Nov
    assert "Wacht op behandeling" in html  # 1 Oct -> 23 Nov = 53 days <= 70
    assert html.count("Boven de norm") == 1
    assert html.count("Binnen de norm") == 1

    only_over = client_for(poh_anna).get(reverse("referrals:mine") + "?over_norm=on")
    assert only_over.content.decode().count("Wacht op ") == 1


@pytest.mark.django_db
def test_list_is_scoped_to_the_practice_and_searchable(client_for, poh_anna, poh_bram, practice_b):
    mine = ReferralFactory(
        participant=ParticipantFactory(
            gp_practice=poh_anna.memberships.get().organisation, given_name="Eline"
        )
    )
    ReferralFactory(participant=ParticipantFactory(gp_practice=practice_b, given_name="Zeger"))
    html = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert "Eline" in html and "Zeger" not in html
    found = client_for(poh_anna).get(reverse("referrals:mine") + f"?q={mine.participant.public_id}")
    assert "Eline" in found.content.decode()
    assert (
        "Eline"
        not in client_for(poh_anna).get(reverse("referrals:mine") + "?q=Zeger").content.decode()
    )
    assert "Eline" not in client_for(poh_bram).get(reverse("referrals:mine")).content.decode()


@pytest.mark.django_db
def test_list_writes_one_audit_row_per_person_shown(client_for, poh_anna, practice_a):
    referrals = ReferralFactory.create_batch(3, participant__gp_practice=practice_a)
    client_for(poh_anna).get(reverse("referrals:mine"))
    rows = AccessLog.objects.filter(event="referrals.list")
    assert sorted(r.person_id for r in rows) == sorted(r.participant.public_id for r in referrals)


@pytest.mark.django_db
def test_list_query_count_is_fixed_whatever_the_row_count(
    client_for, poh_anna, practice_a, django_assert_num_queries
):
    client = client_for(poh_anna)
    ReferralFactory.create_batch(2, participant__gp_practice=practice_a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("referrals:mine"))
    ReferralFactory.create_batch(20, participant__gp_practice=practice_a)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("referrals:mine"))


@pytest.mark.django_db
def test_list_and_export_name_each_status_by_its_label(client_for, poh_anna, practice_a):
    referrals = [
        ReferralFactory(participant__gp_practice=practice_a, status=status)
        for status in ("submitted", "withdrawn")
    ]
    client = client_for(poh_anna)
    html = client.get(reverse("referrals:mine")).content.decode()
    body = client.get(reverse("referrals:export")).content.decode("utf-8-sig")
    exported = {row[0]: row[3] for row in list(csv.reader(io.StringIO(body), delimiter=";"))[1:]}
    for referral in referrals:
        label = referral.get_status_display()
        assert label != referral.status
        assert f"<td>{label}</td>" in html
        assert exported[referral.participant.public_id] == label


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+31612345678", "'+31612345678"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("gewoon", "gewoon"),
        (None, ""),
        (12, "12"),
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(value, expected):
    assert csv_safe(value) == expected


@pytest.mark.django_db
def test_csv_export_follows_the_filters_neutralises_and_is_audited(
    client_for, poh_anna, practice_a
):
    evil = ReferralFactory(
        participant=ParticipantFactory(gp_practice=practice_a, given_name="=cmd|' /C calc'!A0"),
        help_question="@SUM(1+1)",
    )
    ReferralFactory(participant__gp_practice=practice_a, status="withdrawn")
    response = client_for(poh_anna).get(reverse("referrals:export") + "?status=submitted")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 2  # header + the one submitted referral
    assert rows[1][0] == evil.participant.public_id
    assert rows[1][1].startswith("'=cmd")
    assert rows[1][-1] == "'@SUM(1+1)"
    exports = AccessLog.objects.filter(action="E", event="referrals.export")
    assert [e.person_id for e in exports] == [evil.participant.public_id]


VIEWS = ["referrals:detail", "referrals:participant"]


@pytest.mark.django_db
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("poh_anna", 200),
        ("poh_bram", 404),
        ("expert_eva", 200),
        ("coordinator_cor", 403),
        ("admin_ada", 200),
    ],
)
def test_who_may_open_a_referral_and_a_participant(
    client_for, personas, referral_a, view, persona, status
):
    # expert_eva leads the team of region Groningen, where referral_a is.
    pk = referral_a.pk if view == "referrals:detail" else referral_a.participant.pk
    response = client_for(personas[persona]).get(reverse(view, args=[pk]))
    assert response.status_code == status
    if status == 200:
        assert "Sanne Kuipers" in response.content.decode()
    granted = AccessLog.objects.filter(access_granted=True, action="R").exclude(event="worklist")
    assert granted.exists() is (status == 200)


@pytest.mark.django_db
def test_an_expert_without_assignment_or_lead_sees_nothing(client_for, referral_a, welfare_org):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, organisation=welfare_org, role="expert")
    client = client_for(user)
    assert client.get(reverse("referrals:detail", args=[referral_a.pk])).status_code == 404
    Referral.objects.filter(pk=referral_a.pk).update(assigned_expert=user, status="accepted")
    assert client.get(reverse("referrals:detail", args=[referral_a.pk])).status_code == 200


@pytest.mark.django_db
def test_participant_page_says_the_gp_stays_responsible_and_shows_the_timeline(
    client_for, poh_anna, referral_a
):
    html = (
        client_for(poh_anna)
        .get(reverse("referrals:participant", args=[referral_a.participant.pk]))
        .content.decode()
    )
    assert "De huisarts blijft verantwoordelijk tot de overdracht." in html
    assert "Verwijzing: Aangemeld" in html or "Tijdlijn" in html


@pytest.mark.django_db
def test_poh_records_and_withdraws_consent_to_share(client_for, poh_anna, participant_a):
    client = client_for(poh_anna)
    url = reverse("referrals:consent", args=[participant_a.pk])
    client.post(url, {"kind": "share_at_handover", "do": "give"})
    consent = Consent.objects.get(kind="share_at_handover")
    assert consent.is_active and consent.recorded_by == poh_anna
    client.post(url, {"kind": "share_at_handover", "do": "withdraw"})
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2026, 11, 23)
    assert client.post(url, {"kind": "bogus", "do": "give"}).status_code == 302


@pytest.mark.django_db
def test_poh_withdraws_through_the_page_and_sees_a_decline_reason(client_for, poh_anna, referral_a):
    client = client_for(poh_anna)
    response = client.post(
        reverse("referrals:withdraw", args=[referral_a.pk]), {"reason": "Geen behoefte meer."}
    )
    assert response.status_code == 302
    referral_a.refresh_from_db()
    assert referral_a.status == "withdrawn"
    declined = ReferralFactory(participant=referral_a.participant, declined=True)
    html = client.get(reverse("referrals:detail", args=[declined.pk])).content.decode()
    assert "Buiten de regio." in html


@pytest.mark.django_db
def test_illegal_action_over_http_shows_a_message_and_changes_nothing(
    client_for, poh_anna, referral_a
):
    client = client_for(poh_anna)
    response = client.post(
        reverse("referrals:first_contact", args=[referral_a.pk]),
        {"contact_date": "2026-11-20"},
        follow=True,
    )
    assert "kan niet naar" in response.content.decode()
    referral_a.refresh_from_db()
    assert referral_a.status == "submitted"
