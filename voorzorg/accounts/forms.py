from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, verify_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.utils import totp_digits


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mailadres"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "Deze combinatie van e-mailadres en wachtwoord is onbekend. "
            "Let op hoofdletters in het wachtwoord."
        ),
        "inactive": _("Dit account is niet actief. Neem contact op met de beheerder."),
    }


# Dutch wording for the forms of django-otp and django-two-factor-auth; django-otp has no
# Dutch catalogue, and "token" is not a word our users know.
OTP_ERROR_MESSAGES = {
    "token_required": _("Vul de code in."),
    "invalid_token": _("Deze code klopt niet. Kijk of u de code goed heeft overgenomen."),
    "n_failed_attempts": _(
        "Te veel verkeerde codes. Wacht even en probeer het dan opnieuw met een nieuwe code."
    ),
    "verification_not_allowed": _(
        "Te veel verkeerde codes. Wacht even en probeer het dan opnieuw met een nieuwe code."
    ),
}


def dutch_code_field(form: forms.Form, field_name: str, *, backup: bool) -> None:
    """Relabel the code field of a two-factor form: plain Dutch, phone-friendly input."""
    field = form.fields.get(field_name)
    if field is None:
        return
    if backup:
        field.label = _("Reservecode")
        field.help_text = _(
            "Een van de reservecodes die u heeft bewaard. Elke code werkt één keer."
        )
        field.widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})
    else:
        field.label = _("Code uit de app")
        field.help_text = _("De 6 cijfers die de app nu laat zien.")
        field.widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        )
    # django-otp's login forms keep their messages in otp_error_messages, the setup form
    # of django-two-factor-auth in error_messages; an instance attribute overrides either.
    if hasattr(form, "otp_error_messages"):
        form.otp_error_messages = {**form.otp_error_messages, **OTP_ERROR_MESSAGES}
    if "invalid_token" in getattr(form, "error_messages", {}):
        form.error_messages = {**form.error_messages, **OTP_ERROR_MESSAGES}


class VerifyForm(forms.Form):
    """The second factor for someone already signed in with her password: a code from the
    app or a backup code, checked against all her confirmed devices (throttled by django-otp).
    """

    code = forms.CharField(
        label=_("Code uit de app of reservecode"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "autocapitalize": "none"}
        ),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().replace(" ", "").lower()
        # Six digits come from the app, anything else is a backup code; each kind is
        # checked against its own devices, so django-otp's throttling counts per device.
        kind = TOTPDevice if code.isdigit() and len(code) == totp_digits() else StaticDevice
        for device in devices_for_user(self.user):
            if not isinstance(device, kind):
                continue
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                raise forms.ValidationError(
                    OTP_ERROR_MESSAGES["n_failed_attempts"], code="throttled"
                )
            if verify_token(self.user, device.persistent_id, code):
                self.device = device
                return code
        raise forms.ValidationError(OTP_ERROR_MESSAGES["invalid_token"], code="invalid")
