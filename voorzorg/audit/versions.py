"""Versions of a person's records: every earlier state kept, with who, in which role, why.

A participant's details, a referral, a contact and a Positieve Gezondheid measurement are
tracked with django-simple-history (``tracked()``): every save writes a row to the
model's history table with the values as saved, the moment, the user and the role she
acted in, and, for a correction, the reason she gave. A correction is made by a service,
which

- locks the record and refuses it when it changed since the form was opened
  (``check_version``: optimistic concurrency, the token is the moment of the last save),
- records how the record stood before, when it was saved before versions were kept
  (``ensure_baseline``), so the correction shows what it changed,
- saves the new state with its user, role and reason (``save_version``), and writes
  the access-log row (action U) itself.

The pages read a record's versions with ``versions_of`` (or ``versions_from_rows``),
which turns consecutive rows into "field: old -> new" in Dutch, at a fixed number of
queries. Erasing a person also anonymises her history rows (each app's erasure handler):
an erased name must not live on in an earlier version.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from voorzorg.accounts.constants import Role
from voorzorg.accounts.selectors import current_membership
from voorzorg.core.exceptions import ApplicationError

from .services import Actor

# The longest reason a correction or a withdrawal may give: a sentence or two.
REASON_MAX_LENGTH = 500
# Never shown as a change: bookkeeping of every save.
ALWAYS_HIDDEN = frozenset({"id", "created_at", "updated_at"})


class VersionFields(models.Model):
    """What each history row holds beside simple-history's own columns."""

    # The role the change was made in (a user may hold several): "who" is name and role.
    history_role = models.CharField(gettext_lazy("rol"), max_length=20, blank=True, default="")

    class Meta:
        abstract = True


def tracked(*, excluded: tuple[str, ...] = ()) -> HistoricalRecords:
    """The ``history`` of a tracked model: its versions with user, role and reason.

    ``excluded``: columns that are not the record's content (keys derived from it for
    lookups), kept out of the versions.
    """
    return HistoricalRecords(
        excluded_fields=list(excluded),
        bases=[VersionFields],
        history_change_reason_field=models.CharField(
            max_length=REASON_MAX_LENGTH, null=True, blank=True
        ),
        user_related_name="+",
    )


# --- Writing a version --------------------------------------------------------------------


class StaleVersion(ApplicationError):
    """The record changed since the form (or the API client's read) it was edited in."""


def version_of(record: models.Model) -> str:
    """The token a form or an API client sends back with a correction: the moment of the
    record's last save, to the microsecond."""
    return record.updated_at.isoformat()  # type: ignore[attr-defined]


def check_version(record: models.Model, expected: str) -> None:
    """Refuse a correction of ``record`` (locked by the caller) made on an older version.

    Raises ``StaleVersion`` with a Dutch message instead of overwriting what someone else
    saved in the meantime.
    """
    if version_of(record) != (expected or "").strip():
        raise StaleVersion(
            _(
                "Niet opgeslagen: deze gegevens zijn gewijzigd nadat u het formulier "
                "opende, door iemand anders of in een ander venster. Hieronder staan de "
                "gegevens zoals ze nu zijn; voer uw correctie zo nodig opnieuw in."
            )
        )


