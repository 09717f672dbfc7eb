"""Reads about users and their roles that other apps use."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access_log
from .constants import OrganisationKind, Role
from .models import Membership, Organisation, Region, User

SESSION_KEY = "voorzorg_membership_id"


def memberships_for(user) -> list[Membership]:
    """All roles of a user, with organisation and region, in a stable order."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user).select_related("organisation", "region").order_by("id")
    )


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's roles, read once per request."""
    if not hasattr(request, "_voorzorg_memberships"):
        request._voorzorg_memberships = memberships_for(request.user)
    return request._voorzorg_memberships


def current_membership(request: HttpRequest) -> Membership | None:
    """The role the user acts in now: the one chosen this session, else the first.

    Every permission decision keys off this one membership, so a user with two roles
    never combines the scopes of both in one request.
    """
    memberships = request_memberships(request)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0]


def organisation_get_for(actor: access_log.Auditor, pk: int) -> Organisation:
    """The access gate for an organisation page (its details and its team).

    Members of the organisation and admins get it; anyone else a 404 that does not
    reveal whether the organisation exists. Both outcomes are written to the audit log,
    through accounts' port (``access_log``): this gate sits below the audit app's.
    """
    membership = actor.membership
    organisation = Organisation.objects.select_related("municipality").filter(pk=pk).first()
    granted = (
        organisation is not None
        and membership is not None
        and (membership.role == Role.ADMIN or membership.organisation_id == organisation.pk)
    )
    actor.audit(action=access_log.READ, event=f"organisation.view:{pk}", access_granted=granted)
    if not granted:
        raise Http404
    return organisation


def organisation_team(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "region")
        .order_by("user__full_name", "role")
    )


def regions_of(membership: Membership) -> QuerySet[Region]:
    """The regions an organisation works in: those holding its municipality.

    A municipality (an admin often works for one) is its own municipality: it has no
    "gemeente van vestiging" of its own.
    """
    if membership.role == Role.COORDINATOR:
        return Region.objects.filter(pk=membership.region_id)
    organisation = membership.organisation
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return Region.objects.filter(municipalities=organisation.pk)
    return Region.objects.filter(municipalities=organisation.municipality_id)


# --- The functional administrator's scope ----------------------------------------------------
#
# An administrator manages what lies in her region(s) (``regions_of``): the organisations
# located in their municipalities and those municipalities themselves, the users who hold
# a role there, the regions and their norms. The pages and the services behind them ask
# here; nothing is managed by role alone. A technical superuser is no exception: the
# pages key off the role she acts in, never off ``is_superuser`` (docs/administration.md).


def admin_regions(membership: Membership | None) -> QuerySet[Region]:
    """The regions an administrator manages; none for any other role."""
    if membership is None or membership.role != Role.ADMIN:
        return Region.objects.none()
    return regions_of(membership)


def organisations_in(regions: QuerySet[Region] | list[int]) -> QuerySet[Organisation]:
    """Organisations located in a municipality of ``regions`` (regions, or their ids),
    and those municipalities."""
    inside = Organisation.objects.filter(
        Q(municipality__regions__in=regions) | Q(regions__in=regions)
    ).values("pk")
    return Organisation.objects.filter(pk__in=inside)


def managed_organisations(membership: Membership | None) -> QuerySet[Organisation]:
    """The organisations an administrator manages (``organisations_in`` her regions)."""
    return organisations_in(admin_regions(membership))


def _memberships_in(regions: QuerySet[Region]) -> Q:
    return Q(organisation__in=organisations_in(regions).values("pk")) | Q(region__in=regions)


def managed_memberships(membership: Membership | None) -> QuerySet[Membership]:
    """The roles in an administrator's regions: at an organisation there, or (for a
    coordinator) for a region of hers."""
    return Membership.objects.filter(_memberships_in(admin_regions(membership)))


def managed_users(membership: Membership | None) -> QuerySet[User]:
    """Users with at least one role in an administrator's regions (active or not).

    A role counts as in her regions when its organisation is, or, for a coordinator, when
    its region is. A user without any role is in nobody's scope: the pages never leave
    one behind (the last role cannot be ended; the account is made inactive instead).
    """
    holders = managed_memberships(membership).values("user_id")
    return User.objects.filter(pk__in=holders)


def regions_of_organisation(organisation: Organisation) -> QuerySet[Region]:
    """The regions whose staff an organisation's administrator would manage."""
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return Region.objects.filter(municipalities=organisation.pk)
    return Region.objects.filter(municipalities=organisation.municipality_id)


