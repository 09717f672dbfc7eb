"""Reads of API tokens: a user's own, and those an administrator may revoke."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership
from voorzorg.accounts.selectors import regions_of

from .models import ApiToken


def tokens_of_user(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("membership__organisation")


def _admin_scope(membership: Membership) -> Q:
    """Tokens of roles within an administrator's regions (as her other scopes)."""
    regions = regions_of(membership)
    return (
        Q(membership__organisation__municipality__regions__in=regions)
        | Q(membership__organisation__regions__in=regions)
        | Q(membership__region__in=regions)
    )


def tokens_for_admin(membership: Membership | None) -> QuerySet[ApiToken]:
    """Usable tokens an administrator may revoke; none for anyone else."""
    if membership is None or membership.role != Role.ADMIN:
        return ApiToken.objects.none()
    ids = ApiToken.objects.filter(_admin_scope(membership)).values("pk")
    return (
        ApiToken.objects.usable()
        .filter(pk__in=ids)
        .select_related("user", "membership__organisation")
        .order_by("user__full_name", "-created_at")
    )


def token_may_revoke(membership: Membership | None, token: ApiToken) -> bool:
    if membership is None:
        return False
    if token.user_id == membership.user_id:
        return True
    if membership.role != Role.ADMIN:
        return False
    return ApiToken.objects.filter(_admin_scope(membership), pk=token.pk).exists()
