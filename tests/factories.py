"""factory_boy factories shared by all tests."""

from __future__ import annotations

import datetime as dt

import factory

from voorzorg.accounts.constants import OrganisationKind, Role
from voorzorg.accounts.models import Membership, Organisation, Region, User

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Huisartspraktijk {n}")
    kind = OrganisationKind.GP_PRACTICE
    # Generated codes stay clear of the fixed ones tests use (GM0014, 01000001, 22000001,
    # GM9000 and up, ...): a sequence that reaches one of them would fail a unique key in
    # whichever test happens to draw it.
    agb_code = factory.Sequence(lambda n: f"015{n % 100000:05d}")
    cbs_code = ""

    class Params:
        municipality_kind = factory.Trait(
            kind=OrganisationKind.MUNICIPALITY,
            name=factory.Sequence(lambda n: f"Gemeente {n}"),
            agb_code="",
            cbs_code=factory.Sequence(lambda n: f"GM{2000 + n % 7000:04d}"),
        )
        provider = factory.Trait(
            kind=OrganisationKind.GGZ_PROVIDER,
            name=factory.Sequence(lambda n: f"GGZ-aanbieder {n}"),
            agb_code=factory.Sequence(lambda n: f"225{n % 100000:05d}"),
        )
        welfare = factory.Trait(
            kind=OrganisationKind.WELFARE,
            name=factory.Sequence(lambda n: f"Welzijnsorganisatie {n}"),
            agb_code="",
        )


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Regio {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@voorzorg.test")
    full_name = factory.Faker("name", locale="nl_NL")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.setdefault("password", TEST_PASSWORD)
        return model_class.objects.create_user(*args, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.POH


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participants.Participant"

    given_name = factory.Faker("first_name", locale="nl_NL")
    family_name = factory.Faker("last_name", locale="nl_NL")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=80)
    # A number of her own: a shared one would make every participant a possible duplicate
    # of the next (participants.duplicates). Never 06 12345678, which tests type.
    phone = factory.Sequence(lambda n: f"06{20000000 + n % 10000000:08d}")
    email = factory.Sequence(lambda n: f"deelnemer{n}@example.org")
    postcode4 = "9711"
    gp_practice = factory.SubFactory(OrganisationFactory)


class WaitingEpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "referrals.WaitingEpisode"

    provider = factory.SubFactory(OrganisationFactory, provider=True)
    care_level = "gb-ggz"
    registration_date = factory.LazyFunction(lambda: dt.date(2026, 9, 1))


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral from a GP practice; traits walk it through its lifecycle."""

    class Meta:
        model = "referrals.Referral"

    participant = factory.SubFactory(ParticipantFactory)
    source = "gp"
    gp_practice = factory.SelfAttribute("participant.gp_practice")
    referral_date = factory.LazyFunction(lambda: dt.date(2026, 10, 1))
    help_question = "Somber en alleen; wil graag lotgenoten ontmoeten."
    life_domains = factory.LazyFunction(lambda: ["sociale_relaties"])
    care_level = "gb-ggz"
    status = "submitted"

    class Params:
        accepted = factory.Trait(status="accepted")
        in_bridging = factory.Trait(status="in_bridging", first_contact_date=dt.date(2026, 10, 5))
        declined = factory.Trait(status="declined", decline_reason="Buiten de regio.")
        closed = factory.Trait(status="closed", close_reason="no_longer_needed")


class ContactFactory(factory.django.DjangoModelFactory):
    """A one-on-one contact of an experience expert with a participant."""

    class Meta:
        model = "groups.Contact"

    participant = factory.SubFactory(ParticipantFactory)
    expert = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(lambda: dt.date(2026, 11, 2))
    duration_minutes = 30
    mode = "phone"
    life_domains = factory.LazyFunction(lambda: ["sociale_relaties"])


class PositiveHealthMeasurementFactory(factory.django.DjangoModelFactory):
    """Six Positieve Gezondheid scores on one day."""

    class Meta:
        model = "groups.PositiveHealthMeasurement"

    participant = factory.SubFactory(ParticipantFactory)
    recorded_by = factory.SubFactory(UserFactory)
    measured_on = factory.LazyFunction(lambda: dt.date(2026, 11, 2))
    lichaamsfuncties = 5
    mentaal_welbevinden = 4
    zingeving = 5
    kwaliteit_van_leven = 5
    meedoen = 3
    dagelijks_functioneren = 6


class SignalFactory(factory.django.DjangoModelFactory):
    """A care signal an expert raised; open unless acknowledged/resolved fields are set."""

    class Meta:
        model = "groups.Signal"

    participant = factory.SubFactory(ParticipantFactory)
    raised_by = factory.SubFactory(UserFactory)
    raised_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
    severity = "zorg"
    description = "Slaapt slecht en zegt de groep af; klinkt somberder dan vorige week."


class PeerGroupFactory(factory.django.DjangoModelFactory):
    """A weekly voorzorggroep; pass ``facilitators=[user, ...]`` to set who leads it."""

    class Meta:
        model = "groups.PeerGroup"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Voorzorggroep {n}")
    kind = "voorzorggroep"
    municipality = factory.SubFactory(OrganisationFactory, municipality_kind=True)
    location = "Buurthuis De Kanaalstreek"
    frequency = "weekly"
    weekday = 1
    start_time = dt.time(19, 30)
    end_time = dt.time(21, 0)
    capacity = 12
    start_date = factory.LazyFunction(lambda: dt.date(2026, 9, 1))

    @factory.post_generation
    def facilitators(self, create, extracted, **kwargs):
        if create and extracted:
            self.facilitators.set(extracted)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A place in a group; traits for the waiting list and for having left."""

    class Meta:
        model = "groups.Enrolment"

    participant = factory.SubFactory(ParticipantFactory)
    group = factory.SubFactory(PeerGroupFactory)
    status = "active"
    start_date = factory.LazyFunction(lambda: dt.date(2026, 9, 1))

    class Params:
        waiting = factory.Trait(status="waiting")
        ended = factory.Trait(
            status="ended", end_date=dt.date(2026, 11, 1), leaving_reason="treatment_started"
        )


class GroupSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "groups.GroupSession"

    group = factory.SubFactory(PeerGroupFactory)
    starts_at = factory.Sequence(
        lambda n: dt.datetime(2026, 9, 1, 18, 30, tzinfo=dt.UTC) + dt.timedelta(weeks=n)
    )
    topic = "Omgaan met wachten"
