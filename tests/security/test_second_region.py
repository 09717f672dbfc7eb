"""Users of a second region see nothing of the first region's people, on any page.

The URL matrix (test_url_matrix.py) checks status codes of the first region's personas on
both regions' objects. This walk takes the other side and reads the answers: a POH, a
team lead, an expert, a coordinator and an administrator of region Amsterdam open every
GET URL of the project (their own objects and Groningen's), and no answer may carry the
participant number or the family name of a Groningen person, nor be a 500. It catches a
list, filter or export that forgets the region, which a status code alone would not show.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, UserFactory
from tests.security.test_url_matrix import ARGS, POST, QUERY, _excluded, _url, url_names
from voorzorg.accounts.constants import Role

# Not walked: they sign out, switch the language or need a running sign-in wizard.
SKIPPED = {"accounts:logout", "set_language", "accounts:verify"}


@pytest.fixture
def far_users(world) -> dict:
    """One user of every role in region Amsterdam, each with a confirmed authenticator."""
    foreign = world["foreign"]
    far_practice = foreign["practice"]
    far_municipality = far_practice.municipality
    far_region = foreign["referral"].region
    far_expert = foreign["referral_h"].assigned_expert
    far_welfare = far_expert.memberships.get().organisation

    def user(email: str, **membership) -> object:
        made = UserFactory(email=email, full_name=email.split("@")[0].title())
        MembershipFactory(user=made, **membership)
        return with_authenticator(made)

    return {
        "poh": user("pieter@verweg.test", organisation=far_practice, role=Role.POH),
        "lead": user(
            "lara@verweg.test", organisation=far_welfare, role=Role.EXPERT, is_team_lead=True
        ),
        "expert": with_authenticator(far_expert),
        "coordinator": user(
            "coen@verweg.test",
            organisation=far_municipality,
            role=Role.COORDINATOR,
            region=far_region,
        ),
        "admin": user("aafke@verweg.test", organisation=far_municipality, role=Role.ADMIN),
    }


def _home_marks(world) -> list[str]:
    home = world["home"]
    people = [home["participant"], home["referral_h"].participant]
    return [p.public_id for p in people] + [p.family_name for p in people]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["poh", "lead", "expert", "coordinator", "admin"])
def test_a_second_region_sees_no_person_of_the_first(who, world, far_users, personas, client_for):
    # The first region's people have been worked on, so the access log names them too.
    anna = client_for(personas["poh_anna"])
    for person in (world["home"]["participant"], world["home"]["referral_h"].participant):
        assert anna.get(_url("referrals:participant", {"participant": person})).status_code == 200
    client: Client = client_for(far_users[who])
    marks = _home_marks(world)
    leaks: list[str] = []
    for name in sorted(url_names()):
        if _excluded(name) or name in SKIPPED or name in POST or name.startswith("admin:"):
            continue
        specs = ARGS.get(name, {}).values()
        places = ["foreign", "home"] if any(not s.startswith("=") for s in specs) else ["home"]
        for where in places:
            try:
                url = _url(name, world[where]) + QUERY.get(name, "")
            except KeyError:  # no such object in that region
                continue
            response = client.get(url)
            assert response.status_code != 500, f"{who}: 500 on {url}"
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode("utf-8", errors="replace")
            # A refusal may echo the number the caller typed in the URL (a 404 names the
            # address asked for); that tells her nothing she did not know.
            echoed = response.status_code >= 400
            found = [m for m in marks if m in body and not (echoed and m in url)]
            if found:
                leaks.append(f"{name} [{where}] {url}: {found}")
    assert not leaks, f"{who} of region Amsterdam sees Groningen's people:\n" + "\n".join(leaks)
