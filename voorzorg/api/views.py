"""Pages for personal API tokens: make and revoke one's own; an admin revokes others'.

Behind ``role_required``, so only after the second factor. A new token's secret is
shown once, on the response to the POST that made it, and never stored or shown again.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from voorzorg.accounts.access import role_required
from voorzorg.accounts.constants import Role
from voorzorg.accounts.policy import ANY_ROLE
from voorzorg.accounts.selectors import current_membership, request_memberships
from voorzorg.audit.services import Actor
from voorzorg.core.exceptions import ApplicationError
from voorzorg.core.idempotency import idempotent_form

from .base import ApiView
from .forms import TokenCreateForm
from .models import ApiToken
from .selectors import token_may_revoke, tokens_for_admin, tokens_of_user
from .services import token_create, token_revoke


@never_cache
@role_required(*ANY_ROLE)
@idempotent_form("api.tokens", replay_to="api:tokens")
def tokens(request: HttpRequest) -> HttpResponse:
    memberships = request_memberships(request)
    membership = current_membership(request)
    form = TokenCreateForm(
        request.POST or None,
        memberships=memberships,
        initial={"membership": membership.pk if membership else None},
    )
    secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = token_create(
                actor=Actor.from_request(request),
                membership=form.memberships[form.cleaned_data["membership"]],
                name=form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime_days"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            form = TokenCreateForm(
                memberships=memberships, initial={"membership": created.membership_id}
            )
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "secret": secret,
            "created": created,
            "tokens": tokens_of_user(request.user),
            "now": timezone.now(),
        },
        status=200 if request.method == "GET" or secret else 400,
    )


@require_POST
@role_required(*ANY_ROLE)
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = current_membership(request)
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None or not token_may_revoke(membership, token):
        raise Http404
    token_revoke(actor=Actor.from_request(request), token=token)
    messages.success(request, _("De sleutel '%(name)s' is ingetrokken.") % {"name": token.name})
    if token.user_id == request.user.pk:
        return redirect("api:tokens")
    return redirect("api:admin_tokens")


@never_cache
@role_required(Role.ADMIN)
def admin_tokens(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    return render(request, "api/admin_tokens.html", {"tokens": tokens_for_admin(membership)})


@extend_schema(exclude=True)
class UnknownApiView(ApiView):
    """Every method on a path under /api/v1/ that matches no endpoint: 404, as JSON."""

    permission_classes = [AllowAny]
    throttle_classes: list = []

    def _not_found(self, request: Request, *args: object, **kwargs: object) -> None:
        # A path that only lacks its trailing slash gets a hint instead of a redirect (a
        # redirected POST would lose its body).
        with_slash = request.path + "/"
        try:
            match = resolve(with_slash)
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-unknown":
            raise NotFound(
                _("Niet gevonden. Bedoelt u %(path)s, met een / aan het eind?")
                % {"path": with_slash}
            )
        raise NotFound

    get = post = put = patch = delete = head = options = _not_found
