"""The participant's wishes of her experience expert: recorded on the referral by those
who work with her, shown on the page, in her export, and gone when she is erased."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.constants import ReferralStatus
from referrals.suggestions import wished_formats
from tests.factories import ParticipantFactory, ReferralFactory
from voorzorg.audit.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(practice_a, region, poh_anna):
    participant = ParticipantFactory(gp_practice=practice_a, prefers_group=True)
    return ReferralFactory(
        participant=participant, gp_practice=practice_a, region=region, referred_by=poh_anna
    )


def _post(client, referral, **data):
    return client.post(reverse("referrals:wishes", args=[referral.pk]), data)


def test_the_poh_records_the_wishes_and_the_page_shows_them(client_for, poh_anna, referral):
    client = client_for(poh_anna)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Wensen van de deelnemer vastleggen" in page
    response = _post(
        client,
        referral,
        language="ar",
        expert_gender="woman",
        expert_age_band="",
        themes=["anxiety", "loneliness"],
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.wish_language == "ar"
    assert referral.wish_expert_gender == "woman"
    assert referral.wish_themes == ["anxiety", "loneliness"]
    assert AccessLog.objects.filter(event=f"referral.wishes:{referral.pk}").exists()
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Arabisch" in page and "angst, eenzaamheid" in page


def test_a_theme_outside_the_vocabulary_changes_nothing(client_for, poh_anna, referral):
    _post(client_for(poh_anna), referral, themes=["schizofrenie"])
    referral.refresh_from_db()
    assert referral.wish_themes == []


def test_another_practice_cannot_reach_them(client_for, poh_bram, referral):
    assert _post(client_for(poh_bram), referral, language="ar").status_code == 404
    referral.refresh_from_db()
    assert referral.wish_language == ""


def test_a_closed_referral_takes_no_wishes(client_for, poh_anna, referral):
    referral.status = ReferralStatus.CLOSED
    referral.close_reason = "no_longer_needed"
    referral.save()
    _post(client_for(poh_anna), referral, language="ar")
    referral.refresh_from_db()
    assert referral.wish_language == ""


def test_the_format_wish_comes_from_her_record(referral):
    """Not asked twice: group / one-on-one / digital are her record's preferences."""
    assert wished_formats(referral.participant) == {"group"}
    participant = ParticipantFactory(prefers_one_on_one=True, prefers_digital=True)
    assert wished_formats(participant) == {"one_on_one", "online"}
    assert wished_formats(ParticipantFactory()) == set()


def test_a_walk_or_a_home_visit_is_wished_on_the_referral(client_for, poh_anna, referral):
    """The ways only peer support offers are added to her record's preferences, and the
    suggestions take the union as the wished formats."""
    from referrals.suggestions import need_of

    client = client_for(poh_anna)
    response = _post(client, referral, formats=["walk", "home_visit"])
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.wish_formats == ["home_visit", "walk"]
    assert need_of(referral).formats == {"group", "walk", "home_visit"}
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Ook graag: wandelend, op huisbezoek" in page


def test_a_format_on_her_record_is_not_asked_again(client_for, poh_anna, referral):
    response = client_for(poh_anna).post(
        reverse("referrals:wishes", args=[referral.pk]),
        {"formats": ["group"], "language": "ar"},
        follow=True,
    )
    assert "Selecteer een geldige keuze" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.wish_formats, referral.wish_language) == ([], "")


def test_her_export_holds_the_wishes_and_erasure_empties_them(referral, poh_anna):
    from participants.dossier import participant_export
    from referrals.person_record import erase

    referral.wish_language = "tr"
    referral.wish_expert_age_band = "40_65"
    referral.wish_themes = ["grief"]
    referral.wish_formats = ["walk"]
    referral.save()
    exported = participant_export(referral.participant, poh_anna.memberships.get())
    shown = [r for section in exported.values() if isinstance(section, list) for r in section]
    row = next(r for r in shown if isinstance(r, dict) and r.get("id") == referral.pk)
    assert (row["wish_language_label"], row["wish_themes"]) == ("Turks", ["grief"])
    assert row["wish_formats"] == ["walk"]
    erase(referral.participant)
    referral.refresh_from_db()
    assert (referral.wish_language, referral.wish_expert_age_band, referral.wish_themes) == (
        "",
        "",
        [],
    )
    assert referral.wish_formats == []
    assert not referral.history.exclude(wish_themes=[]).exists()
    assert not referral.history.exclude(wish_formats=[]).exists()
