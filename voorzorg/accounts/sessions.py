"""Session lifetime: 30 minutes idle, 12 hours at most, both enforced on the server.

The session cookie's own lifetime (``SESSION_COOKIE_AGE``) is renewed on every save, so
it cannot bound a session by itself; the sign-in time kept in the session does. Times are
whole seconds since the epoch from ``time.time()``.
"""

from __future__ import annotations

import time
from typing import Literal

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

SIGNED_IN_AT = "voorzorg_signed_in_at"
LAST_ACTIVITY = "voorzorg_last_activity"
# Set in the fresh session after an automatic sign-out, so the login page can say why.
ENDED_BECAUSE = "voorzorg_session_ended"

# The last activity is written at most once a minute: writing the session on every
# request would add a database write to every page view. The idle timer is therefore up
# to a minute short, never long: the server and the page's countdown both count from the
# stored time. The page reports typing and clicks (static/js/session-timeout.js) just as
# often. A much shorter idle timeout (the browser tests use seconds) shortens the interval
# to a tenth of it, so activity still counts.
ACTIVITY_WRITE_INTERVAL = 60

Expiry = Literal["idle", "absolute"]


def now() -> int:
    return int(time.time())


def idle_timeout() -> int:
    return settings.SESSION_IDLE_TIMEOUT


def absolute_timeout() -> int:
    return settings.SESSION_COOKIE_AGE


def activity_interval() -> int:
    """Seconds between two writes of the last activity (and two reports from the page)."""
    return max(1, min(ACTIVITY_WRITE_INTERVAL, idle_timeout() // 10))


def start(session: SessionBase) -> None:
    """Stamp a fresh sign-in: the absolute and the idle clock start now."""
    stamp = now()
    session[SIGNED_IN_AT] = stamp
    session[LAST_ACTIVITY] = stamp


def expiry_reason(session: SessionBase) -> Expiry | None:
    """Why this signed-in session has ended, or None while it is alive.

    A clock that runs backwards (only in tests that travel in time) counts as no time
    passed, never as expiry.
    """
    current = now()
    if current - session.get(SIGNED_IN_AT, current) > absolute_timeout():
        return "absolute"
    if current - session.get(LAST_ACTIVITY, current) > idle_timeout():
        return "idle"
    return None


def touch(session: SessionBase, *, force: bool = False) -> None:
    """Record activity now; without ``force`` at most once per ``activity_interval()``.

    A session from before these stamps existed starts both clocks now.
    """
    current = now()
    if SIGNED_IN_AT not in session:
        start(session)
        return
    if force or current - session.get(LAST_ACTIVITY, 0) >= activity_interval():
        session[LAST_ACTIVITY] = current


def time_left(session: SessionBase) -> tuple[int, bool]:
    """Seconds until the server signs this session out if nothing happens, and whether
    activity can still extend it (false once the 12-hour limit comes first)."""
    current = now()
    idle_left = idle_timeout() - (current - session.get(LAST_ACTIVITY, current))
    absolute_left = absolute_timeout() - (current - session.get(SIGNED_IN_AT, current))
    return max(0, min(idle_left, absolute_left)), idle_left < absolute_left
