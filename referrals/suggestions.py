"""Which experience experts fit a referral: the top three, each with her reasons.

One place for the page (the intake queue, the accept form on the referral page) and any
other reader. Two parts:

- ``rank`` is pure: candidates and the participant's need in, suggestions out. First the
  hard rules (an expert who fails one is never suggested), then a score whose every
  point comes with a reason in words, so the team lead sees why and can disagree.
- ``suggestions_for`` is the only part that reads the database: the candidates of all
  given referrals in a fixed number of queries, whatever the number of experts or
  referrals.

Hard rules: the expert works in the referral's region (``assignable_experts``, the same
rule the accept service enforces), has a free place under her maximum caseload, and
offers at least one of the ways of working the participant prefers (when she prefers
any). Only experts who opted in with a profile the reader may read are suggested (a
team lead: her own organisation's; an administrator: her regions'); the team lead may
still pick anyone from the full list.

The score (points, all shown as reasons): the wished language 3, a municipality she
works in 2, each theme of her own experience 2 and as a relative 1, the wished gender 2
and age 1, and room in her caseload: 2 when less than half full, 1 when less than 80%
full. Ties go to the lower caseload share, then the name: work spreads over the team.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participants.models import Participant
from voorzorg.accounts.constants import (
    AgeBand,
    ExperienceTheme,
    ExpertGender,
    Language,
    SupportFormat,
)
from voorzorg.accounts.models import ExpertProfile, Membership, Organisation
from voorzorg.accounts.policy import TEAM_LEAD_ROLES
from voorzorg.accounts.profiles import profiles_readable_by
from voorzorg.accounts.selectors import regions_of
from voorzorg.core.figures import percent_value

from .caseloads import caseload_of_user
from .models import ExpertAssignment, Referral
from .selectors import assignable_experts

TOP = 3
LANGUAGE_POINTS = 3
MUNICIPALITY_POINTS = 2
OWN_THEME_POINTS = 2
RELATIVE_THEME_POINTS = 1
GENDER_POINTS = 2
AGE_POINTS = 1


@dataclass(frozen=True)
class Candidate:
    """An expert as the ranking sees her: her profile and her caseload now."""

    user_id: int
    name: str
    organisation: str
    caseload: int
    max_caseload: int
    formats: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    # Municipality (organisation) id -> its name, as said in a reason.
    municipalities: dict[int, str] = field(default_factory=dict)
    themes: frozenset[str] = frozenset()
    relative_themes: frozenset[str] = frozenset()
    gender: str = ""
    age_band: str = ""

    @property
    def free(self) -> int:
        return max(self.max_caseload - self.caseload, 0)

    @property
    def share(self) -> float:
        return self.caseload / self.max_caseload if self.max_caseload else 1.0


@dataclass(frozen=True)
class Need:
    """What the participant wishes (all optional): her referral's wishes, her record's
    ways of working and the municipality she lives in."""

    municipality_id: int | None = None
    formats: frozenset[str] = frozenset()
    language: str = ""
    gender: str = ""
    age_band: str = ""
    themes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Suggestion:
    user_id: int
    name: str
    organisation: str
    score: int
    reasons: tuple[str, ...]
    caseload: int
    max_caseload: int


def wished_formats(participant: Participant, extra: Iterable[str] = ()) -> set[str]:
    """The ways of working she prefers, from her record and the ``extra`` her referral's
    wishes add (walk, home visit), as ``SupportFormat`` values. Empty: no preference,
    every format will do."""
    wished = set(extra)
    if participant.prefers_one_on_one:
        wished.add(SupportFormat.ONE_ON_ONE)
    if participant.prefers_group:
        wished.add(SupportFormat.GROUP)
    if participant.prefers_digital:
        wished.add(SupportFormat.ONLINE)
    return wished


def passes_hard_rules(candidate: Candidate, need: Need) -> bool:
    """A free place under her maximum, and one of the wished ways of working (if any).
    The region is the candidates' own rule (``assignable_experts``)."""
    if candidate.free <= 0:
        return False
    return not need.formats or bool(need.formats & candidate.formats)


