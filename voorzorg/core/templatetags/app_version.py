"""``{% app_version %}``: the running version, for the page footer."""

from __future__ import annotations

from django import template

from voorzorg.core.version import app_version as _app_version

register = template.Library()


@register.simple_tag
def app_version() -> str:
    return _app_version()
