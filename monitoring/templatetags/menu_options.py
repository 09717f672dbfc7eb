"""``{% option_tags options %}``: the ``<option>`` elements of a menu on the dashboard's
pages (period, group, region, municipality), from its options (dicts with ``key``,
``label`` and ``selected``).

The same elements the template loop wrote, joined in Python: a menu of some dozens of
options was a few hundred template variables to resolve on every page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SELECTED = mark_safe(" selected")


@register.simple_tag
def option_tags(options: Iterable[dict]) -> SafeString:
    """``<option value="key"[ selected]>label</option>`` for each option, key and label
    escaped."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((o["key"], _SELECTED if o["selected"] else "", o["label"]) for o in options),
    )