def _place_name(name: str) -> str:
    """ "Gemeente Pekela" reads "Pekela" in "werkt in Pekela"."""
    prefix = "Gemeente "
    return name[len(prefix) :] if name.startswith(prefix) else name


def score(candidate: Candidate, need: Need) -> tuple[int, list[str]]:
    """Points and the reasons for them, in the order the team lead reads them."""
    points = 0
    reasons: list[str] = []
    if need.language and need.language in candidate.languages:
        points += LANGUAGE_POINTS
        reasons.append(_("spreekt %(language)s") % {"language": Language(need.language).label})
    if need.municipality_id is not None and need.municipality_id in candidate.municipalities:
        points += MUNICIPALITY_POINTS
        place = _place_name(candidate.municipalities[need.municipality_id])
        reasons.append(_("werkt in %(place)s") % {"place": place})
    for value, label in ExperienceTheme.choices:
        if value not in need.themes:
            continue
        if value in candidate.themes:
            points += OWN_THEME_POINTS
            reasons.append(_("ervaring met %(theme)s") % {"theme": label})
        elif value in candidate.relative_themes:
            points += RELATIVE_THEME_POINTS
            reasons.append(_("ervaring als naaste met %(theme)s") % {"theme": label})
    if need.gender and need.gender == candidate.gender:
        points += GENDER_POINTS
        reasons.append(_("%(gender)s, zoals gewenst") % {"gender": ExpertGender(need.gender).label})
    if need.age_band and need.age_band == candidate.age_band:
        points += AGE_POINTS
        reasons.append(_("%(age)s, zoals gewenst") % {"age": AgeBand(need.age_band).label})
    for value, label in SupportFormat.choices:
        if value in need.formats and value in candidate.formats:
            reasons.append(_("werkt %(format)s") % {"format": label})
    if candidate.share < 0.5:
        points += 2
    elif candidate.share < 0.8:
        points += 1
    reasons.append(
        ngettext("%(n)d plek vrij", "%(n)d plekken vrij", candidate.free) % {"n": candidate.free}
    )
    return points, reasons


def rank(candidates: Iterable[Candidate], need: Need, *, top: int = TOP) -> list[Suggestion]:
    """The ``top`` best candidates that pass the hard rules, best first."""
    scored = []
    for c in candidates:
        if not passes_hard_rules(c, need):
            continue
        points, reasons = score(c, need)
        scored.append((-points, c.share, c.name, c.user_id, points, reasons, c))
    scored.sort(key=lambda row: row[:4])
    return [
        Suggestion(
            user_id=c.user_id,
            name=c.name,
            organisation=c.organisation,
            score=points,
            reasons=tuple(reasons),
            caseload=c.caseload,
            max_caseload=c.max_caseload,
        )
        for *_key, points, reasons, c in scored[:top]
    ]


def need_of(referral: Referral) -> Need:
    participant = referral.participant
    return Need(
        municipality_id=participant.municipality_id,
        formats=frozenset(wished_formats(participant, referral.wish_formats)),
        language=referral.wish_language,
        gender=referral.wish_expert_gender,
        age_band=referral.wish_expert_age_band,
        themes=frozenset(referral.wish_themes),
    )


def _candidates(rows: Iterable[Membership]) -> dict[int, Candidate]:
    """Membership id -> candidate, for the experts with an opted-in profile."""
    found: dict[int, Candidate] = {}
    for m in rows:
        profile: ExpertProfile = m.expert_profile
        found[m.pk] = Candidate(
            user_id=m.user_id,
            name=m.user.full_name,
            organisation=m.organisation.name,
            caseload=m.caseload,
            max_caseload=profile.max_caseload,
            formats=frozenset(profile.formats),
            languages=frozenset(profile.languages),
            municipalities={o.pk: o.name for o in profile.municipalities.all()},
            themes=frozenset(profile.themes),
            relative_themes=frozenset(profile.relative_themes),
            gender=profile.gender,
            age_band=profile.age_band,
        )
    return found


