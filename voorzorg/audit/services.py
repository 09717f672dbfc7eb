"""The one way to write the NEN 7513 access log, and emergency access (break-the-glass)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from voorzorg.accounts.constants import Role
from voorzorg.accounts.models import Membership, User
from voorzorg.accounts.selectors import current_membership
from voorzorg.core.exceptions import ApplicationError, full_clean_or_raise
from voorzorg.core.net import client_address

from .models import AccessLog, AuditAction, BreakGlassGrant


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

    Rows about a person for whom an administrator holds an active emergency-access grant
    (in the role she acts in) point to that grant, whichever code path writes them.
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
    grants = _break_glass_grants(actor if actor_is_user else None, membership, ids)
    return AccessLog.objects.bulk_create(
        [AccessLog(person_id=pid, break_glass_grant_id=grants.get(pid), **common) for pid in ids]
    )


def _break_glass_grants(
    user: User | None, membership: Membership | None, person_ids: list[str]
) -> dict[str, int]:
    """Person number -> the actor's active grant for it. No query for anyone but admins."""
    wanted = {pid for pid in person_ids if pid}
    if user is None or membership is None or membership.role != Role.ADMIN or not wanted:
        return {}
    rows = (
        BreakGlassGrant.objects.active()
        .filter(user=user, membership=membership, person_id__in=wanted)
        .order_by("granted_at", "pk")
        .values_list("person_id", "pk")
    )
    return dict(rows)  # the newest grant wins when there are several


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, from where: what services need to write audit rows."""

    user: User | None
    membership: Membership | None
    client_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        """The signed-in user (or nobody), the role she acts in now, her address."""
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


# A refused request's method, as the action it attempted.
_ACTION_OF_METHOD = {
    "POST": AuditAction.CREATE,
    "PUT": AuditAction.UPDATE,
    "PATCH": AuditAction.UPDATE,
    "DELETE": AuditAction.DELETE,
}


def audit_role_refusal(request: HttpRequest) -> None:
    """Log a request refused because of the user's role (the 403 of a role check).

    Once per request, whichever check refuses first (a page's ``role_required``, the
    API's ``HasRole``). Names no person: the event is the URL's name, never its path,
    which can hold a participant number (``/beheer/audit/deelnemer/VZ-.../``).
    """
    django_request = getattr(request, "_request", request)  # under a DRF Request
    if getattr(django_request, "_voorzorg_role_refusal_logged", False):
        return
    django_request._voorzorg_role_refusal_logged = True
    match = getattr(request, "resolver_match", None)
    view = (match.view_name if match else "") or "unknown"
    Actor.from_request(request).audit(
        action=_ACTION_OF_METHOD.get(request.method or "", AuditAction.READ),
        event=f"role.refused:{view}"[:100],
        access_granted=False,
    )


def client_address_of(request: HttpRequest) -> str | None:
    """The client's address under the one trusted-proxy policy (``TRUSTED_PROXY_COUNT``).

    Without a configured proxy only REMOTE_ADDR; X-Forwarded-For counts only as far as
    the trusted proxies wrote it (see ``voorzorg.core.net``).
    """
    return client_address(request)


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


# --- Emergency access (break-the-glass) ----------------------------------------------------

BREAK_GLASS_MIN_REASON = 20
# A reason is a few sentences for the reviewer, not a document.
BREAK_GLASS_MAX_REASON = 2000
# VZ- and eight characters of the participant-number alphabet (participants.models).
PARTICIPANT_NUMBER = re.compile(r"^VZ-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{8}\Z")


def break_glass_minutes() -> int:
    """How long a grant lasts: ``BREAK_GLASS_MINUTES`` (default 60)."""
    return int(getattr(settings, "BREAK_GLASS_MINUTES", 60))


def normalise_participant_number(raw: str) -> str:
    return raw.strip().upper()


def break_glass_request(*, actor: Actor, person_id: str, reason: str) -> BreakGlassGrant:
    """An administrator gives herself emergency access to one participant's record.

    Deliberately blind: the number is not looked up, so a number that belongs to nobody
    gets a grant, a log row and an answer exactly like a real one, and the form cannot be
    used to find out who is in the system. Refusals (no reason, a malformed number) are
    logged too, before the error is raised; a granted request is logged inside the same
    transaction as the grant.
    """
    number = normalise_participant_number(person_id)
    reason = reason.strip()
    membership = actor.membership
    errors: dict[str, list[str]] = {}
    if actor.user is None or membership is None or membership.role != Role.ADMIN:
        errors["__all__"] = [_("Alleen een functioneel beheerder kan noodtoegang aanvragen.")]
    if not PARTICIPANT_NUMBER.match(number):
        errors["person_id"] = [_("Vul een deelnemernummer in zoals VZ-7KQ4M2XA.")]
    if len(reason) < BREAK_GLASS_MIN_REASON:
        errors["reason"] = [
            _("Beschrijf in minstens %(n)d tekens waarom u dit dossier nu moet inzien.")
            % {"n": BREAK_GLASS_MIN_REASON}
        ]
    elif "\x00" in reason:
        # PostgreSQL cannot store a NUL character; nobody types one on purpose.
        errors["reason"] = [_("De reden bevat een ongeldig teken.")]
    elif len(reason) > BREAK_GLASS_MAX_REASON:
        errors["reason"] = [
            _("Houd de reden korter dan %(n)d tekens.") % {"n": BREAK_GLASS_MAX_REASON}
        ]
    if errors:
        actor.audit(
            action=AuditAction.READ,
            event="break_glass.refused",
            access_granted=False,
            person_id=number if PARTICIPANT_NUMBER.match(number) else "",
        )
        raise ApplicationError(" ".join(m for ms in errors.values() for m in ms), extra=errors)
    with transaction.atomic():
        now = timezone.now()
        grant = BreakGlassGrant(
            user=actor.user,
            membership=membership,
            organisation_label=membership.organisation.name,
            person_id=number,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=break_glass_minutes()),
        )
        full_clean_or_raise(grant)
        grant.save()
        actor.audit(
            action=AuditAction.READ, event=f"break_glass.grant:{grant.pk}", person_id=number
        )
    return grant


@transaction.atomic
def break_glass_review(*, actor: Actor, grant: BreakGlassGrant, note: str) -> BreakGlassGrant:
    """A second administrator records that she reviewed a grant. Once, never by its holder."""
    membership = actor.membership
    if actor.user is None or membership is None or membership.role != Role.ADMIN:
        raise ApplicationError(_("Alleen een functioneel beheerder kan noodtoegang beoordelen."))
    note = note.strip()
    if not note:
        raise ApplicationError(_("Schrijf op wat u heeft beoordeeld en wat uw oordeel is."))
    # Lock: two administrators may open the same review at once.
    locked = BreakGlassGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.reviewed_at is not None:
        raise ApplicationError(_("Deze noodtoegang is al beoordeeld."))
    if locked.user_id == actor.user.pk:
        raise ApplicationError(
            _("U kunt uw eigen noodtoegang niet beoordelen; dat doet een andere beheerder.")
        )
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor.user
    locked.review_note = note
    full_clean_or_raise(locked)
    locked.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    actor.audit(
        action=AuditAction.UPDATE,
        event=f"break_glass.review:{locked.pk}",
        person_id=locked.person_id,
    )
    return locked
