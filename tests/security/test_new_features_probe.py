"""An attacker's walk over the newer features with users of two regions and two practices:
duplicates at registration, merging and its undo, corrections and history by id pairs,
notifications, background jobs and the administrator's pages.

Each test is one probe: a URL or a request that must not reach another practice's or
region's person, nor fail with a 500 on hostile input. ``world`` (tests/security/world.py)
gives both regions' records.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from participants.models import Participant, ParticipantMerge
from referrals.models import Referral
from tests.api.conftest import token_for
from tests.factories import MembershipFactory, UserFactory
from tests.referrals.test_poh_pages import valid_post
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.audit.models import AccessLog
from voorzorg.audit.versions import version_of
from voorzorg.notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def _api(user, membership=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, membership)}")
    return client


def _marks(person: Participant) -> list[str]:
    return [person.public_id, person.family_name]


def _leaks(text: str, person: Participant) -> list[str]:
    return [mark for mark in _marks(person) if mark in text]


# --- Two ids in one URL: the inner record must belong to the outer ---------------------------

PAIR_URLS = [
    ("groups:contact_detail", "contact"),
    ("groups:contact_edit", "contact"),
    ("groups:contact_withdraw", "contact"),
    ("groups:health_detail", "measurement"),
    ("groups:health_edit", "measurement"),
    ("groups:health_withdraw", "measurement"),
    ("referrals:episode_edit", "episode"),
]


@pytest.mark.parametrize(("name", "inner"), PAIR_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_foreign_record_under_an_own_participant_is_not_found(
    name, inner, method, world, personas, client_for
):
    home, foreign = world["home"], world["foreign"]
    for who in ("expert_eva", "admin_ada"):
        client = client_for(personas[who])
        url = reverse(name, args=[home["participant"].pk, foreign[inner].pk])
        response = getattr(client, method)(url, {"reason": "x", "version": "x"})
        assert response.status_code in (403, 404), (who, name, method, response.status_code)
        assert not _leaks(response.content.decode(), foreign["participant"])


@pytest.mark.parametrize(("name", "inner"), PAIR_URLS[:6])
def test_a_sibling_record_under_another_own_participant_is_not_found(
    name, inner, world, personas, client_for
):
    """Both participants in her scope, but the contact is not the outer one's."""
    home = world["home"]
    other = home["referral_h"].participant
    client = client_for(personas["expert_eva"])
    url = reverse(name, args=[other.pk, home[inner].pk])
    assert client.get(url).status_code == 404
    before = version_of(home[inner])
    client.post(url, {"reason": "Vergissing.", "version": before})
    home[inner].refresh_from_db()
    assert not home[inner].is_withdrawn
    assert version_of(home[inner]) == before


# --- Merging ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_administrator_cannot_open_or_undo_a_merge_of_another_region(
    method, world, personas, client_for
):
    foreign = world["foreign"]
    url = reverse("participants:merge_undo", args=[foreign["merge"].pk])
    response = getattr(client_for(personas["admin_ada"]), method)(url, {"reason": "Weg ermee."})
    assert response.status_code == 404
    merge = ParticipantMerge.objects.get(pk=foreign["merge"].pk)
    assert merge.undone_at is None
    assert not _leaks(response.content.decode(), foreign["participant"])


def test_merge_page_never_shows_a_record_of_another_region(world, personas, client_for):
    home, foreign = world["home"], world["foreign"]
    url = reverse("participants:merge", args=[home["participant"].pk])
    client = client_for(personas["admin_ada"])
    page = client.get(url, {"ander": foreign["participant"].public_id})
    assert page.status_code == 200
    assert "Geen dossier met dit nummer binnen uw regio." in page.content.decode()
    assert foreign["participant"].family_name not in page.content.decode()
    response = client.post(
        url,
        {
            "ander": foreign["participant"].public_id,
            "keep": home["participant"].pk,
            "reason": "Zelfde persoon.",
            "confirm": "on",
        },
    )
    assert response.status_code == 200
    assert Participant.objects.get(pk=foreign["participant"].pk).merged_into_id is None


