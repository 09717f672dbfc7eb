"""Meldingen: the inbox, opening and marking, the count in the menu, the e-mail choices."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from referrals.models import Referral
from tests.conftest import FACTORY_TODAY
from tests.core.test_idempotent_forms import _rendered_key
from tests.referrals.test_poh_pages import valid_post as referral_post
from voorzorg.audit.models import AccessLog
from voorzorg.core.idempotency import FIELD
from voorzorg.notifications.kinds import NotificationKind as K
from voorzorg.notifications.models import Notification, NotificationPreference

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("factory_today")]


def give(user, n: int = 1, *, kind=K.REFERRAL_ACCEPTED, read: bool = False) -> list[Notification]:
    start = FACTORY_TODAY - dt.timedelta(hours=n)
    return [
        Notification.objects.create(
            recipient=user,
            membership=user.memberships.first(),
            kind=kind,
            person_id=f"VZ-{i:04d}",
            link=f"/verwijzingen/{i + 1}/",
            created_at=start + dt.timedelta(hours=i),
            read_at=FACTORY_TODAY if read else None,
        )
        for i in range(n)
    ]


def test_the_inbox_lists_her_own_newest_first_with_the_unread_marked(
    client_for, poh_anna, poh_bram
):
    old, new = give(poh_anna, 2)
    Notification.objects.filter(pk=old.pk).update(read_at=FACTORY_TODAY)
    give(poh_bram, 1, kind=K.REFERRAL_DECLINED)
    response = client_for(poh_anna).get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert [n.pk for n in response.context["notifications"]] == [new.pk, old.pk]
    assert response.context["unread"] == 1
    html = response.content.decode()
    assert html.index("De verwijzing van deelnemer VZ-0001") < html.index(
        "De verwijzing van deelnemer VZ-0000"
    )
    assert html.count(">ongelezen</span>") == 1
    assert "afgewezen" not in html  # Bram's
    # NEN 7513: one read row per participant number shown.
    rows = AccessLog.objects.filter(event="notifications.inbox", actor=poh_anna)
    assert sorted(rows.values_list("person_id", flat=True)) == ["VZ-0000", "VZ-0001"]


def test_the_inbox_reads_at_a_fixed_number_of_queries_and_pages_by_25(
    client_for, poh_anna, django_assert_max_num_queries
):
    client = client_for(poh_anna)
    give(poh_anna, 3)
    client.get(reverse("notifications:inbox"))  # warm: session, membership
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("notifications:inbox"))
    give(poh_anna, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("notifications:inbox"))
    assert len(response.context["notifications"]) == 25
    assert response.context["page"].paginator.num_pages == 3
    second = client.get(reverse("notifications:inbox") + "?pagina=2")
    assert len(second.context["notifications"]) == 25
    assert client.get(reverse("notifications:inbox") + "?pagina=x").status_code == 200


def test_the_menu_counts_her_unread_notifications(client_for, poh_anna, poh_bram):
    give(poh_anna, 3)
    give(poh_anna, 2, read=True)
    give(poh_bram, 4)
    html = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    link = re.search(r'<a class="nav-link[^"]*" href="/meldingen/"[^>]*>(.*?)</a>', html, re.S)
    assert link is not None
    text = re.sub(r"<[^>]+>", " ", link.group(1))
    assert " ".join(text.split()) == "Meldingen 3 ongelezen"
    # Read all: no badge.
    Notification.objects.filter(recipient=poh_anna).update(read_at=FACTORY_TODAY)
    html = client_for(poh_anna).get(reverse("referrals:mine")).content.decode()
    assert "ongelezen" not in html


def test_opening_one_marks_it_read_and_goes_to_the_gated_page(client_for, poh_anna, referral_a):
    (notification,) = give(poh_anna)
    Notification.objects.filter(pk=notification.pk).update(
        link=reverse("referrals:detail", args=[referral_a.pk])
    )
    client = client_for(poh_anna)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("referrals:detail", args=[referral_a.pk])
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    assert client.get(response["Location"]).status_code == 200


def test_the_link_goes_through_the_page_gate_when_she_lost_sight_of_the_person(
    client_for, poh_bram, referral_a
):
    """A notification naming a referral she may not see opens nothing: the page's 404."""
    (notification,) = give(poh_bram)
    Notification.objects.filter(pk=notification.pk).update(
        link=reverse("referrals:detail", args=[referral_a.pk])
    )
    client = client_for(poh_bram)
    response = client.get(reverse("notifications:open", args=[notification.pk]), follow=True)
    assert response.status_code == 404


