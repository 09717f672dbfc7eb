"""Rate limits per user (token or session) and per address for anonymous callers.

Anonymous callers are counted per client address as ``voorzorg.core.net`` defines it,
the same address the audit log and the lockout see. The counters live in the cache
(Redis in production). When the cache is down the limit lets requests through and logs
it, like the sign-up limit: an outage of the cache must not become an outage of the API.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from voorzorg.core.net import client_address

logger = logging.getLogger(__name__)


class _FailOpen:
    def get_ident(self, request: Any) -> str:
        """The caller's address under the one trusted-proxy policy (``TRUSTED_PROXY_COUNT``).

        DRF's own ``get_ident`` (NUM_PROXIES unset) keys on the whole raw X-Forwarded-For,
        so a caller that changes the header gets a fresh counter and escapes the 429.
        """
        return client_address(request) or "unknown"

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
