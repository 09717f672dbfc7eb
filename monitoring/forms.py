"""Forms of the monitoring pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# 100,000 rows of the import format are about 12 MB; leave room for long locations.
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def max_upload_bytes() -> int:
    """The largest waitlist file the upload page accepts (setting WAITLIST_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "WAITLIST_IMPORT_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class WaitlistUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Wachtlijstbestand (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    dry_run = forms.BooleanField(
        label=_("Alleen controleren, niets opslaan"),
        required=False,
        help_text=_("Het bestand wordt gecontroleerd en u ziet wat een import zou doen."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # As help text, so the field's aria-describedby carries the limit.
        self.fields["file"].help_text = _("CSV in UTF-8, hoogstens %(size)s.") % {
            "size": filesizeformat(max_upload_bytes())
        }

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = max_upload_bytes()
        # Checked after the upload arrived (Django spools large files to disk), so the
        # limit protects the import's running time rather than the web server's memory.
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _(
                    "Dit bestand is %(size)s; de grens is %(limit)s. Splits het bestand, "
                    "of vraag de technisch beheerder om het op de server te importeren."
                ),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        return upload
