"""Every referrals page and action against every persona: the authorisation matrix.

One table, so a new view without a row here is easy to spot in review, and a change
that widens access fails loudly. Out of scope is 404 (existence never revealed);
another role is 403; anonymous goes to the login page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import Referral

P = "participant"
R = "referral"

# url name, argument kind, method, then the expected status for:
# poh_anna (practice A), poh_bram (practice B), expert_eva (team lead of the region),
# coordinator_cor, admin_ada, provider_pia (staff of GGZ Noord; the submitted referral is
# not addressed to her organisation, and never hers before the team took it on).
MATRIX = [
    ("referrals:mine", None, "get", 200, 200, 403, 403, 403, 403),
    ("referrals:export", None, "get", 200, 200, 403, 403, 403, 403),
    ("referrals:create", None, "get", 200, 200, 403, 403, 403, 403),
    ("referrals:detail", R, "get", 200, 404, 200, 403, 200, 403),
    ("referrals:edit", R, "get", 200, 404, 403, 403, 200, 403),
    ("referrals:edit", R, "post", 200, 404, 403, 403, 200, 403),
    ("referrals:participant", P, "get", 200, 404, 200, 403, 200, 403),
    ("referrals:consent", P, "post", 302, 404, 302, 403, 302, 403),
    ("referrals:accept", R, "post", 302, 404, 302, 403, 302, 403),
    # An empty step the persona may take now: the referral page again, with its errors.
    ("referrals:decline", R, "post", 302, 404, 200, 403, 200, 403),
    ("referrals:first_contact", R, "post", 302, 404, 302, 403, 302, 403),
    # The participant's wishes: an empty form is "no wishes", saved, back to the page.
    ("referrals:wishes", R, "post", 302, 404, 302, 403, 302, 403),
    # Another expert at her request: refused for a submitted referral, back with a message.
    ("referrals:expert_change", R, "post", 302, 404, 302, 403, 302, 403),
    ("referrals:withdraw", R, "post", 200, 404, 200, 403, 200, 403),
    ("referrals:close", R, "post", 302, 404, 302, 403, 302, 403),
    ("referrals:intake_queue", None, "get", 403, 403, 200, 403, 200, 403),
    ("referrals:handover", R, "get", 302, 404, 302, 403, 302, 403),
    ("referrals:handover_complete", R, "post", 302, 404, 302, 403, 302, 403),
    ("referrals:gp_letter", R, "get", 404, 404, 404, 403, 404, 403),
    ("referrals:episode_create", P, "get", 200, 404, 200, 403, 200, 403),
    # The receiving GGZ provider's own pages and steps.
    ("referrals:provider_list", None, "get", 403, 403, 403, 403, 403, 200),
    ("referrals:provider_detail", R, "get", 403, 403, 403, 403, 403, 404),
    ("referrals:provider_confirm", R, "post", 403, 403, 403, 403, 403, 404),
    ("referrals:provider_appointment", R, "post", 403, 403, 403, 403, 403, 404),
    # Both sides of the handover: an empty form comes back on the page with its errors
    # (200); one the page does not show now (nothing linked to undo) as a message (302).
    ("referrals:link", R, "post", 200, 404, 200, 403, 200, 404),
    ("referrals:unlink", R, "post", 302, 404, 302, 403, 302, 404),
    ("referrals:handover_message", R, "post", 200, 404, 200, 403, 200, 404),
    # The experience at handover: a submitted referral has no handover to ask about, so
    # whoever may act on it is sent back with a message (302).
    ("referrals:experience_record", R, "post", 302, 404, 302, 403, 302, 403),
    ("referrals:experience_link", R, "post", 302, 404, 302, 403, 302, 403),
]
PERSONAS = ["poh_anna", "poh_bram", "expert_eva", "coordinator_cor", "admin_ada", "provider_pia"]
CASES = [
    pytest.param(name, arg, method, persona, expected[i], id=f"{name}-{persona}")
    for name, arg, method, *expected in MATRIX
    for i, persona in enumerate(PERSONAS)
]


def url_for(name: str, arg: str | None, referral: Referral) -> str:
    if arg is None:
        return reverse(name)
    return reverse(name, args=[referral.pk if arg == R else referral.participant.pk])


@pytest.fixture
def matrix_personas(personas, provider_pia):
    return {**personas, "provider_pia": provider_pia}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "arg", "method", "persona", "expected"), CASES)
def test_access_matrix(
    client_for, matrix_personas, referral_a, name, arg, method, persona, expected
):
    client = client_for(matrix_personas[persona])
    response = getattr(client, method)(url_for(name, arg, referral_a))
    assert response.status_code == expected
    # Empty posts never move the referral, whoever sends them.
    assert Referral.objects.get(pk=referral_a.pk).status == "submitted"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "arg", "method"), [row[:3] for row in MATRIX])
def test_anonymous_is_sent_to_sign_in(client, referral_a, name, arg, method):
    response = getattr(client, method)(url_for(name, arg, referral_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# An admin's own scope is her organisation's region (admin_ada: the municipality of region
# Groningen, where referral_a is, hence 200 above). Outside it, every person page is a 404
# until she asks for emergency access (tests/audit/test_break_glass.py).
ADMIN_ELSEWHERE = {row[0]: (404 if row[1] else row[7]) for row in MATRIX if row[7] != 403}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "arg", "method"), [row[:3] for row in MATRIX if row[7] != 403])
def test_admin_outside_her_region(client_for, admin_ada, name, arg, method):
    from tests.factories import OrganisationFactory, ReferralFactory, RegionFactory

    elsewhere = OrganisationFactory(municipality_kind=True, name="Amsterdam", cbs_code="GM0363")
    far = RegionFactory(name="Amsterdam")
    far.municipalities.add(elsewhere)
    practice = OrganisationFactory(name="Praktijk Zuid", municipality=elsewhere)
    referral = ReferralFactory(
        participant__gp_practice=practice, participant__municipality=elsewhere, region=far
    )
    response = getattr(client_for(admin_ada), method)(url_for(name, arg, referral))
    assert response.status_code == ADMIN_ELSEWHERE[name]
    assert Referral.objects.get(pk=referral.pk).status == "submitted"


def test_every_referrals_url_is_in_the_matrix():
    from referrals.urls import urlpatterns

    public = {
        "referrals:self_register",
        "referrals:self_register_done",
        # The participant's one-time link: tests/referrals/test_handover_experience.py.
        "referrals:experience_answer",
        "referrals:experience_done",
    }
    # Editing one episode needs an episode; tests/referrals/test_episodes.py covers it.
    covered_elsewhere = {"referrals:episode_edit"}
    names = {f"referrals:{p.name}" for p in urlpatterns}
    assert names - public - covered_elsewhere == {row[0] for row in MATRIX}
