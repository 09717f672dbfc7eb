"""Emergency access (break-the-glass): an admin outside her region, one record, for a while.

The admin's own scope is her organisation's region (admin_ada: the municipality of region
Groningen). participant_far lives and was referred in region Amsterdam.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.urls import reverse

from tests.audit.conftest import LONG_REASON
from voorzorg.audit.models import AccessLog, AppendOnlyError, BreakGlassGrant
from voorzorg.audit.services import Actor, break_glass_request, break_glass_review
from voorzorg.core.exceptions import ApplicationError

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
UNKNOWN_NUMBER = "VZ-ZZZZ2222"


def comparable(body: bytes | str) -> str:
    """A page without what differs on every render: CSRF tokens, CSP nonces, the session
    countdown."""
    text = body.decode() if isinstance(body, bytes) else body
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", text)
    text = re.sub(r'data-remaining="\d+"', "REMAINING", text)
    return re.sub(r'nonce="[^"]*"', "NONCE", text)


def request_grant(client, number: str, reason: str = LONG_REASON):
    return client.post(reverse("audit:break_glass"), {"person_id": number, "reason": reason})


def participant_url(participant) -> str:
    return reverse("referrals:participant", args=[participant.pk])


@pytest.mark.django_db
def test_outside_her_region_an_admin_gets_404_with_the_offer(
    client_for, admin_ada, participant_far, referral_far
):
    client = client_for(admin_ada)
    response = client.get(participant_url(participant_far))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Noodtoegang aanvragen" in body
    assert reverse("audit:break_glass") in body
    assert client.get(reverse("referrals:detail", args=[referral_far.pk])).status_code == 404
    refused = AccessLog.objects.get(event=f"participant.view:{participant_far.pk}")
    assert refused.access_granted is False
    assert refused.person_id == ""  # a refusal names nobody
    assert refused.break_glass_grant_id is None


@pytest.mark.django_db
def test_the_offer_never_reveals_whether_the_record_exists(client_for, admin_ada, participant_far):
    client = client_for(admin_ada)
    missing_url = reverse("referrals:participant", args=[participant_far.pk + 1000])
    missing = client.get(missing_url)
    existing = client.get(participant_url(participant_far))
    assert missing.status_code == existing.status_code == 404
    assert comparable(missing.content).replace(missing_url, "URL") == comparable(
        existing.content
    ).replace(participant_url(participant_far), "URL")


@pytest.mark.django_db
def test_only_admins_are_offered_emergency_access(client_for, poh_bram, participant_a):
    response = client_for(poh_bram).get(participant_url(participant_a))
    assert response.status_code == 404
    assert "Noodtoegang" not in response.content.decode()


@pytest.mark.django_db
def test_a_grant_opens_that_one_record_and_marks_every_row(
    client_for, admin_ada, participant_far, referral_far, practice_far, far_municipality
):
    from tests.factories import ParticipantFactory

    other_far = ParticipantFactory(gp_practice=practice_far, municipality=far_municipality)
    client = client_for(admin_ada)
    response = request_grant(client, participant_far.public_id.lower())  # case-insensitive
    grant = BreakGlassGrant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:break_glass_detail", args=[grant.pk])
    assert grant.person_id == participant_far.public_id
    assert grant.user == admin_ada
    assert grant.reason == LONG_REASON
    assert grant.expires_at - grant.granted_at == dt.timedelta(minutes=60)
    assert grant.reviewed_at is None

    # Opening goes through the gate, and lands on the participant page.
    opened = client.get(reverse("audit:break_glass_open", args=[grant.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == participant_url(participant_far)

    page = client.get(participant_url(participant_far))
    assert page.status_code == 200
    body = page.content.decode()
    assert "U bekijkt dit dossier met noodtoegang" in body
    # The participant's referrals show on the page, and open.
    assert reverse("referrals:detail", args=[referral_far.pk]) in body
    assert client.get(reverse("referrals:detail", args=[referral_far.pk])).status_code == 200
    # One record: another person of that region stays closed.
    assert client.get(participant_url(other_far)).status_code == 404

    rows = AccessLog.objects.filter(person_id=participant_far.public_id)
    events = {r.event.split(":")[0] for r in rows}
    assert {"break_glass.grant", "break_glass.open", "participant.view", "referral.view"} <= events
    assert all(r.break_glass_grant_id == grant.pk for r in rows)
    # Rows about people in her own scope are not marked.
    assert (
        not AccessLog.objects.filter(break_glass_grant__isnull=False)
        .exclude(person_id=participant_far.public_id)
        .exists()
    )


@pytest.mark.django_db
def test_a_grant_lasts_its_lifetime_and_no_longer(
    client_for, admin_ada, participant_far, referral_far
):
    with time_machine.travel(NOW, tick=False) as traveller:
        client = client_for(admin_ada)
        request_grant(client, participant_far.public_id)
        # Every 25 minutes a page, so the session's idle timeout does not sign her out.
        for minutes in (0, 25, 50):
            traveller.move_to(NOW + dt.timedelta(minutes=minutes))
            assert client.get(participant_url(participant_far)).status_code == 200
        traveller.move_to(NOW + dt.timedelta(minutes=59, seconds=59))
        assert client.get(participant_url(participant_far)).status_code == 200
        traveller.move_to(NOW + dt.timedelta(minutes=60))
        assert client.get(participant_url(participant_far)).status_code == 404
        assert client.get(reverse("referrals:detail", args=[referral_far.pk])).status_code == 404
        grant = BreakGlassGrant.objects.get()
        assert client.get(reverse("audit:break_glass_open", args=[grant.pk])).status_code == 404
    late = AccessLog.objects.filter(timestamp__gte=NOW + dt.timedelta(minutes=60))
    assert late.exists()
    assert not late.filter(break_glass_grant__isnull=False).exists()


@pytest.mark.django_db
@override_settings(BREAK_GLASS_MINUTES=15)
def test_the_lifetime_is_a_setting(client_for, admin_ada, participant_far):
    with time_machine.travel(NOW, tick=False) as traveller:
        client = client_for(admin_ada)
        request_grant(client, participant_far.public_id)
        traveller.move_to(NOW + dt.timedelta(minutes=14))
        assert client.get(participant_url(participant_far)).status_code == 200
        traveller.move_to(NOW + dt.timedelta(minutes=15))
        assert client.get(participant_url(participant_far)).status_code == 404


@pytest.mark.django_db
def test_a_grant_is_for_its_holder_only(client_for, admin_ada, admin_bob, participant_far):
    request_grant(client_for(admin_ada), participant_far.public_id)
    bob = client_for(admin_bob)
    assert bob.get(participant_url(participant_far)).status_code == 404
    grant = BreakGlassGrant.objects.get()
    assert bob.get(reverse("audit:break_glass_open", args=[grant.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", "even kijken", "x" * 19])
def test_a_short_reason_is_refused_and_logged(client_for, admin_ada, participant_far, reason):
    response = request_grant(client_for(admin_ada), participant_far.public_id, reason)
    assert response.status_code == 200
    assert "minstens 20 tekens" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    refused = AccessLog.objects.get(event="break_glass.refused")
    assert refused.access_granted is False
    assert refused.person_id == participant_far.public_id
    assert client_for(admin_ada).get(participant_url(participant_far)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["", "12345", "VZ-1234567", "VZ-OOOO0000", "VZ-ABCDEFGH1"])
def test_a_malformed_number_is_refused(client_for, admin_ada, number):
    response = request_grant(client_for(admin_ada), number)
    assert response.status_code == 200
    assert "VZ-7KQ4M2XA" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert AccessLog.objects.filter(event="break_glass.refused", access_granted=False).exists()


@pytest.mark.django_db
def test_an_unknown_number_is_answered_like_a_known_one(client_for, admin_ada, participant_far):
    assert participant_far.public_id != UNKNOWN_NUMBER

    def answer(number: str) -> tuple[int, int, str]:
        with time_machine.travel(NOW, tick=False):
            client = client_for(admin_ada)
            response = request_grant(client, number)
            page = client.get(response["Location"])
        grant = BreakGlassGrant.objects.get(person_id=number)
        body = comparable(page.content).replace(number, "NUMBER")
        # The grant's own id, as written and in words ("Noodtoegang 7").
        body = re.sub(rf"(/noodtoegang/|break_glass\.\w+:|Noodtoegang ){grant.pk}\b", r"\1ID", body)
        return response.status_code, page.status_code, body

    assert answer(participant_far.public_id) == answer(UNKNOWN_NUMBER)
    # Both attempts are in the log, with the number asked for.
    logged = set(
        AccessLog.objects.filter(event__startswith="break_glass.grant").values_list(
            "person_id", "access_granted"
        )
    )
    assert logged == {(participant_far.public_id, True), (UNKNOWN_NUMBER, True)}
    # Only opening can tell, and that is logged as a refusal.
    grant = BreakGlassGrant.objects.get(person_id=UNKNOWN_NUMBER)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        opened = client_for(admin_ada).get(reverse("audit:break_glass_open", args=[grant.pk]))
    assert opened.status_code == 404
    assert AccessLog.objects.filter(
        event=f"break_glass.open:{grant.pk}", access_granted=False
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["poh_anna", "expert_eva", "coordinator_cor"])
def test_only_admins_may_ask(client_for, personas, participant_far, persona):
    client = client_for(personas[persona])
    assert client.get(reverse("audit:break_glass")).status_code == 403
    assert request_grant(client, participant_far.public_id).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_the_service_refuses_non_admins(db, poh_anna):
    actor = Actor(user=poh_anna, membership=poh_anna.memberships.get())
    with pytest.raises(ApplicationError):
        break_glass_request(actor=actor, person_id=UNKNOWN_NUMBER, reason=LONG_REASON)
    assert not BreakGlassGrant.objects.exists()


# --- Review ---------------------------------------------------------------------------------


@pytest.fixture
def grant(client_for, admin_ada, participant_far, region):
    # ``region``: Ada's and Bob's municipality lies in region Groningen, so each sees and
    # reviews the other's grants.
    request_grant(client_for(admin_ada), participant_far.public_id)
    return BreakGlassGrant.objects.get()


@pytest.mark.django_db
def test_grants_await_review_by_another_admin(client_for, admin_bob, grant):
    bob = client_for(admin_bob)
    listing = bob.get(reverse("audit:break_glass")).content.decode()
    assert "Te beoordelen noodtoegang" in listing
    assert grant.person_id in listing
    detail = bob.get(reverse("audit:break_glass_detail", args=[grant.pk])).content.decode()
    assert LONG_REASON in detail
    assert "dossier opent niet" in detail
    assert "Beoordeling vastleggen" in detail

    response = bob.post(
        reverse("audit:break_glass_review", args=[grant.pk]),
        {"note": "Nagevraagd bij de POH: storing bevestigd, toegang was nodig."},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == admin_bob
    assert grant.reviewed_at is not None
    assert grant.review_note.startswith("Nagevraagd")
    row = AccessLog.objects.get(event=f"break_glass.review:{grant.pk}")
    assert (row.actor, row.action, row.person_id) == (admin_bob, "U", grant.person_id)
    # Reviewed: no longer waiting.
    listing = bob.get(reverse("audit:break_glass")).content.decode()
    assert "Niets te beoordelen" in listing


@pytest.mark.django_db
def test_another_region_s_admin_neither_sees_nor_reviews_the_grant(
    client_for, far_municipality, grant
):
    """The review lists keep to the region like the log: no participant numbers to
    harvest there. A grant of another region is a 404, as an unknown id."""
    from tests.conftest import with_authenticator
    from tests.factories import MembershipFactory, UserFactory
    from voorzorg.accounts.constants import Role

    far_admin = with_authenticator(UserFactory(email="zara@verweg.test"))
    MembershipFactory(user=far_admin, organisation=far_municipality, role=Role.ADMIN)
    zara = client_for(far_admin)
    listing = zara.get(reverse("audit:break_glass")).content.decode()
    assert grant.person_id not in listing
    assert "Niets te beoordelen" in listing
    assert zara.get(reverse("audit:break_glass_detail", args=[grant.pk])).status_code == 404
    review = zara.post(reverse("audit:break_glass_review", args=[grant.pk]), {"note": "x" * 40})
    assert review.status_code == 404
    grant.refresh_from_db()
    assert grant.reviewed_at is None


@pytest.mark.django_db
def test_the_grant_pages_log_each_look_granted_or_refused(
    client_for, admin_ada, admin_bob, far_municipality, grant
):
    """The grant's page, opening it and reviewing it go through the access gate: a look
    is logged with the number the grant is for, a refusal (another region's grant, or
    someone else's to open) names nobody."""
    from tests.conftest import with_authenticator
    from tests.factories import MembershipFactory, UserFactory
    from voorzorg.accounts.constants import Role

    far_admin = with_authenticator(UserFactory(email="zara@verweg.test"))
    MembershipFactory(user=far_admin, organisation=far_municipality, role=Role.ADMIN)
    bob, zara = client_for(admin_bob), client_for(far_admin)
    assert bob.get(reverse("audit:break_glass_detail", args=[grant.pk])).status_code == 200
    assert zara.get(reverse("audit:break_glass_detail", args=[grant.pk])).status_code == 404
    assert bob.get(reverse("audit:break_glass_open", args=[grant.pk])).status_code == 404
    review = zara.post(reverse("audit:break_glass_review", args=[grant.pk]), {"note": "x" * 40})
    assert review.status_code == 404

    def rows(event: str) -> list[tuple]:
        return list(
            AccessLog.objects.filter(event=f"{event}:{grant.pk}")
            .order_by("pk")
            .values_list("actor__email", "action", "access_granted", "person_id")
        )

    assert rows("break_glass.view") == [
        (admin_bob.email, "R", True, grant.person_id),
        (far_admin.email, "R", False, ""),
    ]
    assert rows("break_glass.open") == [(admin_bob.email, "R", False, "")]
    assert rows("break_glass.review") == [(far_admin.email, "U", False, "")]
    # Her own grant opens her participant: the participant's gate logs it, once.
    assert (
        client_for(admin_ada).get(reverse("audit:break_glass_open", args=[grant.pk])).status_code
        == 302
    )
    assert rows("break_glass.open")[1:] == [(admin_ada.email, "R", True, grant.person_id)]


@pytest.mark.django_db
def test_an_admin_cannot_review_her_own_grant(client_for, admin_ada, grant):
    ada = client_for(admin_ada)
    detail = ada.get(reverse("audit:break_glass_detail", args=[grant.pk])).content.decode()
    assert "Beoordeling vastleggen" not in detail
    response = ada.post(
        reverse("audit:break_glass_review", args=[grant.pk]), {"note": "Zelf goedgekeurd."}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_at is None
    with pytest.raises(ApplicationError, match="eigen noodtoegang"):
        break_glass_review(
            actor=Actor(user=admin_ada, membership=admin_ada.memberships.get()),
            grant=grant,
            note="Zelf goedgekeurd.",
        )


@pytest.mark.django_db
def test_a_grant_is_reviewed_once(admin_bob, grant):
    actor = Actor(user=admin_bob, membership=admin_bob.memberships.get())
    break_glass_review(actor=actor, grant=grant, note="In orde.")
    with pytest.raises(ApplicationError, match="al beoordeeld"):
        break_glass_review(actor=actor, grant=grant, note="Nog eens.")


@pytest.mark.django_db
def test_the_database_refuses_a_self_review(admin_ada, grant):
    grant.reviewed_by = admin_ada
    grant.reviewed_at = NOW
    with pytest.raises(IntegrityError), transaction.atomic():
        grant.save(update_fields=["reviewed_by", "reviewed_at"])


@pytest.mark.django_db
def test_review_needs_a_note(client_for, admin_bob, grant):
    response = client_for(admin_bob).post(
        reverse("audit:break_glass_review", args=[grant.pk]), {"note": "  "}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_at is None


@pytest.mark.django_db
def test_grants_are_never_deleted_nor_rewritten(grant):
    with pytest.raises(AppendOnlyError):
        grant.delete()
    with pytest.raises(AppendOnlyError):
        BreakGlassGrant.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        BreakGlassGrant.objects.update(reason="anders")
    grant.reason = "Achteraf een betere reden bedacht voor deze toegang."
    with pytest.raises(AppendOnlyError):
        grant.save()
    assert BreakGlassGrant.objects.get().reason == LONG_REASON


# --- The append-only log keeps its database guard (PostgreSQL) ------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL"
)
def test_the_trigger_still_refuses_update_and_delete_with_the_new_column(grant):
    from django.db import DatabaseError

    table = AccessLog._meta.db_table
    assert AccessLog.objects.filter(break_glass_grant=grant).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        assert [r[0] for r in cursor.fetchall()] == ["audit_accesslog_append_only"]
    for sql in (
        f"UPDATE {table} SET break_glass_grant_id = NULL",  # noqa: S608
        f"UPDATE {table} SET event = 'x'",  # noqa: S608
        f"DELETE FROM {table}",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AccessLog.objects.filter(break_glass_grant=grant).exists()


@pytest.mark.django_db
def test_the_django_admin_shows_grants_read_only(client_for, admin_ada, grant):
    client = client_for(admin_ada)  # staff: the technical admin
    url = f"/django-admin/audit/breakglassgrant/{grant.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert "Opslaan" not in response.content.decode()
    assert client.post(url, {"reason": "anders"}).status_code == 403
    assert client.get("/django-admin/audit/breakglassgrant/add/").status_code == 403
    assert client.post(f"/django-admin/audit/breakglassgrant/{grant.pk}/delete/").status_code == 403
    assert BreakGlassGrant.objects.get().reason == LONG_REASON