def test_the_merged_into_page_tells_nothing_to_another_practice_or_region(
    world, personas, client_for, far_poh
):
    home, foreign = world["home"], world["foreign"]
    home_duplicate = home["merge"].merged
    far_duplicate = foreign["merge"].merged
    # POH of practice B, same region: the duplicate of practice A's person.
    bram = client_for(personas["poh_bram"])
    response = bram.get(reverse("referrals:participant", args=[home_duplicate.pk]))
    assert response.status_code == 404
    assert not _leaks(response.content.decode(), home["participant"])
    # POH of practice A: the duplicate of the other region's person.
    anna = client_for(personas["poh_anna"])
    response = anna.get(reverse("referrals:participant", args=[far_duplicate.pk]))
    assert response.status_code == 404
    assert not _leaks(response.content.decode(), foreign["participant"])
    # The other region's POH: practice A's duplicate.
    response = client_for(far_poh).get(reverse("referrals:participant", args=[home_duplicate.pk]))
    assert response.status_code == 404
    assert not _leaks(response.content.decode(), home["participant"])


# --- Duplicates at registration ---------------------------------------------------------------


def test_a_poh_of_another_practice_gets_no_candidate_on_the_page(world, personas, client_for):
    sanne = world["home"]["participant"]  # Sanne Kuipers, 0612345678, of practice A
    bram = client_for(personas["poh_bram"])
    before = Participant.objects.count()
    response = bram.post(reverse("referrals:create"), valid_post())
    assert response.status_code == 302
    assert Participant.objects.count() == before + 1
    follow = bram.get(response["Location"])
    assert sanne.public_id not in follow.content.decode()


def test_the_api_409_names_no_candidate_of_another_practice_or_region(world, personas, far_poh):
    sanne = world["home"]["participant"]
    body = {
        "new_participant": {
            "given_name": "Sanne",
            "family_name": "Kuipers",
            "date_of_birth": str(sanne.date_of_birth),
            "phone": sanne.phone,
            "postcode4": "9711",
            "target_group": "volwassene",
        },
        "consent_processing": True,
        "referral_date": "2026-11-20",
        "help_question": "Somber.",
        "life_domains": ["werk"],
        "urgency": "normal",
    }
    for user in (personas["poh_bram"], far_poh):
        response = _api(user).post("/api/v1/referrals/", body, format="json")
        assert response.status_code == 201, response.content
        assert not _leaks(response.content.decode(), sanne)
    # Anna, of Sanne's practice, is told.
    response = _api(personas["poh_anna"]).post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 409
    assert [c["participant"]["id"] for c in response.json()["candidates"]] == [sanne.pk]


def test_choosing_a_participant_of_another_practice_as_the_duplicate_is_refused(
    world, personas, client_for
):
    sanne = world["home"]["participant"]
    bram = client_for(personas["poh_bram"])
    response = bram.post(
        reverse("referrals:create"),
        valid_post(duplicates_shown="1", duplicate=str(sanne.pk), phone="0699999999"),
    )
    assert response.status_code == 404
    assert not Referral.objects.filter(participant=sanne, gp_practice=bram_practice(bram)).exists()


def bram_practice(client):
    return Membership.objects.get(user__email="bram@voorzorg.test").organisation


# --- Notifications ----------------------------------------------------------------------------


