"""Every create form carries a one-time key: the same POST twice makes one record.

A double click, a resend after a slow network, Back then submit: the second POST with the
key the page was rendered with makes no second record, e-mail or outbox message, and goes
where the first went, with a short message (voorzorg.core.idempotency).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection, connections
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from groups.models import (
    Contact,
    Enrolment,
    GroupSession,
    PeerGroup,
    PositiveHealthMeasurement,
    Signal,
)
from participants.models import Participant
from referrals.models import Referral, WaitingEpisode
from tests.factories import EnrolmentFactory, PeerGroupFactory, ReferralFactory
from tests.groups.test_contacts import contact_post
from tests.groups.test_groups import group_post
from tests.groups.test_positive_health import health_post
from tests.referrals.test_episodes import valid_post as episode_post
from tests.referrals.test_poh_pages import valid_post as referral_post
from tests.referrals.test_self_register import valid_post as self_register_post
from voorzorg.api.models import ApiToken
from voorzorg.audit.models import BreakGlassGrant
from voorzorg.core.idempotency import FIELD
from voorzorg.core.models import OutboxMessage, SubmissionKey
from voorzorg.core.tasks import submission_keys_prune

pytestmark = pytest.mark.usefixtures("factory_today")

REPLAYED = "Dit formulier was al verstuurd; u ziet het resultaat."
HOME = "203.0.113.10"


@dataclass
class Case:
    """One create form: who fills it in, where, with what, and what it creates."""

    persona: str | None  # None: the public form, signed out
    url: Callable[[dict], str]
    data: Callable[[dict], dict]
    model: type[Model]


def _world(request) -> dict:
    """The records the forms need, around practice A's participant in bridging care."""
    get = request.getfixturevalue
    expert_eva, participant_a, region = get("expert_eva"), get("participant_a"), get("region")
    ReferralFactory(
        participant=participant_a, region=region, in_bridging=True, assigned_expert=expert_eva
    )
    group = PeerGroupFactory(municipality=get("municipality"), facilitators=[expert_eva])
    roster = [EnrolmentFactory(group=group).participant for _ in range(2)]
    return {
        "participant": participant_a,
        "municipality": get("municipality"),
        "provider": get("provider"),
        "welfare_org": get("welfare_org"),
        "expert_eva": expert_eva,
        "poh_anna": get("poh_anna"),
        "group": group,
        "roster": roster,
    }


def _session_post(w: dict) -> dict:
    data = {
        "starts_at": "2026-11-17T19:00",
        "format": "in_person",
        "facilitators_present": [w["expert_eva"].pk],
        "topic": "Slapen",
        "walk_in_count": "0",
        "note": "",
    }
    data.update({f"aanwezig_{p.pk}": "present" for p in w["roster"]})
    return data


CASES = {
    "referral": Case(
        "poh_anna",
        lambda w: reverse("referrals:create"),
        # "Someone else", so that a new key for the same details makes a new person rather
        # than the possible-duplicate choice (tests/referrals/test_duplicate_registration.py).
        lambda w: referral_post(
            municipality=w["municipality"].pk,
            duplicates_shown="1",
            duplicate="nieuw",
            not_duplicate_reason="Andere persoon, zelfde naam.",
        ),
        Referral,
    ),
    "self_register": Case(
        None,
        lambda w: reverse("referrals:self_register"),
        lambda w: self_register_post(w["municipality"]),
        Referral,
    ),
    "contact": Case(
        "expert_eva",
        lambda w: reverse("groups:contact_create", args=[w["participant"].pk]),
        lambda w: contact_post(),
        Contact,
    ),
    "measurement": Case(
        "expert_eva",
        lambda w: reverse("groups:health_create", args=[w["participant"].pk]),
        lambda w: health_post(),
        PositiveHealthMeasurement,
    ),
    "signal": Case(
        "expert_eva",
        lambda w: reverse("groups:signal_create", args=[w["participant"].pk]),
        lambda w: {"severity": "urgent", "description": "Slaapt niet, piekert veel."},
        Signal,
    ),
    "group": Case(
        "expert_eva",
        lambda w: reverse("groups:group_create"),
        lambda w: group_post(
            w["municipality"], [w["expert_eva"]], organisations=[w["welfare_org"].pk]
        ),
        PeerGroup,
    ),
    "enrolment": Case(
        "expert_eva",
        lambda w: reverse("groups:enrol", args=[w["group"].pk]),
        lambda w: {"participant": w["participant"].pk, "start_date": "2026-11-23"},
        Enrolment,
    ),
    "session": Case(
        "expert_eva",
        lambda w: reverse("groups:session_log", args=[w["group"].pk]),
        _session_post,
        GroupSession,
    ),
    "episode": Case(
        "poh_anna",
        lambda w: reverse("referrals:episode_create", args=[w["participant"].pk]),
        lambda w: episode_post(w["provider"]),
        WaitingEpisode,
    ),
    "break_glass": Case(
        "admin_ada",
        lambda w: reverse("audit:break_glass"),
        lambda w: {"person_id": "VZ-7KQ4M2XA", "reason": "Crisisdienst belt: geen dossier."},
        BreakGlassGrant,
    ),
    "api_token": Case(
        "poh_anna",
        lambda w: reverse("api:tokens"),
        lambda w: {
            "name": "HIS",
            "membership": w["poh_anna"].memberships.get().pk,
            "lifetime_days": 30,
        },
        ApiToken,
    ),
}


