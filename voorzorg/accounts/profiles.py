"""The experience expert's profile: her own page to keep it, and the one gate for reading
someone else's.

It lives in accounts because it describes a ``Membership`` (an expert's work for one
organisation) and because ``referrals`` reads it for its suggestions: referrals may import
accounts, never ``groups``. Who may read it: the team leads of her organisation (they
assign her) and the administrators of its region, nobody else; the expert herself edits
hers on her own page. Every read of someone else's profile, granted or refused, is
written to the access log through accounts' port (``access_log``), like the
organisation gate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise

from . import access_log
from .constants import OrganisationKind, Role
from .models import ExpertProfile, Membership, Organisation
from .selectors import managed_organisations

PROFILE_FIELDS = (
    "opted_in",
    "themes",
    "relative_themes",
    "age_band",
    "gender",
    "languages",
    "formats",
    "days",
    "max_caseload",
    "introduction",
)


def may_read_profiles_of(reader: Membership | None, organisation_id: int) -> bool:
    """Whether this reader may read the profiles of the experts of that organisation: a
    team lead of the same organisation, or an administrator of its region."""
    if reader is None:
        return False
    if reader.role == Role.EXPERT:
        return reader.is_team_lead and reader.organisation_id == organisation_id
    if reader.role == Role.ADMIN:
        return managed_organisations(reader).filter(pk=organisation_id).exists()
    return False


def profiles_readable_by(reader: Membership | None) -> QuerySet[ExpertProfile]:
    """The profiles this reader may read (``may_read_profiles_of``), for a list such as
    the team overview; one query however many. Not audited per row: a list shows the
    maximum caseload only, and its page logs the visit."""
    if reader is None:
        return ExpertProfile.objects.none()
    if reader.role == Role.EXPERT and reader.is_team_lead:
        return ExpertProfile.objects.filter(membership__organisation_id=reader.organisation_id)
    if reader.role == Role.ADMIN:
        return ExpertProfile.objects.filter(
            membership__organisation__in=managed_organisations(reader).values("pk")
        )
    return ExpertProfile.objects.none()


def expert_profile_get_for(
    actor: access_log.Auditor, pk: int
) -> tuple[Membership, ExpertProfile | None]:
    """The access gate for one expert's profile page (``pk``: her expert membership).

    Granted to ``may_read_profiles_of``; anyone else gets a 404 that does not reveal
    whether the expert exists. Both outcomes are written to the access log. Returns the
    expert's membership and her profile (``None`` when she has not made one)."""
    expert = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=pk, role=Role.EXPERT)
        .first()
    )
    granted = expert is not None and may_read_profiles_of(actor.membership, expert.organisation_id)
    actor.audit(action=access_log.READ, event=f"expert_profile.view:{pk}", access_granted=granted)
    if not granted:
        raise Http404
    profile = (
        ExpertProfile.objects.filter(membership=expert).prefetch_related("municipalities").first()
    )
    return expert, profile


def own_expert_profile(membership: Membership) -> ExpertProfile:
    """The profile of the expert acting in ``membership`` (a new, unsaved one if none)."""
    profile = ExpertProfile.objects.filter(membership=membership).first()
    return profile or ExpertProfile(membership=membership)


def expert_profile_save(
    *,
    actor: access_log.Auditor,
    municipalities: Iterable[Organisation],
    **values: Any,
) -> ExpertProfile:
    """Save the acting expert's own profile. Only she writes it: nobody else's page
    offers it. ``values`` are the ``PROFILE_FIELDS``."""
    membership = actor.membership
    if membership is None or membership.role != Role.EXPERT:
        raise ApplicationError(_("Alleen een ervaringsdeskundige houdt een profiel bij."))
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    municipalities = list(municipalities)
    if any(m.kind != OrganisationKind.MUNICIPALITY for m in municipalities):
        message = _("Kies alleen gemeenten.")
        raise ApplicationError(message, extra={"municipalities": [message]})
    with transaction.atomic():
        profile = ExpertProfile.objects.select_for_update().filter(
            membership=membership
        ).first() or ExpertProfile(membership=membership)
        created = profile.pk is None
        for field, value in values.items():
            setattr(profile, field, value)
        full_clean_or_raise(profile)
        profile.save()
        profile.municipalities.set(list(municipalities))
        actor.audit(
            action=access_log.CREATE if created else access_log.UPDATE,
            event=f"expert_profile.update:{membership.pk}",
        )
    return profile