def suggestions_for(
    membership: Membership | None, referrals: Iterable[Referral]
) -> dict[int, list[Suggestion]]:
    """Referral id -> her top three experts with reasons, for a team lead (or admin).

    Four queries whatever the number of referrals and experts: the candidates of the
    lead's regions with profile and caseload, their municipalities, and the regions each
    candidate's organisation works in (two ways: located in a municipality of the region,
    or a municipality that is one). Referrals need ``participant`` loaded."""
    referrals = list(referrals)
    if not referrals:
        return {}
    regions = {r.region_id for r in referrals if r.region_id is not None}
    pool = assignable_experts(membership)
    for region_id in regions:
        # A referral of a region she does not work in still gets its own region's experts.
        pool = pool | assignable_experts(membership, Referral(region_id=region_id))
    rows = (
        # Her profile is read only by the team leads of her organisation and the
        # administrators of its region: the suggestions use no other profile either.
        pool.filter(
            expert_profile__opted_in=True,
            expert_profile__in=profiles_readable_by(membership).values("pk"),
        )
        .select_related("user", "organisation", "expert_profile")
        .prefetch_related(
            Prefetch(
                "expert_profile__municipalities", queryset=Organisation.objects.only("pk", "name")
            )
        )
        .annotate(caseload=caseload_of_user())
        .distinct()
        .order_by("user__full_name", "user_id", "pk")
    )
    candidates = _candidates(rows)
    in_region: dict[int, set[int]] = defaultdict(set)
    located = Membership.objects.filter(pk__in=list(candidates)).values_list(
        "pk", "organisation__municipality__regions"
    )
    itself = Membership.objects.filter(pk__in=list(candidates)).values_list(
        "pk", "organisation__regions"
    )
    for pk, region_id in [*located, *itself]:
        if region_id is not None:
            in_region[pk].add(region_id)
    own_regions = None
    result: dict[int, list[Suggestion]] = {}
    for referral in referrals:
        if referral.region_id is None:
            if own_regions is None:
                own_regions = set(assignable_experts(membership).values_list("pk", flat=True))
            allowed = [c for pk, c in candidates.items() if pk in own_regions]
        else:
            allowed = [c for pk, c in candidates.items() if referral.region_id in in_region[pk]]
        # One expert with roles at two organisations: once, her first role.
        unique: dict[int, Candidate] = {}
        for c in allowed:
            unique.setdefault(c.user_id, c)
        result[referral.pk] = rank(unique.values(), need_of(referral))
    return result


# --- How the suggestions were used ------------------------------------------------------


@dataclass(frozen=True)
class AssignmentMeasures:
    """One month's assignments in a team lead's regions: how many, how many took one of
    the three suggestions, and how many of those participants asked for another expert
    since (counted on the month of the first assignment: a cohort)."""

    month: dt.date
    assignments: int
    took_suggestion: int
    asked_other: int

    @property
    def took_suggestion_percent(self) -> Decimal | None:
        return percent_value(self.took_suggestion, self.assignments)

    @property
    def asked_other_percent(self) -> Decimal | None:
        return percent_value(self.asked_other, self.assignments)


def assignment_measures(
    membership: Membership | None, months: Iterable[dt.date]
) -> list[AssignmentMeasures]:
    """The measures of each month (its 1st), for the referrals of the reader's regions
    (a team lead, an admin). Whole local calendar months; one query per month."""
    months = list(months)
    if membership is None or membership.role not in TEAM_LEAD_ROLES:
        return [AssignmentMeasures(m, 0, 0, 0) for m in months]
    regions = regions_of(membership)
    changed = ExpertAssignment.objects.filter(
        referral=OuterRef("referral"), previous_expert__isnull=False
    ).exclude(change_reason="")
    found = []
    for month in months:
        start = _local_midnight(month)
        end = _local_midnight((month + dt.timedelta(days=32)).replace(day=1))
        row = ExpertAssignment.objects.filter(
            change_reason="", referral__region__in=regions, at__gte=start, at__lt=end
        ).aggregate(
            assignments=Count("pk"),
            took_suggestion=Count("pk", filter=Q(suggestion_rank__isnull=False)),
            asked_other=Count("pk", filter=Q(Exists(changed))),
        )
        found.append(AssignmentMeasures(month, **row))
    return found


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
