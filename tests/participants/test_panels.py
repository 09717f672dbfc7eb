"""The participant page's panels: what apps show of a person's record on her page.

Registered per app (``participants.registry.register_page_panel``); the page shows a
panel only to the roles it names, in position order within its place, and each panel
reads at a fixed number of queries.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import groups.panels
from participants import registry
from participants.registry import PanelPlace, page_panels
from tests.factories import (
    ContactFactory,
    ParticipantFactory,
    PositiveHealthMeasurementFactory,
    SignalFactory,
)
from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership


@pytest.fixture
def panel_names(request):
    """Three test names; their registrations are removed after the test."""
    names = [f"tests.{request.node.name}.{i}" for i in range(3)]
    for name in names:
        request.addfinalizer(lambda name=name: registry.unregister(name))
    return names


@pytest.fixture
def panel_templates(tmp_path, settings):
    """Three panel templates in a directory the template engine reads, for this test."""
    for name in ("first", "second", "experts"):
        (tmp_path / f"panel_{name}.html").write_text(
            f"<p>panel {name}: {{{{ word }}}} {{{{ participant.public_id }}}}</p>"
        )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates


def register_three(names: list[str]) -> None:
    """Two POH panels registered out of order, and one for experts only."""
    registry.register_page_panel(
        names[0],
        position=900,
        roles=[Role.POH],
        template="panel_second.html",
        context=lambda p, m: {"word": "twee"},
    )
    registry.register_page_panel(
        names[1],
        position=800,
        roles=[Role.POH],
        template="panel_first.html",
        context=lambda p, m: {"word": "een"},
    )
    registry.register_page_panel(
        names[2],
        position=850,
        roles=[Role.EXPERT],
        template="panel_experts.html",
        context=lambda p, m: {"word": "drie"},
    )


@pytest.mark.django_db
def test_panels_are_for_their_roles_only_in_position_order(
    panel_names, poh_anna, expert_eva, practice_a
):
    register_three(panel_names)
    person = ParticipantFactory(gp_practice=practice_a)
    poh = Membership.objects.get(user=poh_anna)
    expert = Membership.objects.get(user=expert_eva)

    poh_panels = [p for p in page_panels(person, poh, PanelPlace.MAIN) if p.name in panel_names]
    expert_panels = [
        p for p in page_panels(person, expert, PanelPlace.MAIN) if p.name in panel_names
    ]

    assert [(p.name, p.context) for p in poh_panels] == [
        (panel_names[1], {"word": "een"}),
        (panel_names[0], {"word": "twee"}),
    ]
    assert [p.name for p in expert_panels] == [panel_names[2]]
    assert not [p for p in page_panels(person, poh, PanelPlace.TOP) if p.name in panel_names]


@pytest.mark.django_db
def test_the_page_renders_her_roles_panels_in_order_with_their_context(
    panel_names, panel_templates, client_for, poh_anna, practice_a
):
    register_three(panel_names)
    person = ParticipantFactory(gp_practice=practice_a)

    page = client_for(poh_anna).get(reverse("referrals:participant", args=[person.pk]))

    html = page.content.decode()
    first = html.index(f"<p>panel first: een {person.public_id}</p>")
    second = html.index(f"<p>panel second: twee {person.public_id}</p>")
    assert first < second
    assert "panel experts" not in html


@pytest.mark.django_db
def test_unregistering_a_panel_takes_it_off_the_page(
    panel_names, panel_templates, client_for, poh_anna, practice_a
):
    register_three(panel_names)
    registry.unregister(panel_names[1])
    person = ParticipantFactory(gp_practice=practice_a)

    html = client_for(poh_anna).get(reverse("referrals:participant", args=[person.pk]))
    html = html.content.decode()

    assert "panel first" not in html
    assert "panel second: twee" in html


@pytest.mark.django_db
def test_groups_panels_signals_on_top_then_contacts_then_positive_health(poh_anna, practice_a):
    person = ParticipantFactory(gp_practice=practice_a)
    poh = Membership.objects.get(user=poh_anna)

    top = [p.name for p in page_panels(person, poh, PanelPlace.TOP)]
    main = [p.name for p in page_panels(person, poh, PanelPlace.MAIN)]

    assert top == ["groups.signals"]
    assert main == ["groups.contacts", "groups.positive_health"]
    assert groups.panels.RECENT_CONTACTS == 10


@pytest.mark.django_db
def test_the_page_reads_at_a_fixed_number_of_queries_whatever_the_rows(
    client_for, poh_anna, expert_eva, practice_a, django_assert_num_queries
):
    person = ParticipantFactory(gp_practice=practice_a)
    client = client_for(poh_anna)
    url = reverse("referrals:participant", args=[person.pk])

    def add_rows(n: int, day: dt.date) -> None:
        ContactFactory.create_batch(n, participant=person, expert=expert_eva)
        SignalFactory.create_batch(n, participant=person, raised_by=expert_eva)
        for i in range(n):
            PositiveHealthMeasurementFactory(
                participant=person, recorded_by=expert_eva, measured_on=day + dt.timedelta(i)
            )

    add_rows(2, dt.date(2026, 1, 1))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(15, dt.date(2026, 2, 1))
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url)

    assert page.status_code == 200
    assert "Alle contacten" in page.content.decode()