def _client(request, case: Case) -> Client:
    if case.persona is None:
        return Client(REMOTE_ADDR=HOME)
    return request.getfixturevalue("client_for")(request.getfixturevalue(case.persona))


def _rendered_key(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    keys = re.findall(rf'<input type="hidden" name="{FIELD}" value="([0-9a-f]{{32}})">', page.text)
    assert len(keys) == 1, "the form renders exactly one submission key"
    return keys[0]


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_the_same_form_posted_twice_makes_one_record(request, name):
    case = CASES[name]
    world = _world(request)
    client = _client(request, case)
    url = case.url(world)
    before = case.model.objects.count()
    data = {**case.data(world), FIELD: _rendered_key(client, url)}

    first = client.post(url, data)
    assert first.status_code in (200, 302), first.content[:2000]
    assert case.model.objects.count() == before + 1
    outbox, mails, people = (
        OutboxMessage.objects.count(),
        len(mail.outbox),
        Participant.objects.count(),
    )

    second = client.post(url, data)
    assert second.status_code == 302
    expected = first["Location"] if first.status_code == 302 else url
    assert second["Location"] == expected
    assert case.model.objects.count() == before + 1
    assert (OutboxMessage.objects.count(), len(mail.outbox)) == (outbox, mails)
    assert Participant.objects.count() == people
    # Said once, after whatever the first answer said (unread here: no page was followed).
    assert [str(m) for m in get_messages(second.wsgi_request)][-1:] == [REPLAYED]
    assert REPLAYED not in [str(m) for m in get_messages(first.wsgi_request)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["referral", "contact", "signal"])
def test_a_new_key_makes_a_new_record_and_no_key_behaves_as_before(request, name):
    case = CASES[name]
    world = _world(request)
    client = _client(request, case)
    url = case.url(world)
    before = case.model.objects.count()
    for key in (_rendered_key(client, url), _rendered_key(client, url), None):
        data = case.data(world) | ({FIELD: key} if key else {})
        assert client.post(url, data).status_code == 302
    assert case.model.objects.count() == before + 3


@pytest.mark.django_db
def test_a_form_with_errors_releases_its_key(request):
    case = CASES["contact"]
    world = _world(request)
    client = _client(request, case)
    url = case.url(world)
    key = _rendered_key(client, url)
    wrong = client.post(url, {**case.data(world), "date": "", FIELD: key})
    assert wrong.status_code == 200
    assert not SubmissionKey.objects.exists()
    # Corrected and sent again: saved once.
    assert client.post(url, {**case.data(world), FIELD: key}).status_code == 302
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_a_key_is_only_replayed_to_its_own_user(request, client_for, poh_anna, poh_bram):
    case = CASES["referral"]
    world = _world(request)
    url = case.url(world)
    data = {**case.data(world), FIELD: _rendered_key(client_for(poh_anna), url)}
    before = Referral.objects.count()
    first = client_for(poh_anna).post(url, data)
    # Another POH sending the same key (it leaked, or was copied) gets her own record,
    # never a redirect to Anna's.
    other = client_for(poh_bram).post(url, data)
    assert other.status_code == 302 and other["Location"] != first["Location"]
    assert Referral.objects.count() == before + 2
    # Anna herself, in another session (another tab, after signing in again): replayed.
    again = client_for(poh_anna).post(url, data)
    assert again["Location"] == first["Location"]
    assert Referral.objects.count() == before + 2


@pytest.mark.django_db
def test_a_malformed_key_is_a_bad_request_and_writes_nothing(request):
    case = CASES["contact"]
    world = _world(request)
    client = _client(request, case)
    response = client.post(case.url(world), {**case.data(world), FIELD: "<script>"})
    assert response.status_code == 400
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_keys_older_than_a_day_are_pruned_nightly(request, time_machine):
    case = CASES["contact"]
    world = _world(request)
    client = _client(request, case)
    url = case.url(world)
    for _ in range(2):
        client.post(url, {**case.data(world), FIELD: _rendered_key(client, url)})
    time_machine.shift(23 * 3600)
    client = _client(request, case)  # signed in again: the session ran out
    client.post(url, {**case.data(world), FIELD: _rendered_key(client, url)})
    time_machine.shift(2 * 3600)
    assert submission_keys_prune.delay().get() == 2
    assert SubmissionKey.objects.count() == 1
    assert submission_keys_prune.delay().get() == 0


@pytest.mark.django_db(transaction=True)
def test_one_form_key_posted_twice_at_once_makes_one_record(request):
    """Two submissions of one page at the same moment, each on its own connection."""
    if connection.vendor != "postgresql":
        pytest.skip("waiting on another transaction's unique key is PostgreSQL's")
    case = CASES["contact"]
    world = _world(request)
    clients = [_client(request, case), _client(request, case)]
    url = case.url(world)
    data = {**case.data(world), FIELD: _rendered_key(clients[0], url)}
    barrier = threading.Barrier(2)
    locations: list[str] = []
    errors: list[BaseException] = []

    def post(client: Client) -> None:
        try:
            barrier.wait()
            locations.append(client.post(url, data)["Location"])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=[client]) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = reverse("referrals:participant", args=[world["participant"].pk])
    assert locations == [expected, expected]
    assert Contact.objects.count() == 1
