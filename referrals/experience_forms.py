"""The experience questions at the warm handover (three marks from 0 to 10), asked on
the handover page (``views/handover.py``) and on the participant's own one-time page
(``views/experience.py``); the rules are in ``experience_services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ExperienceForm(forms.Form):
    """The three questions at the warm handover, each a mark from 0 to 10, all required.

    The same questions for the sending side's card (a compact choice per question) and
    for the participant's own page (``public=True``: a row of buttons 0-10 per question,
    each its own fieldset with the question as legend)."""

    SCORES = [(n, str(n)) for n in range(11)]

    supported = forms.TypedChoiceField(
        label=_("Ik voelde me gesteund tijdens het wachten"),
        choices=SCORES,
        coerce=int,
        error_messages={"required": _("Kies een cijfer van 0 tot en met 10.")},
    )
    contact_known = forms.TypedChoiceField(
        label=_("Ik wist bij wie ik terecht kon"),
        choices=SCORES,
        coerce=int,
        error_messages={"required": _("Kies een cijfer van 0 tot en met 10.")},
    )
    ready = forms.TypedChoiceField(
        label=_("Ik voel me klaar voor de behandeling"),
        choices=SCORES,
        coerce=int,
        error_messages={"required": _("Kies een cijfer van 0 tot en met 10.")},
    )

    def __init__(self, *args: Any, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("supported", "contact_known", "ready"):
            field = self.fields[name]
            field.error_messages["invalid_choice"] = _("Kies een cijfer van 0 tot en met 10.")
            if public:
                field.widget = forms.RadioSelect(choices=field.choices)
            else:
                field.choices = [("", _("Kies een cijfer")), *self.SCORES]
