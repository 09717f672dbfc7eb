"""The one way to write the NEN 7513 access log."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from voorzorg.accounts.models import Membership, User

from .models import AccessLog, AuditAction


def audit_log(
    *,
    actor: User | None,
    action: AuditAction | str,
    event: str,
    access_granted: bool,
    membership: Membership | None = None,
    person_id: str = "",
    on_behalf_of: str = "",
    client_address: str | None = None,
    person_ids: Iterable[str] | None = None,
) -> list[AccessLog]:
    """Append rows to the access log and return them: one, or one per id in ``person_ids``.

    The only writer of the log. Call it from every access gate, for granted and for
    refused access alike; list pages and exports pass every person they show. It writes
    inside the caller's transaction: if the caller's write rolls back, so do its rows,
    so the log never records a change that did not happen.
    """
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    common = {
        "actor": actor if actor_is_user else None,
        "actor_label": actor.email if actor_is_user else "anoniem",
        "on_behalf_of": on_behalf_of,
        "organisation": membership.organisation if membership else None,
        "organisation_label": membership.organisation.name if membership else "",
        "role": membership.role if membership else "",
        "action": AuditAction(action),
        "event": event,
        "client_address": _valid_ip(client_address),
        "access_granted": access_granted,
        "timestamp": timezone.now(),
    }
    ids = [str(person_id)] if person_ids is None else [str(p) for p in person_ids]
    return AccessLog.objects.bulk_create([AccessLog(person_id=pid, **common) for pid in ids])


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, from where: what services need to write audit rows."""

    user: User | None
    membership: Membership | None
    client_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        from voorzorg.accounts.selectors import current_membership

        user = request.user if request.user.is_authenticated else None
        return cls(
            user=user,
            membership=current_membership(request) if user else None,
            client_address=client_address_of(request),
        )

    def audit(
        self,
        *,
        action: AuditAction | str,
        event: str,
        access_granted: bool = True,
        person_id: str = "",
        on_behalf_of: str = "",
        person_ids: Iterable[str] | None = None,
    ) -> list[AccessLog]:
        return audit_log(
            actor=self.user,
            membership=self.membership,
            action=action,
            event=event,
            access_granted=access_granted,
            person_id=person_id,
            on_behalf_of=on_behalf_of,
            client_address=self.client_address,
            person_ids=person_ids,
        )


def audit_request(
    request: HttpRequest,
    *,
    action: AuditAction | str,
    event: str,
    access_granted: bool,
    person_id: str = "",
    on_behalf_of: str = "",
) -> list[AccessLog]:
    """``audit_log`` with actor, role, organisation and address taken from the request."""
    return Actor.from_request(request).audit(
        action=action,
        event=event,
        access_granted=access_granted,
        person_id=person_id,
        on_behalf_of=on_behalf_of,
    )


def client_address_of(request: HttpRequest) -> str | None:
    """The client's address as the web server saw it.

    Only REMOTE_ADDR: X-Forwarded-For can be forged by the client, so a proxy in front
    must set REMOTE_ADDR (gunicorn --forwarded-allow-ips) rather than us trusting a header.
    """
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