def clean_reason(reason: str, *, field: str = "reason") -> str:
    """The reason of a correction or withdrawal, required, at most ``REASON_MAX_LENGTH``."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Geef kort de reden op.")
        raise ApplicationError(message, extra={field: [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("Houd de reden kort: hoogstens %(n)s tekens.") % {"n": REASON_MAX_LENGTH}
        raise ApplicationError(message, extra={field: [message]})
    return reason


def ensure_baseline(record: models.Model) -> None:
    """Keep how ``record`` stands now as its first version, if it has none yet.

    Records saved before versions were kept have no history row; without this, their
    first correction would show the new values but not the old ones.
    """
    history = record.history  # type: ignore[attr-defined]
    if not history.exists():
        type(record).history.bulk_history_create(  # type: ignore[attr-defined]
            [record],
            default_date=record.updated_at,  # type: ignore[attr-defined]
        )


def apply_changes(record: models.Model, values: Mapping[str, Any]) -> list[str]:
    """Set ``values`` on ``record``; the names of the fields whose value really changed.

    A related record is compared by its key, so comparing reads nothing.
    """
    changed = []
    for name, value in values.items():
        field = record._meta.get_field(name)
        if field.is_relation and field.many_to_one:
            old, new = getattr(record, field.attname), getattr(value, "pk", value)
        else:
            old, new = getattr(record, name), value
        if old != new:
            changed.append(name)
            setattr(record, name, value)
    return changed


def save_version(
    record: models.Model,
    *,
    actor: Actor,
    reason: str,
    update_fields: Iterable[str] | None = None,
) -> None:
    """Save ``record`` as a new version by ``actor`` (user and role), with ``reason``."""
    record._history_user = actor.user  # type: ignore[attr-defined]
    record._history_role = actor.membership.role if actor.membership else ""  # type: ignore[attr-defined]
    record._change_reason = reason  # type: ignore[attr-defined]
    try:
        record.save(update_fields=list(update_fields) if update_fields is not None else None)
    finally:
        # The instance may be saved again later (by other code): not with this reason.
        for attribute in ("_history_user", "_history_role", "_change_reason"):
            record.__dict__.pop(attribute, None)


def fill_role(sender: Any, history_instance: Any, instance: Any, **kwargs: Any) -> None:
    """``pre_create_historical_record``: the role of the version's author.

    A service that stamps the record (``save_version``) gives it; any other save in a
    request (a referral registered, a status changed) takes the role the user acts in
    now. Without a request (a task, a command) it stays empty.
    """
    if not hasattr(history_instance, "history_role"):
        return
    role = getattr(instance, "_history_role", None)
    if role is None:
        request: HttpRequest | None = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
        membership = (
            current_membership(request)
            if request is not None and user is not None and user.is_authenticated
            else None
        )
        role = membership.role if membership is not None else ""
    history_instance.history_role = role


# --- Reading versions ---------------------------------------------------------------------


class VersionKind:
    CREATED = "created"
    FIRST = "first"
    CORRECTED = "corrected"
    CHANGED = "changed"
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"


KIND_LABELS = {
    VersionKind.CREATED: gettext_lazy("Vastgelegd"),
    VersionKind.FIRST: gettext_lazy("Eerste bewaarde versie"),
    VersionKind.CORRECTED: gettext_lazy("Gecorrigeerd"),
    VersionKind.CHANGED: gettext_lazy("Gewijzigd"),
    VersionKind.WITHDRAWN: gettext_lazy("Ingetrokken"),
    VersionKind.DELETED: gettext_lazy("Verwijderd"),
}


@dataclass(frozen=True)
class Change:
    """One field of a version: its Dutch label, the value before and after, as shown."""

    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Version:
    """One version of a record, as the history section shows it."""

    record_id: int
    at: dt.datetime
    by: str
    role: str
    kind: str
    reason: str
    changes: tuple[Change, ...]

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def who(self) -> str:
        """Name and role, e.g. "Eva Bakker (Ervaringsdeskundige)"; empty when unknown."""
        if self.by and self.role:
            return f"{self.by} ({self.role})"
        return self.by


# field name -> {stored value -> Dutch label}, for values without model choices (the
# life domains of a JSON list).
ValueLabels = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Display:
    """How one model's versions are shown: the fields never listed as a change (beyond
    ``ALWAYS_HIDDEN``) and labels for coded values inside lists."""

    hidden: frozenset[str] = frozenset()
    value_labels: ValueLabels | None = None


def version_export(version: Version) -> dict[str, Any]:
    """A version as the AVG export holds it: the same words the page shows."""
    return {
        "at": timezone.localtime(version.at),
        "by": version.by or None,
        "role": version.role or None,
        "kind": version.kind,
        "kind_label": version.kind_label,
        "reason": version.reason,
        "changes": [
            {"field": c.field, "label": c.label, "old": c.old, "new": c.new}
            for c in version.changes
        ],
    }


def versions_of(
    record: models.Model, *, display: Display = Display(), limit: int = 100
) -> list[Version]:
    """The versions of one record, newest first: at most ``limit``, in at most one query
    plus one per kind of related record named (organisations, users)."""
    rows = list(
        record.history.select_related("history_user").order_by(  # type: ignore[attr-defined]
            "-history_date", "-history_id"
        )[: limit + 1]
    )
    # The row before the oldest shown is read only to tell what the oldest one changed.
    versions = versions_from_rows(type(record), reversed(rows), display=display)
    versions.reverse()
    return versions[:limit] if len(rows) > limit else versions


def versions_from_rows(
    model: type[models.Model], rows: Iterable[Any], *, display: Display = Display()
) -> list[Version]:
    """Versions from ``model``'s history rows (any records, oldest first per record, with
    ``history_user`` loaded), in that order. The first row of a record read is compared
    with nothing: when it is not the record's creation, it is its "first kept version".
    Besides the rows, one query per kind of related record a change names."""
    fields = _compared_fields(model, display)
    previous: dict[int, Any] = {}
    read: list[tuple[Any, str, list[tuple[models.Field, Any, Any]]]] = []
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        raw = []
        if before is not None:
            for f in fields:
                old, new = getattr(before, f.attname), getattr(row, f.attname)
                if old != new:
                    raw.append((f, old, new))
        read.append((row, _kind(row, before), raw))
    names = _related_names(raw for _row, _kind_, raw in read)
    return [
        _version(
            row,
            kind,
            tuple(
                Change(
                    f.name,
                    _label(f),
                    _shown(f, old, names, display),
                    _shown(f, new, names, display),
                )
                for f, old, new in raw
            ),
        )
        for row, kind, raw in read
    ]


def _version(row: Any, kind: str, changes: tuple[Change, ...]) -> Version:
    user = row.history_user
    role = row.history_role
    return Version(
        record_id=row.id,
        at=row.history_date,
        by=user.full_name if user is not None else "",
        role=str(Role(role).label) if role in Role.values else "",
        kind=kind,
        reason=row.history_change_reason or "",
        changes=changes,
    )


def _kind(row: Any, before: Any) -> str:
    if row.history_type == "+":
        return VersionKind.CREATED
    if row.history_type == "-":
        return VersionKind.DELETED
    if before is None:
        return VersionKind.FIRST
    withdrawn = hasattr(row, "withdrawn_at")
    if withdrawn and before.withdrawn_at is None and row.withdrawn_at is not None:
        return VersionKind.WITHDRAWN
    return VersionKind.CORRECTED if row.history_change_reason else VersionKind.CHANGED


def _compared_fields(model: type[models.Model], display: Display) -> list[models.Field]:
    hidden = ALWAYS_HIDDEN | display.hidden
    # Only what a version holds: a column left out of the history (``tracked(excluded=)``)
    # has nothing to compare.
    kept = {f.name for f in model.history.model._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.name not in hidden and f.name in kept]


def _label(field: models.Field) -> str:
    return capfirst(str(field.verbose_name))


def _related_names(
    changes: Iterable[list[tuple[models.Field, Any, Any]]],
) -> dict[type[models.Model], dict[Any, str]]:
    """The names of the related records the changes name: one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for raw in changes:
        for field, old, new in raw:
            if field.is_relation and field.many_to_one:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    names: dict[type[models.Model], dict[Any, str]] = {}
    for related, ids in wanted.items():
        objects = related._base_manager.filter(pk__in=ids)
        names[related] = {obj.pk: _name_of(obj) for obj in objects}
    return names


def _name_of(obj: models.Model) -> str:
    full_name = getattr(obj, "full_name", None)
    return str(full_name) if full_name else str(obj)


def _shown(
    field: models.Field,
    value: Any,
    names: Mapping[type[models.Model], Mapping[Any, str]],
    display: Display,
) -> str:
    """A stored value as a person reads it: labels, not codes; Dutch dates; names."""
    if value is None or value == "" or value == []:
        return "—"
    if field.is_relation and field.many_to_one:
        return names.get(field.related_model, {}).get(value, "—")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("ja") if value else _("nee")
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(value).strftime("%d-%m-%Y %H:%M")
    if isinstance(field, models.DateField):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, list):
        labels = (display.value_labels or {}).get(field.name, {})
        return ", ".join(str(labels.get(item, item)) for item in value)
    return str(value)
