"""Rate limits per user (token or session) and per address for anonymous callers.

The counters live in the cache (Redis in production). When the cache is down the
limit lets requests through and logs it, like the sign-up limit: an outage of the cache
must not become an outage of the API.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception:  # the cache backend's own errors differ per backend
            logger.warning("API rate limit skipped: the cache does not answer.", exc_info=True)
            return True


class UserThrottle(_FailOpen, UserRateThrottle):
    pass


class AnonThrottle(_FailOpen, AnonRateThrottle):
    pass
