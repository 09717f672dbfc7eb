"""Possible duplicates: the match keys, and finding candidates within a user's scope only."""

from __future__ import annotations

import datetime as dt

import pytest

from participants.duplicates import (
    MAX_CANDIDATES,
    MatchReason,
    PersonDetails,
    email_key,
    find_matches,
    find_matches_for,
    name_key,
    phone_key,
)
from participants.models import Participant
from tests.factories import ParticipantFactory
from voorzorg.accounts.models import Membership

BIRTH = dt.date(1990, 4, 2)


# --- Normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Sanne", "Kuipers"), ("sanne", "KUIPERS")),
        (("Sanne", "Kuipers"), ("  Sanne ", " Kuipers  ")),
        (("Zoë", "Müller"), ("Zoe", "Muller")),
        (("Çağla", "Yılmaz"), ("cagla", "yılmaz")),
        (("Anne-Marie", "Jansen"), ("Anne Marie", "Jansen")),
        (("Anne-Marie", "Jansen"), ("Annemarie", "Jansen")),
        (("Jan", "van der Berg"), ("Jan", "Berg")),
        (("Jan", "van der Berg"), ("Jan", "Berg, van der")),
        (("Jan", "van der Berg"), ("Jan", "v.d. Berg")),
        (("Jan", "Van Der  Berg"), ("jan", "van der berg")),
        (("Kees", "'t Hart"), ("Kees", "Hart")),
        (("Kees", "’t Hart"), ("Kees", "t Hart")),
        (("Lisa", "D'Souza"), ("Lisa", "DSouza")),
        (("Mohammed", "El Idrissi"), ("Mohammed", "El-Idrissi")),
        (("Mohammed", "El Idrissi"), ("Mohammed", "Elidrissi")),
        (("Eva", "Berg-van Dijk"), ("Eva", "Berg van Dijk")),
        (("Jo", "Straße"), ("Jo", "Strasse")),
    ],
)
def test_two_spellings_of_one_name_share_a_key(a, b):
    assert name_key(*a) == name_key(*b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Sanne", "Kuipers"), ("Sanna", "Kuipers")),
        (("Jan", "van der Berg"), ("Jan", "van den Bergh")),
        (("Jan", "Berg"), ("Piet", "Berg")),
        # A family name of particles only keeps them: "De" is not "Van".
        (("Jan", "De"), ("Jan", "Van")),
    ],
)
def test_different_names_differ(a, b):
    assert name_key(*a) != name_key(*b)


def test_no_key_without_both_parts_of_the_name():
    assert name_key("", "Kuipers") == name_key("Sanne", "") == name_key("-", "'") == ""
    assert name_key("Jan", "De") == "jan de"


@pytest.mark.parametrize(
    "typed",
    [
        "0612345678",
        "06 12345678",
        "06-12345678",
        "06 - 1234 5678",
        "(06) 12345678",
        "+31612345678",
        "+31 6 12345678",
        "+31 (0)6 1234 5678",
        "0031612345678",
        "0031 (0)6 12345678",
    ],
)
def test_dutch_mobile_numbers_in_every_form_share_a_key(typed):
    assert phone_key(typed) == "+31612345678"


def test_landlines_and_foreign_numbers():
    assert phone_key("050-1234567") == phone_key("+31 50 123 4567") == "+31501234567"
    assert phone_key("+32 470 12 34 56") == phone_key("0032 470123456") == "+32470123456"
    assert phone_key("+32 470 12 34 56") != phone_key("0470 12 34 56")
    assert phone_key("") == phone_key("112") == phone_key("1234567") == ""


def test_email_compared_casefolded():
    assert email_key(" Sanne.Kuipers@Example.ORG ") == "sanne.kuipers@example.org"
    assert email_key("") == ""


@pytest.mark.django_db
def test_saving_keeps_the_keys_in_step_and_erasure_clears_them(practice_a):
    p = ParticipantFactory(
        gp_practice=practice_a,
        given_name="Jan",
        family_name="van der Berg",
        phone="06-12345678",
        email="Jan@Example.org",
    )
    assert (p.name_key, p.phone_key, p.email_key) == (
        "jan berg",
        "+31612345678",
        "jan@example.org",
    )
    p.family_name = "Dijkstra"
    p.save(update_fields=["family_name"])
    assert Participant.objects.get(pk=p.pk).name_key == "jan dijkstra"
    p.erased_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    p.save()
    stored = Participant.objects.get(pk=p.pk)
    assert (stored.name_key, stored.phone_key, stored.email_key) == ("", "", "")


# --- Matching ---------------------------------------------------------------------------------


