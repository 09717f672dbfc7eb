"""How accounts writes the NEN 7513 access log without importing the app that keeps it.

``voorzorg.audit`` sits above accounts in docs/architecture.md's table: its log rows,
its actor and its emergency-access grants name accounts' users, roles and organisations.
Some things in accounts must be logged all the same: a role check's refusal (the 403 of
``role_required``), the organisation gate, an administrator's second-factor reset, and
every change the functional administrator makes on her pages (accounts, roles,
organisations, regions, norms: ``services.py``). They write through this small port;
``AuditConfig.ready()`` plugs the audit app's writer in (``plug``). Unplugged, writing
raises: a log row is never silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from .models import Membership, User

# The values of ``voorzorg.audit.models.AuditAction`` accounts writes (a test checks).
CREATE = "C"
READ = "R"
UPDATE = "U"
DELETE = "D"


class Auditor(Protocol):
    """Who acts, able to write a row about what she did: ``voorzorg.audit.services.Actor``."""

    @property
    def user(self) -> User | None: ...

    @property
    def membership(self) -> Membership | None: ...

    def audit(self, *, action: str, event: str, access_granted: bool = True) -> Any: ...


_actor_from_request: Callable[[HttpRequest], Auditor] | None = None
_role_refusal: Callable[[HttpRequest], None] | None = None


def plug(
    *,
    actor_from_request: Callable[[HttpRequest], Auditor],
    role_refusal: Callable[[HttpRequest], None],
) -> None:
    """Called once by the audit app: how to build an actor, how to log a role's 403."""
    global _actor_from_request, _role_refusal
    _actor_from_request = actor_from_request
    _role_refusal = role_refusal


def actor_of(request: HttpRequest) -> Auditor:
    """The request's actor (user, role, client address), able to write log rows."""
    if _actor_from_request is None:
        raise ImproperlyConfigured("The access log's writer is not plugged in (voorzorg.audit).")
    return _actor_from_request(request)


def log_role_refusal(request: HttpRequest) -> None:
    """Write the refused row of a role check (once per request, no person named)."""
    if _role_refusal is None:
        raise ImproperlyConfigured("The access log's writer is not plugged in (voorzorg.audit).")
    _role_refusal(request)
