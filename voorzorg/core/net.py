"""The client's address: one policy for the audit log, the lockout and every rate limit.

Behind a reverse proxy REMOTE_ADDR is the proxy's address, and X-Forwarded-For holds
the client's, but the client can write that header too: only the entries the trusted
proxies appended can be believed. ``TRUSTED_PROXY_COUNT`` says how many proxies stand in
front of the application (0: none, X-Forwarded-For is ignored entirely); each appends the
address it saw, so the client is the N-th entry from the right and anything to its left
is the client's own invention. ``TRUSTED_PROXY_CIDRS``, when set, also requires the
direct peer (REMOTE_ADDR) to be one of those proxies before the header counts, so a
request that reaches the application around the proxy cannot pick its own address.

Parsing the header (ports, IPv6 brackets, IPv4-mapped addresses) is django-ipware's.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def client_address(request: HttpRequest) -> str | None:
    """The client's address under the trusted-proxy policy, or None without a usable one.

    Falls back to REMOTE_ADDR when no proxy is configured, when the direct peer is not a
    trusted proxy, or when the header is missing or has fewer entries than proxies.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0 or remote is None or not _is_trusted_proxy(remote):
        return remote
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        # ipware counts the proxies listed in the header; the last proxy (REMOTE_ADDR)
        # is not listed, it appended the client's address as the right-most entry.
        proxy_count=proxies - 1,
        # Only X-Forwarded-For: X-Real-IP, Forwarded, CF-Connecting-IP and the like
        # are not set by our proxy, so a client could choose them freely.
        request_header_order=[FORWARDED_FOR],
        strict=False,
    )
    return _valid_ip(address) or remote


def ratelimit_key(group: str, request: HttpRequest) -> str:
    """A django-ratelimit key: the client address, IPv6 per /64.

    An IPv6 client usually holds a whole /64, so counting single addresses would let
    it step around the limit. Without a usable address all such requests share one
    bucket: stricter rather than open.
    """
    address = client_address(request)
    if address is None:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return address


def _is_trusted_proxy(address: str) -> bool:
    cidrs = settings.TRUSTED_PROXY_CIDRS
    if not cidrs:
        return True
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