def account_beyond_scope(membership: Membership | None, user: User) -> str:
    """Why an administrator may not change ``user``'s account as a whole (name, e-mail
    address, active or not, second factor); "" when she may.

    Changing an e-mail address and then asking a new password takes an account over. So
    she changes only accounts whose every role lies in her regions (for an administrator,
    whose regions are all hers as well), and never one with access to the technical
    administration, which is managed there. Roles within her regions she manages anyway.
    """
    if user.is_staff or user.is_superuser:
        return str(
            _(
                "Dit account heeft toegang tot het technisch beheer. Het wordt daar beheerd, "
                "niet hier."
            )
        )
    regions = admin_regions(membership)
    mine = set(regions.values_list("pk", flat=True))
    organisations = set(organisations_in(regions).values_list("pk", flat=True))
    for role in user.memberships.select_related("organisation"):
        outside = role.organisation_id not in organisations or (
            role.region_id is not None and role.region_id not in mine
        )
        if not outside and role.role == Role.ADMIN:
            theirs = set(regions_of_organisation(role.organisation).values_list("pk", flat=True))
            outside = not theirs <= mine
        if outside:
            return str(
                _(
                    "Dit account heeft ook een rol buiten uw regio's. Vraag de beheerder van "
                    "die regio of het technisch beheer om het account te wijzigen."
                )
            )
    return ""


def managed_user_get_for(actor: access_log.Auditor, pk: int) -> User:
    """The access gate of the user pages: a user in the administrator's scope, or a 404
    that does not reveal whether the account exists. Logged either way."""
    user = managed_users(actor.membership).filter(pk=pk).first()
    actor.audit(action=access_log.READ, event=f"account.view:{pk}", access_granted=user is not None)
    if user is None:
        raise Http404
    return user


def managed_organisation_get_for(actor: access_log.Auditor, pk: int) -> Organisation:
    """An organisation the administrator manages, or a 404; logged either way."""
    organisation = (
        managed_organisations(actor.membership).select_related("municipality").filter(pk=pk).first()
    )
    actor.audit(
        action=access_log.READ,
        event=f"organisation.view:{pk}",
        access_granted=organisation is not None,
    )
    if organisation is None:
        raise Http404
    return organisation


def managed_region_get_for(actor: access_log.Auditor, pk: int) -> Region:
    """One of the administrator's regions, or a 404; logged either way."""
    region = admin_regions(actor.membership).filter(pk=pk).first()
    actor.audit(
        action=access_log.READ, event=f"region.view:{pk}", access_granted=region is not None
    )
    if region is None:
        raise Http404
    return region


# Statuses the user list filters on. An invited user has not chosen a password yet: her
# account has none she could sign in with (Django marks it with a leading "!").
USER_ACTIVE, USER_INACTIVE, USER_INVITED = "actief", "inactief", "uitgenodigd"


def user_search(
    membership: Membership | None, *, query: str = "", status: str = "", role: str = ""
) -> QuerySet[User]:
    """The administrator's users, filtered; each with her roles and whether she has set up
    the authenticator app. Three queries a page whatever its length (count, rows, roles)."""
    users = managed_users(membership)
    if query:
        at_organisation = Membership.objects.filter(organisation__name__icontains=query)
        users = users.filter(
            Q(full_name__icontains=query)
            | Q(email__icontains=query)
            | Q(pk__in=at_organisation.values("user_id"))
        )
    if status == USER_ACTIVE:
        users = users.filter(is_active=True)
    elif status == USER_INACTIVE:
        users = users.filter(is_active=False)
    elif status == USER_INVITED:
        # UNUSABLE_PASSWORD_PREFIX, the mark of set_unusable_password(): not a password.
        users = users.filter(is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)
    if role:
        users = users.filter(pk__in=Membership.objects.filter(role=role).values("user_id"))
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    roles = Membership.objects.select_related("organisation", "region").order_by("role", "pk")
    return (
        users.annotate(has_second_factor=Exists(devices))
        .prefetch_related(Prefetch("memberships", queryset=roles))
        .order_by("full_name", "email", "pk")
    )


def organisation_search(
    membership: Membership | None, *, query: str = "", kind: str = ""
) -> QuerySet[Organisation]:
    """The administrator's organisations, filtered, with how many roles each holds."""
    organisations = managed_organisations(membership)
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query) | Q(agb_code=query) | Q(cbs_code__iexact=query)
        )
    if kind:
        organisations = organisations.filter(kind=kind)
    return (
        organisations.select_related("municipality")
        .annotate(n_memberships=Count("memberships"))
        .order_by("name", "pk")
    )


def regions_managed(membership: Membership | None) -> QuerySet[Region]:
    """The administrator's regions with their municipalities and norm (two queries)."""
    return (
        admin_regions(membership)
        .select_related("norm")
        .prefetch_related("municipalities")
        .order_by("name", "pk")
    )