def test_another_users_notification_cannot_be_opened_or_marked(world, personas, client_for):
    foreign = world["foreign"]
    notification = foreign["notification"]
    for who in personas:
        client = client_for(personas[who])
        assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
        client.post(reverse("notifications:mark_read", args=[notification.pk]))
        client.post(reverse("notifications:mark_all_read"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_an_inactive_team_lead_is_not_told_of_a_new_referral(
    world, personas, client_for, expert_eva
):
    expert_eva.is_active = False
    expert_eva.save(update_fields=["is_active"])
    anna = client_for(personas["poh_anna"])
    response = anna.post(reverse("referrals:create"), valid_post(phone="0611111111", email=""))
    # Sanne (same name and birth day) may be a candidate: say it is someone else.
    if response.status_code == 200:
        response = anna.post(
            reverse("referrals:create"),
            valid_post(
                phone="0611111111",
                duplicates_shown="1",
                duplicate="nieuw",
                not_duplicate_reason="Andere persoon, nagevraagd.",
            ),
        )
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=expert_eva, kind="referral_new").exists()


def test_a_team_lead_of_another_region_is_not_told_of_a_new_referral(world, personas, client_for):
    far_lead = UserFactory(email="lars@verweg.test")
    far_welfare = world["foreign"]["referral_h"].assigned_expert.memberships.get().organisation
    MembershipFactory(user=far_lead, organisation=far_welfare, role=Role.EXPERT, is_team_lead=True)
    anna = client_for(personas["poh_anna"])
    anna.post(
        reverse("referrals:create"),
        valid_post(
            phone="0611111111",
            duplicates_shown="1",
            duplicate="nieuw",
            not_duplicate_reason="Andere persoon, nagevraagd.",
        ),
    )
    assert Referral.objects.filter(help_question__startswith="Somber, geen werk").exists()
    assert not Notification.objects.filter(recipient=far_lead).exists()


# --- Background jobs --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["monitoring:job", "monitoring:job_refusals"])
def test_an_administrator_sees_no_job_of_another_region(name, world, personas, client_for):
    url = reverse(name, args=[world["foreign"]["job"].pk])
    assert client_for(personas["admin_ada"]).get(url).status_code == 404
    for who in ("poh_anna", "expert_eva", "coordinator_cor"):
        assert client_for(personas[who]).get(url).status_code in (302, 403, 404)


# --- The administrator's pages ----------------------------------------------------------------


def test_an_administrator_cannot_end_or_change_a_role_of_another_region(
    world, personas, client_for
):
    """Zoë works in Amsterdam; she gets a second role in Groningen, so admin Ada sees her.
    Her Amsterdam role stays out of Ada's hands."""
    zoe = world["foreign"]["account"]
    far_role = zoe.memberships.get()
    MembershipFactory(user=zoe, organisation=world["home"]["practice"], role=Role.POH)
    ada = client_for(personas["admin_ada"])
    assert ada.get(reverse("accounts:user_detail", args=[zoe.pk])).status_code == 200
    end = reverse("accounts:membership_end", args=[zoe.pk, far_role.pk])
    ada.post(end, {"confirm": "on"})
    edit = reverse("accounts:membership_edit", args=[zoe.pk, far_role.pk])
    ada.post(edit, {"is_team_lead": "on"})
    far_role.refresh_from_db()
    assert Membership.objects.filter(pk=far_role.pk).exists()
    assert far_role.is_team_lead is False
    # Her account as a whole (e-mail, active) is not Ada's either.
    ada.post(reverse("accounts:user_deactivate", args=[zoe.pk]), {"confirm": "on"})
    ada.post(
        reverse("accounts:user_edit", args=[zoe.pk]),
        {"full_name": "Zoë Ver", "email": "ada-heeft-haar@voorzorg.test"},
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import with_authenticator

    with_authenticator(zoe)
    ada.post(reverse("accounts:user_second_factor_reset", args=[zoe.pk]), {"confirm": "on"})
    zoe.refresh_from_db()
    assert zoe.is_active and zoe.email == "zoe@voorzorg.test"
    assert TOTPDevice.objects.filter(user=zoe, confirmed=True).exists()


# --- Hostile input on the new forms and PATCH ------------------------------------------------

HUGE = "x" * 200_000


@pytest.mark.parametrize(
    "body",
    [
        {"version": HUGE, "reason": HUGE},
        {"version": ["a"], "reason": {"a": 1}},
        {"version": "x", "reason": "ok", "given_name": HUGE},
        {"version": "x", "reason": "ok", "date_of_birth": "99999-01-01"},
        {"version": "x", "reason": "ok", "phone": None},
        {"reason": "ok"},
        {},
        [],
        "text",
    ],
)
def test_participant_patch_on_hostile_input_is_a_400(world, personas, body):
    sanne = world["home"]["participant"]
    response = _api(personas["poh_anna"]).patch(
        f"/api/v1/participants/{sanne.pk}/", body, format="json"
    )
    assert response.status_code in (400, 409), (body, response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        {"version": HUGE, "reason": HUGE},
        {"version": "x", "reason": "ok", "life_domains": "werk"},
        {"version": "x", "reason": "ok", "intended_provider": "abc"},
        {"version": "x", "reason": "ok", "intended_provider": 10**12},
        {"version": "x", "reason": "ok", "referral_date": "2026-02-30"},
        {"version": "x", "reason": "ok", "urgency": ["normal"]},
        [],
    ],
)
def test_referral_patch_on_hostile_input_is_a_400(world, personas, body):
    referral = world["home"]["referral"]
    response = _api(personas["poh_anna"]).patch(
        f"/api/v1/referrals/{referral.pk}/", body, format="json"
    )
    assert response.status_code in (400, 409), (body, response.status_code)


def test_a_referral_patch_of_another_practice_changes_nothing(world, personas):
    referral = world["home"]["referral"]
    before = version_of(referral)
    body = {"version": before, "reason": "Anders.", "help_question": "Iets anders."}
    for user in (personas["poh_bram"], personas["expert_eva"], personas["coordinator_cor"]):
        response = _api(user).patch(f"/api/v1/referrals/{referral.pk}/", body, format="json")
        assert response.status_code in (403, 404), response.status_code
    referral.refresh_from_db()
    assert version_of(referral) == before


@pytest.mark.parametrize(
    "data",
    [
        {"version": "x", "reason": HUGE, "given_name": HUGE, "family_name": HUGE},
        {"version": HUGE, "reason": "ok", "date_of_birth": "1-1-1"},
        {"reason": "ok"},
        {"version": "x", "reason": "ok", "target_group": "nope", "postcode4": HUGE},
    ],
)
def test_the_participant_correction_form_on_hostile_input_is_not_a_500(
    data, world, personas, client_for
):
    sanne = world["home"]["participant"]
    response = client_for(personas["poh_anna"]).post(
        reverse("participants:edit", args=[sanne.pk]), data
    )
    assert response.status_code in (200, 302)
    sanne.refresh_from_db()
    assert sanne.family_name == "Kuipers"


@pytest.mark.parametrize(
    "data",
    [
        {"version": "x", "reason": HUGE, "duration": HUGE, "date": HUGE},
        {"version": "x", "reason": "ok", "duration": "other", "duration_other": "9" * 30},
        {"version": "x", "reason": "ok", "life_domains": ["nope", HUGE]},
        {},
    ],
)
def test_the_contact_correction_form_on_hostile_input_is_not_a_500(
    data, world, personas, client_for
):
    home = world["home"]
    url = reverse("groups:contact_edit", args=[home["participant"].pk, home["contact"].pk])
    response = client_for(personas["expert_eva"]).post(url, data)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(
    "data",
    [
        {"ander": HUGE},
        {"ander": "VZ-' OR 1=1 --"},
        {"ander": "x", "keep": HUGE, "reason": HUGE},
    ],
)
def test_the_merge_form_on_hostile_input_is_not_a_500(data, world, personas, client_for):
    url = reverse("participants:merge", args=[world["home"]["participant"].pk])
    client = client_for(personas["admin_ada"])
    assert client.get(url, data).status_code == 200
    assert client.post(url, data).status_code == 200


def test_the_merge_undo_form_on_a_huge_reason_is_not_a_500(world, personas, client_for):
    url = reverse("participants:merge_undo", args=[world["home"]["merge"].pk])
    response = client_for(personas["admin_ada"]).post(url, {"reason": HUGE})
    assert response.status_code == 200
    assert ParticipantMerge.objects.get(pk=world["home"]["merge"].pk).undone_at is None


# --- Coordinators never see a person ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "groups:contact_detail",
        "groups:health_detail",
    ],
)
def test_a_coordinator_reads_no_history(name, world, personas, client_for):
    home = world["home"]
    inner = home["contact"] if "contact" in name else home["measurement"]
    url = reverse(name, args=[home["participant"].pk, inner.pk])
    response = client_for(personas["coordinator_cor"]).get(url)
    assert response.status_code == 403
    assert not AccessLog.objects.filter(
        actor=personas["coordinator_cor"],
        access_granted=True,
        person_id=home["participant"].public_id,
    ).exists()


