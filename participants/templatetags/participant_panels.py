"""Render a participant-page panel that an app registered (``participants.registry``).

``{% participant_panel panel %}`` renders the panel's template with its own context on top
of the page's, as ``{% include %}`` would (so ``request`` and ``csrf_token`` are there),
without the page knowing which app the panel belongs to.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..registry import RenderedPanel

register = template.Library()


@register.simple_tag(takes_context=True)
def participant_panel(context: template.Context, panel: RenderedPanel) -> SafeString:
    panel_template = context.template.engine.get_template(panel.template)
    with context.push(**panel.context):
        return panel_template.render(context)
