"""``{% submission_key %}``: a create form's one-time key, as a hidden field.

Put it right after ``{% csrf_token %}`` in every form whose view is wrapped in
``voorzorg.core.idempotency.idempotent_form``: a fresh key each time the page is rendered,
so a second POST of the same page (double click, resend, Back then submit) is recognised.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from voorzorg.core.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def submission_key() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