@pytest.fixture
def known(practice_a, practice_b):
    """Practice A's Sanne, a namesake born another day, and practice B's Sanne."""
    return {
        "sanne": ParticipantFactory(
            gp_practice=practice_a,
            given_name="Sanne",
            family_name="van Kuipers",
            date_of_birth=BIRTH,
            phone="06 11112222",
            email="sanne@example.org",
        ),
        "namesake": ParticipantFactory(
            gp_practice=practice_a,
            given_name="Sanne",
            family_name="Kuipers",
            date_of_birth=dt.date(1971, 1, 1),
        ),
        "sanne_b": ParticipantFactory(
            gp_practice=practice_b,
            given_name="Sanne",
            family_name="Kuipers",
            date_of_birth=BIRTH,
            phone="06 11112222",
        ),
    }


def _anna(poh_anna) -> Membership:
    return Membership.objects.get(user=poh_anna)


@pytest.mark.django_db
def test_each_rule_matches_and_says_why(known, poh_anna):
    anna = _anna(poh_anna)
    sanne = known["sanne"]

    def reasons(**details) -> dict[int, tuple[str, ...]]:
        return {
            m.participant.pk: m.reasons for m in find_matches_for(anna, PersonDetails(**details))
        }

    by_name = reasons(given_name="SANNE", family_name="Kuipers, van", date_of_birth=BIRTH)
    assert by_name == {sanne.pk: (MatchReason.NAME_AND_BIRTH_DATE,)}
    assert reasons(phone="+31 6 1111 2222") == {sanne.pk: (MatchReason.PHONE,)}
    assert reasons(email="SANNE@example.org ") == {sanne.pk: (MatchReason.EMAIL,)}
    every = reasons(
        given_name="Sanne",
        family_name="Kuipers",
        date_of_birth=BIRTH,
        phone="0611112222",
        email="sanne@example.org",
    )
    assert every == {sanne.pk: ("name_dob", "phone", "email")}
    # A name without the date of birth is too common to match on; so is a name alone.
    assert reasons(given_name="Sanne", family_name="Kuipers") == {}
    assert (
        reasons(given_name="Sanne", family_name="Kuipers", date_of_birth=dt.date(2001, 1, 1)) == {}
    )
    assert reasons() == {}


@pytest.mark.django_db
def test_the_labels_are_dutch(known, poh_anna):
    [match] = find_matches_for(_anna(poh_anna), PersonDetails(phone="0611112222"))
    assert match.reason_labels == ["zelfde telefoonnummer"]
    match = find_matches_for(
        _anna(poh_anna),
        PersonDetails(given_name="Sanne", family_name="Kuipers", date_of_birth=BIRTH),
    )[0]
    assert match.reason_labels == ["zelfde naam en geboortedatum"]


@pytest.mark.django_db
def test_a_poh_finds_only_her_own_practices_people(known, poh_anna, poh_bram):
    details = PersonDetails(
        given_name="Sanne", family_name="Kuipers", date_of_birth=BIRTH, phone="06 11112222"
    )
    assert [m.participant for m in find_matches_for(_anna(poh_anna), details)] == [known["sanne"]]
    bram = Membership.objects.get(user=poh_bram)
    assert [m.participant for m in find_matches_for(bram, details)] == [known["sanne_b"]]
    # Nobody: no scope, no candidates.
    assert find_matches_for(None, details) == []


@pytest.mark.django_db
def test_erased_and_merged_records_are_never_candidates(known, poh_anna):
    sanne, namesake = known["sanne"], known["namesake"]
    Participant.objects.filter(pk=namesake.pk).update(phone_key=sanne.phone_key)
    details = PersonDetails(phone="0611112222")
    assert {m.participant for m in find_matches(Participant.objects.all(), details)} == {
        sanne,
        namesake,
        known["sanne_b"],
    }
    Participant.objects.filter(pk=namesake.pk).update(merged_into=sanne)
    sanne.erased_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    sanne.save()
    Participant.objects.filter(pk=sanne.pk).update(phone_key="+31611112222")  # even so
    assert [m.participant for m in find_matches(Participant.objects.all(), details)] == [
        known["sanne_b"]
    ]


@pytest.mark.django_db
def test_matching_is_one_query_and_bounded(practice_a, poh_anna, django_assert_num_queries):
    for _ in range(MAX_CANDIDATES + 3):
        ParticipantFactory(gp_practice=practice_a, email="gedeeld@example.org")
    with django_assert_num_queries(1):
        matches = find_matches(
            Participant.objects.filter(gp_practice=practice_a),
            PersonDetails(email="gedeeld@example.org"),
        )
        # The practice's name is shown with each candidate: already loaded.
        assert all(m.participant.gp_practice.name for m in matches)
    assert len(matches) == MAX_CANDIDATES
