"""Linking a referral to the provider's waiting place by its client reference.

A referral that carries the provider's client reference (``provider_reference``) for its
intended provider waits for the place with that ``external_id`` in the provider's
waitlist file. The waitlist import (``monitoring.importer.waitlist_import``) links it when
it creates that place (``referrals.provider_services.link_imported``), and tells the
sending side when a linked place shows an intake or a treatment start.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from monitoring import tasks
from monitoring.importer import ImportResult, waitlist_import
from referrals import import_services
from referrals.import_services import IMPORT_FIELDS, ImportedEpisode, imported_episodes_save
from referrals.models import Referral, WaitingEpisode
from referrals.provider_services import link_imported, referral_link, referral_unlink
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    ReferralFactory,
    UserFactory,
    WaitingEpisodeFactory,
)
from tests.monitoring.test_import import csv_bytes, row
from voorzorg.audit.models import AccessLog
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.notifications.kinds import NotificationKind
from voorzorg.notifications.models import Notification

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
AGB = "22990001"
# A place still waiting for its intake: no stage the sending side must hear of.
WAITING = {"intake_date": "", "treatment_start_date": ""}
WITH_INTAKE = {"intake_date": "2026-11-02", "treatment_start_date": ""}


@pytest.fixture(autouse=True)
def _frozen(time_machine, monkeypatch):
    time_machine.move_to(NOW, tick=False)
    # The engine's recompute is not what these tests are about.
    monkeypatch.setattr(tasks, "enqueue_recompute_on_commit", lambda keys: None)
    monkeypatch.setattr(tasks, "enqueue_refresh_on_commit", lambda cells: None)


@pytest.fixture
def noorderlicht(municipality):
    return OrganisationFactory(provider=True, agb_code=AGB, name="GGZ Noorderlicht")


@pytest.fixture
def admin_actor(admin_ada) -> Actor:
    return Actor(user=admin_ada, membership=admin_ada.memberships.get())


@pytest.fixture
def referral(participant_a, region, poh_anna, expert_eva, noorderlicht) -> Referral:
    """Sanne in bridging care with Eva, referred by Anna, with the provider's client
    reference X1 and a hand-entered place at the provider standing in for the real one."""
    stand_in = WaitingEpisodeFactory(
        provider=noorderlicht, participant=participant_a, external_id=""
    )
    return ReferralFactory(
        participant=participant_a,
        region=region,
        referred_by=poh_anna,
        assigned_expert=expert_eva,
        in_bridging=True,
        intended_provider=noorderlicht,
        provider_reference="X1",
        waiting_episode=stand_in,
    )


def run(data: bytes, *, actor: Actor | None = None, **kwargs) -> ImportResult:
    kwargs.setdefault("today", TODAY)
    result = waitlist_import(file=io.BytesIO(data), filename="aanbieder.csv", actor=actor, **kwargs)
    assert result.ok, [str(issue) for issue in result.errors]
    return result


def test_an_import_that_links_recomputes_its_periods_in_full(referral, admin_actor, monkeypatch):
    """Linking can remove a hand-entered stand-in or release another place, changes the
    refresh of the touched figures would not see: the periods are recomputed in full."""
    asked: dict[str, list] = {"recompute": [], "refresh": []}
    monkeypatch.setattr(tasks, "enqueue_recompute_on_commit", asked["recompute"].append)
    monkeypatch.setattr(tasks, "enqueue_refresh_on_commit", asked["refresh"].append)

    linking = run(csv_bytes([row(external_id="X1", **WAITING)]), actor=admin_actor)
    plain = run(csv_bytes([row(external_id="X2", **WAITING)]), actor=admin_actor)

    assert linking.linked and not plain.linked
    assert asked["recompute"] == [linking.period_keys]
    assert [[c.period_key for c in cells] for cells in asked["refresh"]] == [
        [c.period_key for c in plain.touched.cells()]
    ]
    assert linking.queued_period_keys == linking.period_keys
    # Waiting since January: the refresh takes every month up to today, as the recompute.
    assert plain.queued_period_keys == plain.period_keys


def told(kind: str = NotificationKind.HANDOVER_NEEDED) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__email", "person_id")
    )


# --- The import links -----------------------------------------------------------------------


def test_an_import_that_brings_the_place_links_the_waiting_referral(referral, admin_actor):
    stand_in = referral.waiting_episode
    versions = referral.history.count()

    result = run(
        csv_bytes([row(external_id="X1", **WAITING), row(external_id="X2")]), actor=admin_actor
    )

    assert (result.created, result.updated) == (2, 0)
    place = WaitingEpisode.objects.get(provider__agb_code=AGB, external_id="X1")
    referral.refresh_from_db()
    assert place.participant == referral.participant
    assert referral.waiting_episode == place
    assert WaitingEpisode.objects.get(external_id="X2").participant is None
    # The hand-entered stand-in is gone: the provider's own record replaces it.
    assert not WaitingEpisode.objects.filter(pk=stand_in.pk).exists()
    person = referral.participant.public_id
    logged = AccessLog.objects.filter(actor=admin_actor.user)
    assert logged.filter(event=f"referral.link:{referral.pk}", person_id=person).count() == 1
    assert logged.filter(event=f"episode.replaced:{stand_in.pk}", person_id=person).count() == 1
    # The import's own row names the person whose record it changed.
    assert logged.filter(event="waitlist.import:aanbieder.csv", person_id=person).exists()
    # A version of the referral says why it changed, and who did it.
    assert referral.history.count() == versions + 1
    latest = referral.history.first()
    assert latest.history_user == admin_actor.user
    assert "wachtlijstbestand" in latest.history_change_reason
    # Nothing of the provider's care is known yet: nobody is told.
    assert told() == []


def test_the_same_file_twice_changes_nothing_the_second_time(referral, admin_actor):
    data = csv_bytes([row(external_id="X1")])  # intake and treatment start known
    run(data, actor=admin_actor)
    person = referral.participant.public_id
    assert told() == [("anna@voorzorg.test", person), ("eva@voorzorg.test", person)]
    state = (
        AccessLog.objects.count(),
        Notification.objects.count(),
        referral.history.count(),
        list(WaitingEpisode.objects.values_list("pk", "participant", "updated_at")),
    )

    second = run(data, actor=admin_actor)

    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert (
        AccessLog.objects.count(),
        Notification.objects.count(),
        referral.history.count(),
        list(WaitingEpisode.objects.values_list("pk", "participant", "updated_at")),
    ) == state


def test_an_intake_that_arrives_later_tells_the_expert_and_the_poh_once(referral, admin_actor):
    run(csv_bytes([row(external_id="X1", **WAITING)]), actor=admin_actor)
    assert told() == []
    with_intake = csv_bytes([row(external_id="X1", **WITH_INTAKE)])

    result = run(with_intake, actor=admin_actor)

    assert result.updated == 1
    person = referral.participant.public_id
    assert told() == [("anna@voorzorg.test", person), ("eva@voorzorg.test", person)]
    notice = Notification.objects.get(recipient__email="eva@voorzorg.test")
    assert notice.params == {
        "stage": "intake",
        "date": "02-11-2026",
        "provider": "GGZ Noorderlicht",
    }
    assert notice.text == (
        f"Deelnemer {person}: de intake bij GGZ Noorderlicht op 02-11-2026 is bekend. "
        "De warme overdracht is nodig."
    )
    with translation.override("en"):
        assert notice.text == (
            f"Participant {person}: the intake at GGZ Noorderlicht on 02-11-2026 is known. "
            "The warm handover is needed."
        )
    assert notice.link == reverse("referrals:detail", args=[referral.pk])
    # The same file again, and a file that changes something else: no second notification.
    run(with_intake, actor=admin_actor)
    run(csv_bytes([row(external_id="X1", location="Elders", **WITH_INTAKE)]), actor=admin_actor)
    assert len(told()) == 2


def test_a_treatment_start_for_a_linked_place_is_told_too(referral, admin_actor):
    run(csv_bytes([row(external_id="X1", **WITH_INTAKE)]), actor=admin_actor)
    assert len(told()) == 2

    run(
        csv_bytes(
            [row(external_id="X1", intake_date="2026-11-02", treatment_start_date="2026-11-16")]
        ),
        actor=admin_actor,
    )

    stages = sorted(
        Notification.objects.filter(
            kind=NotificationKind.HANDOVER_NEEDED, recipient__email="eva@voorzorg.test"
        ).values_list("params__stage", flat=True)
    )
    assert stages == ["intake", "treatment_start"]


@pytest.mark.parametrize("status", ["handed_over", "closed", "withdrawn"])
def test_a_referral_no_longer_open_is_not_told(referral, admin_actor, status):
    reason = {"closed": "no_longer_needed"}.get(status, "")
    Referral.objects.filter(pk=referral.pk).update(status=status, close_reason=reason)
    run(csv_bytes([row(external_id="X1")]), actor=admin_actor)
    assert told() == []


def test_only_the_intended_providers_place_links(referral, admin_actor):
    OrganisationFactory(provider=True, agb_code="22990002")

    run(csv_bytes([row(external_id="X1", provider_agb="22990002")]), actor=admin_actor)

    referral.refresh_from_db()
    assert referral.waiting_episode.external_id == ""  # still the stand-in
    assert WaitingEpisode.objects.get(external_id="X1").participant is None


def test_a_reference_two_people_claim_links_neither(referral, admin_actor, practice_a, region):
    """Two people waiting for one place: the import cannot know whose it is."""
    other = ReferralFactory(
        participant=ParticipantFactory(gp_practice=practice_a),
        region=region,
        accepted=True,
        assigned_expert=referral.assigned_expert,
        intended_provider=referral.intended_provider,
        provider_reference="X1",
    )

    run(csv_bytes([row(external_id="X1", **WAITING)]), actor=admin_actor)

    place = WaitingEpisode.objects.get(external_id="X1")
    assert place.participant is None
    assert not Referral.objects.filter(waiting_episode=place).exists()
    assert not AccessLog.objects.filter(event__startswith="referral.link:").exists()
    assert other.pk  # both still carry their reference, to be sorted out by hand
    assert Referral.objects.filter(provider_reference="X1").count() == 2


def test_a_closed_referral_with_the_same_reference_does_not_block(
    referral, admin_actor, practice_a, region
):
    ReferralFactory(
        participant=ParticipantFactory(gp_practice=practice_a),
        region=region,
        closed=True,
        intended_provider=referral.intended_provider,
        provider_reference="X1",
    )

    run(csv_bytes([row(external_id="X1", **WAITING)]), actor=admin_actor)

    referral.refresh_from_db()
    assert referral.waiting_episode.external_id == "X1"


def test_a_dry_run_links_and_tells_nothing(referral, admin_actor):
    stand_in = referral.waiting_episode
    logged = AccessLog.objects.count()

    result = run(csv_bytes([row(external_id="X1")]), actor=admin_actor, dry_run=True)

    assert (result.created, result.written) == (1, False)
    referral.refresh_from_db()
    assert referral.waiting_episode == stand_in
    assert not WaitingEpisode.objects.filter(external_id="X1").exists()
    assert (AccessLog.objects.count(), Notification.objects.count()) == (logged, 0)


# --- Recording the reference when the place is already there ----------------------------------


def test_recording_a_reference_links_a_place_that_is_already_there(
    referral, admin_actor, expert_eva
):
    run(csv_bytes([row(external_id="X7", **WITH_INTAKE)]), actor=admin_actor)
    eva = Actor(user=expert_eva, membership=expert_eva.memberships.get())

    referral_link(actor=eva, referral=referral, reference=" X7 ")

    referral.refresh_from_db()
    place = WaitingEpisode.objects.get(external_id="X7")
    assert (referral.provider_reference, referral.waiting_episode) == ("X7", place)
    assert place.participant == referral.participant
    # The intake is known: the POH hears of it (Eva linked it herself, so not she).
    assert told() == [("anna@voorzorg.test", referral.participant.public_id)]


def test_a_reference_linked_to_another_person_is_refused(referral, admin_actor, expert_eva):
    WaitingEpisodeFactory(
        provider=referral.intended_provider, external_id="X9", participant=ParticipantFactory()
    )
    eva = Actor(user=expert_eva, membership=expert_eva.memberships.get())

    with pytest.raises(ApplicationError, match="al aan een andere deelnemer gekoppeld"):
        referral_link(actor=eva, referral=referral, reference="X9")

    referral.refresh_from_db()
    assert referral.provider_reference == "X1"


def test_a_new_reference_releases_the_place_linked_before(referral, admin_actor, expert_eva):
    run(
        csv_bytes([row(external_id="X1", **WAITING), row(external_id="X2", **WAITING)]),
        actor=admin_actor,
    )
    first = WaitingEpisode.objects.get(external_id="X1")
    assert first.participant == referral.participant
    eva = Actor(user=expert_eva, membership=expert_eva.memberships.get())

    referral_link(actor=eva, referral=referral, reference="X2")

    first.refresh_from_db()
    referral.refresh_from_db()
    assert first.participant is None  # one wait counts once
    assert referral.waiting_episode.external_id == "X2"
    assert referral.waiting_episode.participant == referral.participant


def test_a_new_reference_not_yet_imported_releases_the_place_linked_before(
    referral, admin_actor, expert_eva
):
    run(csv_bytes([row(external_id="X1", **WAITING)]), actor=admin_actor)
    eva = Actor(user=expert_eva, membership=expert_eva.memberships.get())

    referral_link(actor=eva, referral=referral, reference="X3")

    referral.refresh_from_db()
    assert referral.waiting_episode is None
    assert WaitingEpisode.objects.get(external_id="X1").participant is None
    # The next import that brings X3 links it.
    run(
        csv_bytes([row(external_id="X1", **WAITING), row(external_id="X3", **WAITING)]),
        actor=admin_actor,
    )
    referral.refresh_from_db()
    assert referral.waiting_episode.external_id == "X3"


# --- What linking costs the import ------------------------------------------------------------


def _values() -> tuple:
    fields = dict.fromkeys(IMPORT_FIELDS)
    fields.update(
        location="Groningen",
        care_level="gb-ggz",
        diagnosis_group="",
        registration_date=dt.date(2026, 9, 1),
        close_reason="",
    )
    return tuple(fields[name] for name in IMPORT_FIELDS)


@pytest.mark.parametrize("size", [5, 400])
def test_a_batch_without_waiting_references_costs_one_query_more(noorderlicht, monkeypatch, size):
    """Linking adds one query per batch when no referral waits for its places, whatever
    the batch's size; nothing for a batch that creates no place."""
    ReferralFactory(
        intended_provider=noorderlicht,
        provider_reference="ELSEWHERE",
        accepted=True,
        assigned_expert=UserFactory(),
    )
    episodes = [ImportedEpisode(noorderlicht.pk, f"N{size}-{i}", _values()) for i in range(size)]

    with CaptureQueriesContext(connection) as linking:
        link_imported(
            keys=[(e.provider_id, e.external_id) for e in episodes], progressed=[], actor=None
        )
    assert len(linking) == 1

    with CaptureQueriesContext(connection) as real:
        imported_episodes_save(episodes=episodes, now=NOW)
    monkeypatch.setattr(import_services, "link_imported", lambda **kwargs: set())
    again = [ImportedEpisode(noorderlicht.pk, f"M{size}-{i}", _values()) for i in range(size)]
    with CaptureQueriesContext(connection) as without:
        imported_episodes_save(episodes=again, now=NOW)
    assert len(real) == len(without) + 1
    assert not WaitingEpisode.objects.filter(participant__isnull=False).exists()


