"""Role sets of ``voorzorg.accounts.policy`` in templates, so a link shows for exactly the
roles its page lets in: ``{% if current_membership|acts_in:"SUBJECT_ACCESS_ROLES" %}``."""

from __future__ import annotations

from django import template

from voorzorg.accounts import policy
from voorzorg.accounts.models import Membership

register = template.Library()


@register.filter
def acts_in(membership: Membership | None, set_name: str) -> bool:
    """Whether ``membership`` acts in one of the roles of the policy set ``set_name``
    (a missing ``current_membership`` arrives as the empty string: no role).

    An unknown name raises instead of answering False: a typo must fail the page's
    tests, not hide a link (or, worse, never be noticed).
    """
    roles = getattr(policy, set_name, None)
    if not isinstance(roles, frozenset):
        raise template.TemplateSyntaxError(f"No role set {set_name!r} in accounts.policy.")
    return getattr(membership, "role", None) in roles
