"""Every participants page against every persona: the authorisation matrix.

Export: the POH of the participant's practice and the functional administrator. Not an
experience expert, even one who sees the person (an AVG request goes through the practice
or the functional administrator), nor a coordinator. Erasure: the administrator only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from participants.models import Participant

# url name, method, then the expected status for:
# poh_anna (practice A), poh_bram (practice B), expert_eva (team lead who sees Sanne),
# coordinator_cor, admin_ada.
MATRIX = [
    ("participants:export", "get", 200, 404, 403, 403, 200),
    ("participants:export_json", "get", 200, 404, 403, 403, 200),
    ("participants:erase", "get", 403, 403, 403, 403, 200),
    # An empty post is an invalid form: the page again, nothing erased.
    ("participants:erase", "post", 403, 403, 403, 403, 200),
    # Correcting her details: the POH of her practice and the administrator. An empty
    # post is an invalid form: the page again, nothing changed.
    ("participants:edit", "get", 200, 404, 403, 403, 200),
    ("participants:edit", "post", 200, 404, 403, 403, 200),
    # Merging two records of one person: the administrator only. An empty post asks for
    # the other record's number again; nothing is merged.
    ("participants:merge", "get", 403, 403, 403, 403, 200),
    ("participants:merge", "post", 403, 403, 403, 403, 200),
]
# Pages about something else than a participant, tried in the project's matrix
# (tests/security/test_url_matrix.py) and their own tests.
ELSEWHERE = {"participants:merge_undo"}
PERSONAS = ["poh_anna", "poh_bram", "expert_eva", "coordinator_cor", "admin_ada"]
CASES = [
    pytest.param(name, method, persona, expected[i], id=f"{name}-{method}-{persona}")
    for name, method, *expected in MATRIX
    for i, persona in enumerate(PERSONAS)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona", "expected"), CASES)
def test_access_matrix(client_for, personas, referral_a, name, method, persona, expected):
    participant = referral_a.participant
    client = client_for(personas[persona])
    response = getattr(client, method)(reverse(name, args=[participant.pk]))
    assert response.status_code == expected
    assert Participant.objects.get(pk=participant.pk).erased_at is None
    if expected != 200:
        assert "Sanne" not in response.content.decode()


@pytest.mark.django_db
def test_the_expert_sees_the_person_but_may_not_export(client_for, expert_eva, referral_a):
    client = client_for(expert_eva)
    pk = referral_a.participant.pk
    assert client.get(reverse("referrals:participant", args=[pk])).status_code == 200
    assert client.get(reverse("participants:export_json", args=[pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), [row[:2] for row in MATRIX])
def test_anonymous_is_sent_to_sign_in(client, referral_a, name, method):
    response = getattr(client, method)(reverse(name, args=[referral_a.participant.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_every_participants_url_is_in_the_matrix():
    from participants.urls import urlpatterns

    assert {f"participants:{p.name}" for p in urlpatterns} == {row[0] for row in MATRIX} | ELSEWHERE


@pytest.mark.django_db
def test_avg_links_snippet_per_role(rf, personas, referral_a):
    from django.template.loader import render_to_string

    from voorzorg.accounts.models import Membership

    participant = referral_a.participant
    export = reverse("participants:export", args=[participant.pk])
    erase = reverse("participants:erase", args=[participant.pk])
    expected = {
        "poh_anna": (True, False),
        "expert_eva": (False, False),
        "coordinator_cor": (False, False),
        "admin_ada": (True, True),
    }
    for persona, (shows_export, shows_erase) in expected.items():
        membership = Membership.objects.get(user=personas[persona])
        html = render_to_string(
            "participants/_avg_links.html",
            {"participant": participant, "current_membership": membership},
        )
        assert (export in html, erase in html) == (shows_export, shows_erase), persona
        assert "zijn gewist op" not in html

    participant.erased_at = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    html = render_to_string(
        "participants/_avg_links.html",
        {"participant": participant, "current_membership": membership},
    )
    assert "zijn gewist op" in html
    assert erase not in html  # nothing left to erase
