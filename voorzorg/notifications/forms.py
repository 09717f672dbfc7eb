"""The e-mail choices: one check box per kind that can reach her."""

from __future__ import annotations

from typing import Any

from django import forms

from .kinds import NotificationKind


class EmailChoicesForm(forms.Form):
    def __init__(self, *args: Any, choices: dict[NotificationKind, bool], **kwargs: Any) -> None:
        super().__init__(*args, initial={str(k): v for k, v in choices.items()}, **kwargs)
        for kind in choices:
            self.fields[str(kind)] = forms.BooleanField(label=kind.label, required=False)
