"""The one access gate for a single record: filter, write the access-log row, 404.

Every view of one record (a participant, a referral, a waiting episode, a group, a place
in a group, ...) passes its actor's scoped queryset through ``get_for``: the record is
looked up only inside the scope, the look is written to the access log whether it was
granted or refused, and anything out of scope is answered with a 404, so existence is
never revealed. A refusal names no person. The apps own their scopes (which rows an actor
may see); this module owns what happens at the gate, once for all of them.

Gates take an ``Actor`` (who, in which role, from where), never a request: a page or an
API view builds it with ``Actor.from_request(request)``, a command or a task directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from voorzorg.accounts.constants import Role

from .models import AuditAction
from .services import Actor

T = TypeVar("T", bound=Model)


class OutOfScope(Http404):
    """A gate's 404: the record is outside the actor's scope, or does not exist.

    ``offer_break_glass``: the actor is an administrator looking at a person's record,
    who may be offered emergency access on the "not found" page
    (``voorzorg.audit.middleware``). Offered for every refusal alike, whether the record
    exists or not, so the offer itself reveals nothing.
    """

    def __init__(self, *, offer_break_glass: bool = False) -> None:
        super().__init__()
        self.offer_break_glass = offer_break_glass


def get_for(
    actor: Actor,
    scoped: QuerySet[T],
    key: Any,
    *,
    event: str,
    field: str = "pk",
    person_of: Callable[[T], str] | None = None,
    people_of: Callable[[T], Iterable[str]] | None = None,
    action: AuditAction | str = AuditAction.READ,
    offer_break_glass: bool = False,
) -> T:
    """The record ``field == key`` inside ``scoped`` (the actor's scope), else ``OutOfScope``.

    Writes one access-log row either way: ``event`` as given (callers put the id in it
    where the id reveals nothing, e.g. ``participant.view:12``), the person named by
    ``person_of(record)`` only when access is granted. A record that shows several
    people (a group with its members) passes ``people_of`` instead: granted, it writes
    one row per distinct person it names, or one naming nobody when it names none.
    ``offer_break_glass``: this is a person's record, and an administrator refused here
    is offered emergency access. An empty ``scoped`` (``.none()``, for a key that cannot
    be a record) is refused without a query.
    """
    record = scoped.filter(**{field: key}).first()
    people = (
        list(dict.fromkeys(pid for pid in people_of(record) if pid))
        if record is not None and people_of
        else []
    )
    if people:
        actor.audit(action=action, event=event, access_granted=True, person_ids=people)
    else:
        actor.audit(
            action=action,
            event=event,
            access_granted=record is not None,
            person_id=person_of(record) if record is not None and person_of else "",
        )
    if record is None:
        raise OutOfScope(offer_break_glass=offer_break_glass and _is_admin(actor))
    return record


def refuse(actor: Actor, *, event: str, action: AuditAction | str = AuditAction.READ) -> OutOfScope:
    """Write a refused row naming nobody and return the 404 to raise.

    For gates whose granted look is written by the view itself (with the person it
    shows), such as one place in a group.
    """
    actor.audit(action=action, event=event, access_granted=False)
    return OutOfScope()


def _is_admin(actor: Actor) -> bool:
    return actor.membership is not None and actor.membership.role == Role.ADMIN
