from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a message of our own.

    Django 5.2.19 changed this message's msgid and its Dutch catalogue has not followed,
    so the stock validator answers in English on a Dutch page.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "Dit wachtwoord is te kort: gebruik minimaal %(min_length)d teken.",
            "Dit wachtwoord is te kort: gebruik minimaal %(min_length)d tekens.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Uw wachtwoord moet minimaal %(min_length)d teken bevatten.",
            "Uw wachtwoord moet minimaal %(min_length)d tekens bevatten.",
            self.min_length,
        ) % {"min_length": self.min_length}