def test_a_batch_that_creates_nothing_asks_nothing_more(noorderlicht):
    episodes = [ImportedEpisode(noorderlicht.pk, f"S{i}", _values()) for i in range(3)]
    imported_episodes_save(episodes=episodes, now=NOW)

    with CaptureQueriesContext(connection) as second:
        changes = imported_episodes_save(episodes=episodes, now=NOW)

    assert changes.unchanged == 3
    # Reading the existing places (in a savepoint); no linking query.
    assert [q["sql"] for q in second if "referrals_referral" in q["sql"]] == []
    assert len([q for q in second if "SAVEPOINT" not in q["sql"]]) == 1


def test_the_linking_runs_as_the_importing_admin_or_as_nobody(referral, noorderlicht):
    """From the command line without a user: the rows name no user, the link still holds."""
    imported_episodes_save(
        episodes=[ImportedEpisode(noorderlicht.pk, "X1", _values())], now=NOW, actor=None
    )
    referral.refresh_from_db()
    assert referral.waiting_episode.external_id == "X1"
    row_ = AccessLog.objects.get(event=f"referral.link:{referral.pk}")
    assert row_.actor is None


def test_unlinking_clears_the_reference_and_frees_the_place(referral, admin_actor, expert_eva):
    run(csv_bytes([row(external_id="X1", **WAITING)]), actor=admin_actor)
    eva = Actor(user=expert_eva, membership=expert_eva.memberships.get())

    referral_unlink(actor=eva, referral=referral, reason="Kenmerk hoorde bij iemand anders.")

    referral.refresh_from_db()
    assert (referral.provider_reference, referral.waiting_episode) == ("", None)
    assert WaitingEpisode.objects.get(external_id="X1").participant is None
    assert AccessLog.objects.filter(
        event=f"referral.unlink:{referral.pk}", actor=expert_eva
    ).exists()