@pytest.fixture
def far_poh(world):
    from tests.conftest import with_authenticator

    user = UserFactory(email="pieter@verweg.test", full_name="Pieter Ver")
    MembershipFactory(user=user, organisation=world["foreign"]["practice"], role=Role.POH)
    return with_authenticator(user)


# --- History after a merge that was undone ------------------------------------------------


@pytest.fixture
def undone_mistake(personas, practice_a, practice_b, municipality, region, time_machine):
    """Practice B's Saskia merged into practice A's Sanne by mistake, and undone."""
    import datetime as dt

    from participants.merging import participant_merge, participant_merge_undo
    from tests.factories import ParticipantFactory, ReferralFactory
    from tests.participants.conftest import admin_actor

    sanne = ParticipantFactory(
        gp_practice=practice_a, municipality=municipality, given_name="Sanne", family_name="Kuipers"
    )
    saskia = ParticipantFactory(
        gp_practice=practice_b, municipality=municipality, given_name="Saskia", family_name="Mol"
    )
    ReferralFactory(participant=saskia, region=region)
    ReferralFactory(participant=sanne, region=region)
    ada = admin_actor(personas["admin_ada"])
    time_machine.move_to(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))
    merge = participant_merge(actor=ada, kept=sanne, merged=saskia, reason="Dezelfde persoon.")
    time_machine.move_to(dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC))
    participant_merge_undo(actor=ada, merge=merge, reason="Toch twee mensen.")
    return sanne, saskia