def test_another_users_notification_cannot_be_opened_or_marked(client_for, poh_anna, poh_bram):
    (hers,) = give(poh_anna)
    client = client_for(poh_bram)
    assert client.get(reverse("notifications:open", args=[hers.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[hers.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    hers.refresh_from_db()
    assert hers.read_at is None


def test_mark_one_and_mark_all_as_read(client_for, poh_anna, poh_bram):
    one, two, _three = give(poh_anna, 3)
    (bram,) = give(poh_bram)
    client = client_for(poh_anna)
    page2 = reverse("notifications:inbox") + "?pagina=1"
    response = client.post(reverse("notifications:mark_read", args=[one.pk]), {"next": page2})
    assert response["Location"] == page2
    assert list(Notification.objects.filter(read_at__isnull=False)) == [one]
    # An address elsewhere is not followed.
    response = client.post(
        reverse("notifications:mark_read", args=[two.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications:inbox")
    response = client.post(reverse("notifications:mark_all_read"))
    assert response["Location"] == reverse("notifications:inbox")
    assert not Notification.objects.filter(recipient=poh_anna, read_at__isnull=True).exists()
    bram.refresh_from_db()
    assert bram.read_at is None
    # GET does not mark anything.
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405


def test_the_settings_offer_her_kinds_and_keep_her_choice(client_for, poh_anna):
    client = client_for(poh_anna)
    response = client.get(reverse("notifications:settings"))
    fields = list(response.context["form"].fields)
    assert fields == [
        K.REFERRAL_ACCEPTED,
        K.REFERRAL_DECLINED,
        K.REFERRAL_ASSIGNED,
        K.FIRST_CONTACT,
        K.HANDOVER_COMPLETED,
        K.HANDOVER_NEEDED,
        K.HANDOVER_CONFIRMED,
        K.HANDOVER_MESSAGE,
    ]
    html = response.content.decode()
    for kind in fields:
        # Each check box has its label, and starts ticked (e-mail on by default).
        assert f'for="id_{kind}"' in html
        assert re.search(rf'<input[^>]*name="{kind}"[^>]*checked', html)
    data = {k: "on" for k in fields if k != K.REFERRAL_ASSIGNED}
    response = client.post(reverse("notifications:settings"), data)
    assert response["Location"] == reverse("notifications:settings")
    off = NotificationPreference.objects.filter(user=poh_anna, email=False)
    assert list(off.values_list("kind", flat=True)) == [K.REFERRAL_ASSIGNED]
    html = client.get(reverse("notifications:settings")).content.decode()
    assert not re.search(r'<input[^>]*name="referral_assigned"[^>]*checked', html)
    # A kind that is not hers is ignored, not stored.
    client.post(reverse("notifications:settings"), {**data, "referral_new": ""})
    assert not NotificationPreference.objects.filter(kind=K.REFERRAL_NEW).exists()


def test_a_team_lead_chooses_for_new_referrals_and_assignments(client_for, expert_eva):
    fields = list(
        client_for(expert_eva).get(reverse("notifications:settings")).context["form"].fields
    )
    assert fields == [
        K.REFERRAL_NEW,
        K.ASSIGNMENT_NEW,
        K.HANDOVER_NEEDED,
        K.HANDOVER_CONFIRMED,
        K.HANDOVER_MESSAGE,
    ]


def test_a_coordinator_has_nothing_to_choose(client_for, coordinator_cor):
    response = client_for(coordinator_cor).get(reverse("notifications:settings"))
    assert "In uw rol krijgt u geen meldingen per e-mail." in response.content.decode()


def test_a_referral_form_sent_twice_notifies_the_team_once(
    client_for, poh_anna, expert_eva, municipality, region
):
    client = client_for(poh_anna)
    url = reverse("referrals:create")
    data = {**referral_post(municipality=municipality.pk), FIELD: _rendered_key(client, url)}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Referral.objects.count() == 1
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (expert_eva.pk, K.REFERRAL_NEW)
    ]


def test_each_role_reads_only_the_notifications_told_to_it(
    client_for, poh_anna, practice_a, practice_b, municipality, region
):
    """Anna works as POH-GGZ in two practices. A referral of practice B is told to her
    role there: acting for practice A, her inbox and badge do not show it (its number
    would name someone practice A may not see), and the other way round."""
    from referrals.notifications import referrer
    from tests.factories import MembershipFactory, ParticipantFactory, ReferralFactory
    from voorzorg.accounts.constants import Role
    from voorzorg.notifications.services import notify

    in_a = poh_anna.memberships.get()
    in_b = MembershipFactory(user=poh_anna, organisation=practice_b, role=Role.POH)
    of_b = ReferralFactory(
        participant=ParticipantFactory(gp_practice=practice_b, municipality=municipality),
        region=region,
        referred_by=poh_anna,
    )
    assert referrer(of_b) == [in_b]
    for membership, number in ((in_a, "VZ-AAAA0001"), (in_b, "VZ-BBBB0001")):
        notify(kind=K.REFERRAL_ACCEPTED, recipients=[membership], link="/", person_id=number)

    client = client_for(poh_anna)
    for acting, shown, hidden in (
        (in_a, "VZ-AAAA0001", "VZ-BBBB0001"),
        (in_b, "VZ-BBBB0001", "VZ-AAAA0001"),
    ):
        client.post(reverse("accounts:switch_role"), {"membership": acting.pk})
        page = client.get(reverse("notifications:inbox")).content.decode()
        assert shown in page and hidden not in page
        assert not AccessLog.objects.filter(
            person_id=hidden, actor=poh_anna, organisation=acting.organisation_id
        ).exists()
