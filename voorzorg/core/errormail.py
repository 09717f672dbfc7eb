"""The body of the error mail to ADMINS: the Python traceback, nothing of the request.

Django's own report lists the request's GET and POST data, cookies, the signed-in user's
name and every frame's local variables: person data, sent by plain e-mail. Here the mail
holds the log line (time, request_id, user_id, message) and the traceback; the request
id leads to the rest in the logs, which stay inside.
"""

from __future__ import annotations

import traceback

from django.views.debug import ExceptionReporter

from voorzorg.core.logging import scrub_exception_text


class TracebackOnlyReporter(ExceptionReporter):
    """``reporter_class`` of the ``mail_admins`` handler (voorzorg.core.logging)."""

    def get_traceback_text(self) -> str:
        if self.exc_type is None:
            return "No exception."
        lines = traceback.format_exception(self.exc_type, self.exc_value, self.tb)
        return scrub_exception_text("".join(lines))

    def get_traceback_html(self) -> str:
        return ""
