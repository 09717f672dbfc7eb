"""Role checks for API views; object scope stays in each app's gates and selectors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from voorzorg.accounts.selectors import current_membership
from voorzorg.audit.services import audit_role_refusal


class HasRole(BasePermission):
    """Signed in (verified session or token) and acting in one of ``view.allowed_roles``.

    A view without ``allowed_roles`` lets nobody in: forgetting it fails closed.
    """

    message = _("Uw rol mag dit deel van de API niet gebruiken.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = current_membership(request)
        allowed = getattr(view, "allowed_roles", frozenset())
        if membership is not None and membership.role in allowed:
            return True
        # NEN 7513: the refusal is logged (no person named); DRF then answers 403.
        audit_role_refusal(request)
        return False