def test_an_undone_merge_leaves_no_other_practices_person_in_the_history(
    undone_mistake, personas, client_for
):
    """The POH of practice B reads her own participant's history after a merge by
    mistake was undone: nothing of practice A's person is in it."""
    sanne, saskia = undone_mistake
    bram = client_for(personas["poh_bram"])
    response = bram.get(reverse("referrals:participant", args=[saskia.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saskia Mol" in html and "Geschiedenis" in html
    assert _leaks(html, sanne) == [] and "Sanne" not in html


def test_an_undone_merge_leaves_no_other_person_in_her_data_export(
    undone_mistake, personas, client_for
):
    sanne, saskia = undone_mistake
    bram = client_for(personas["poh_bram"])
    for name in ("participants:export", "participants:export_json"):
        response = bram.get(reverse(name, args=[saskia.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        assert saskia.public_id in body
        assert _leaks(body, sanne) == [] and "Sanne" not in body, name


# --- Notifications seen in another role -------------------------------------------------


def test_acting_as_coordinator_the_inbox_names_no_participant(
    world, personas, client_for, municipality, region
):
    """Eva leads the team (her notifications name participants by number) and is also a
    coordinator. Acting as coordinator she sees figures only: her inbox then names nobody,
    and the access log never has a coordinator reading a person."""
    eva = personas["expert_eva"]
    coordinator = MembershipFactory(
        user=eva, organisation=municipality, role=Role.COORDINATOR, region=region
    )
    person = world["home"]["referral_h"].participant
    client = client_for(eva)
    assert person.public_id in client.get(reverse("notifications:inbox")).content.decode()
    client.post(reverse("accounts:switch_role"), {"membership": coordinator.pk})
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert person.public_id not in response.content.decode()
    assert not AccessLog.objects.filter(
        role=Role.COORDINATOR, person_id=person.public_id, access_granted=True
    ).exists()


def _bob(world):
    return world["home"]["grant"].user


def test_emergency_access_reads_but_never_corrects_nor_merges(world, client_for):
    """An administrator with emergency access to another region's person may read her
    record, not correct it (page and API alike) nor merge it."""
    from tests.conftest import with_authenticator

    bob = with_authenticator(_bob(world))
    far = world["foreign"]["participant"]
    name = far.given_name
    body = {"version": version_of(far), "reason": "Typfout.", "given_name": "Zara"}
    response = _api(bob).patch(f"/api/v1/participants/{far.pk}/", body, format="json")
    assert response.status_code == 400
    assert "noodtoegang" in response.json()["detail"]
    far.refresh_from_db()
    assert far.given_name == name
    assert not AccessLog.objects.filter(event__startswith="participant.correct").exists()
    page = client_for(bob).get(reverse("participants:edit", args=[far.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("referrals:participant", args=[far.pk])
    assert "niet wijzigen" in page.content.decode()
    merge = reverse("participants:merge", args=[far.pk])
    page = client_for(bob).get(
        merge, {"ander": world["foreign"]["referral_h"].participant.public_id}
    )
    assert "Geen dossier met dit nummer binnen uw regio." in page.content.decode()


@pytest.mark.parametrize("page", ["-1", "abc", "9" * 40, "1.5", ""])
def test_hostile_page_numbers_on_the_new_pages_are_not_a_500(page, world, personas, client_for):
    ada = client_for(personas["admin_ada"])
    eva = client_for(personas["expert_eva"])
    job = reverse("monitoring:job", args=[world["home"]["job"].pk])
    assert ada.get(job, {"pagina": page}).status_code == 200
    assert ada.get(job, {"pagina": page}, HTTP_HX_REQUEST="true").status_code == 200
    assert eva.get(reverse("notifications:inbox"), {"pagina": page}).status_code == 200


def test_hostile_email_choices_are_not_a_500(personas, client_for):
    eva = client_for(personas["expert_eva"])
    url = reverse("notifications:settings")
    for data in ({"referral_new": HUGE}, {"nope": "on"}, {"referral_new": ["a", "b"]}):
        assert eva.post(url, data).status_code in (200, 302)


@pytest.mark.parametrize("number", ["9" * 30, "²", "١٢", "-1", "1e3"])
def test_a_hostile_participant_number_on_the_referral_form_is_not_a_500(
    number, personas, client_for
):
    anna = client_for(personas["poh_anna"])
    response = anna.get(reverse("referrals:create"), {"deelnemer": number})
    assert response.status_code in (302, 404)
    response = anna.post(reverse("referrals:create"), {"deelnemer": number})
    assert response.status_code in (302, 404)
