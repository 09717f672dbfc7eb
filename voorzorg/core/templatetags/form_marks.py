"""Filters for the shared form templates: which fields carry the required mark, and the
errors the error summary at the top of a form lists."""

from __future__ import annotations

from typing import Any

from django import forms, template

from voorzorg.core.forms import is_marked_required

register = template.Library()


@register.filter
def marked_required(bound_field: forms.BoundField) -> bool:
    """``{% if field|marked_required %}``: show the required mark beside the label."""
    return is_marked_required(bound_field.field)


@register.filter
def has_marked_required(form: forms.BaseForm | None) -> bool:
    """Whether any visible field of the form carries the mark (then the legend explains it)."""
    if form is None:
        return False
    return any(is_marked_required(bf.field) for bf in form.visible_fields())


def _anchor(bound: forms.BoundField) -> str:
    """The id a summary link moves to: the input, or a group's first option."""
    if bound.id_for_label:
        return bound.id_for_label
    subwidgets = bound.subwidgets
    if subwidgets and subwidgets[0].id_for_label:
        return subwidgets[0].id_for_label
    return bound.auto_id or ""


@register.filter
def error_links(form: forms.BaseForm | None) -> list[dict[str, Any]]:
    """The form's errors for the summary, in the order of the fields: each visible field
    with errors once, with the id it links to; then the errors of hidden fields and of
    the form as a whole, as text."""
    if form is None or not form.errors:
        return []
    items: list[dict[str, Any]] = []
    for bound in form:
        if bound.errors and not bound.is_hidden:
            items.append({"anchor": _anchor(bound), "label": bound.label, "error": ""})
        elif bound.is_hidden:
            items.extend({"anchor": "", "label": "", "error": e} for e in bound.errors)
    for error in form.non_field_errors():
        items.append({"anchor": "", "label": "", "error": error})
    return items
