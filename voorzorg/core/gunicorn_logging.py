"""gunicorn's own lines (start, worker boot and exit, timeouts, access) in the app's shape.

``docker/start-web.sh`` passes ``--logger-class voorzorg.core.gunicorn_logging.Logger``.
gunicorn's defaults were a third time style (``[2025-06-02 09:14:03 +0000]``) and an
Apache access line with the client's address, the query string (a search for a name)
and the Referer. Here every line goes through voorzorg.core.logging's formatter (JSON
unless ``LOG_FORMAT=text``), and an access line is ``GET /deelnemers/12/ 200`` with
``status_code``, ``duration_ms``, and, since it is written before the response is
closed, the request's ``request_id`` and ``user_id``.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from gunicorn import glogging

from voorzorg.core.logging import ContextFilter, JsonFormatter, TextFormatter


def _formatter() -> logging.Formatter:
    # gunicorn's master reads no Django settings: the environment decides, as there.
    return TextFormatter() if os.environ.get("LOG_FORMAT") == "text" else JsonFormatter()


class Logger(glogging.Logger):
    """gunicorn's logger with voorzorg's formatter and a short, query-free access line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        formatter = _formatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(formatter)
                    handler.addFilter(ContextFilter())

    def access(self, resp: Any, req: Any, environ: dict, request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = None
        duration_ms = request_time.seconds * 1000 + request_time.microseconds // 1000
        self.access_log.info(
            "%s %s %s",
            environ.get("REQUEST_METHOD", "-"),
            environ.get("PATH_INFO", "-"),
            status if status is not None else "-",
            extra={"status_code": status, "duration_ms": duration_ms},
        )
