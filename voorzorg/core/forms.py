"""Form widgets and fields shared by every app: the browser's own date and time pickers,
date fields that keep to the plausible-date rule, and a search box that cannot break a
query."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .dates import EARLIEST_DAY, PlausibleDateValidator
from .exceptions import ApplicationError


class DateInput(forms.DateInput):
    """``<input type="date">``: the phone's date picker; the value in ISO format."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PlausibleDateField(forms.DateField):
    """A date a person types, within the plausible-date rule (``voorzorg.core.dates``).

    ``earliest`` lowers the first day, e.g. ``EARLIEST_BIRTH_DAY`` for a date of birth.
    """

    widget = DateInput

    def __init__(self, *, earliest: dt.date = EARLIEST_DAY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(PlausibleDateValidator(earliest))


# What a datetime-local input sends, and the same with a space (typed by hand, tests).
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class PlausibleDateTimeField(forms.DateTimeField):
    """A moment a person types (Dutch local time), within the plausible-date rule.

    Making a moment near year 1 or 9999 aware can overflow; that is the rule's refusal
    here, never a 500.
    """

    widget = DateTimeInput

    def __init__(self, *, earliest: dt.date = EARLIEST_DAY, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_INPUT_FORMATS)
        super().__init__(**kwargs)
        self.plausible = PlausibleDateValidator(earliest)
        self.validators.append(self.plausible)

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return super().to_python(value)
        except OverflowError:
            raise self.plausible.error() from None


# Control characters (NUL above all: PostgreSQL refuses it in any query) never belong in
# a search; stripping them keeps the rest of what was typed.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
SEARCH_MAX_LENGTH = 100


class SearchField(forms.CharField):
    """A search box: trimmed, control characters removed, at most 100 characters.

    Never an error: what remains is searched for, so a pasted NUL or a stray tab finds
    what the rest of the text finds instead of failing the page.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Zoeken"))
        super().__init__(**kwargs)
        # The text is cleaned below instead of refused; keep no validator that refuses it.
        self.validators = []

    def to_python(self, value: Any) -> str:
        text = _CONTROL_CHARS.sub("", str(value or ""))
        return text.strip()[:SEARCH_MAX_LENGTH]


def has_control_chars(text: str) -> bool:
    """Whether ``text`` holds a control character: no name, number or code ever does."""
    return bool(_CONTROL_CHARS.search(text))


def search_term(data: Any, name: str) -> str:
    """The cleaned search text of parameter ``name`` in ``data`` (a QueryDict), or ""."""
    return SearchField().clean(data.get(name, ""))


def mark_required(form: forms.BaseForm, *names: str) -> None:
    """Mark fields that ``clean()`` requires although the field itself may be empty
    (required only in some cases, e.g. a name only for a new participant).

    The field gets the ``required`` and ``aria-required`` attributes and the visible mark
    (``templates/bootstrap5/field.html`` shows it for ``required`` fields and for these),
    so a form never shows a required field without the mark.
    """
    for name in names:
        field = form.fields.get(name)
        if field is not None:
            field.widget.attrs.update({"required": True, "aria-required": "true"})


def is_marked_required(field: forms.Field) -> bool:
    """Whether a field carries the required mark: required, or marked by ``mark_required``."""
    return bool(field.required or field.widget.attrs.get("aria-required") == "true")


def show_service_error(
    form: forms.BaseForm, exc: ApplicationError, field_for: Mapping[str, str] | None = None
) -> None:
    """Put a service's refusal next to the fields it names, the rest above the form.

    ``field_for`` names the form field where a model field's refusal shows, when the
    form asks for it under another name.
    """
    if not exc.extra:
        form.add_error(None, exc.message)
        return
    for field, errors in exc.extra.items():
        field = (field_for or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)
