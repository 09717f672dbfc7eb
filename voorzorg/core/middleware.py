from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChosenLanguageMiddleware:
    """Dutch unless the user chose another language with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a POH with
    an English browser would get an English UI by accident. Here only the explicit
    choice (the cookie that ``set_language`` writes) counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PermissionsPolicyMiddleware:
    """Send ``settings.PERMISSIONS_POLICY`` as the Permissions-Policy header.

    Django has no setting for this header. Placed right after SecurityMiddleware, so it
    also covers the static files WhiteNoise answers before the rest of the stack. A view
    that sets its own header keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store, private`` on every response to a signed-in user.

    Person data must not stay behind in the browser cache of a shared practice computer
    (or in a proxy) after the session ends. Rather than trusting each view to say which
    responses carry person data, every response to an authenticated request is marked:
    pages, exports, the API and FHIR alike. DRF sets the token's user on the underlying
    request during the view, so token calls count as signed in here too. Static files
    (the same for everyone) keep their long cache lifetime; WhiteNoise answers them before
    this middleware anyway in production, the prefix check covers development.

    A view's own Cache-Control is replaced (nothing a signed-in user receives is
    cacheable), unless it already says no-store (``never_cache``, which is stricter still).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = urlsplit(settings.STATIC_URL or "/static/").path

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        already = "no-store" in response.headers.get("Cache-Control", "")
        if signed_in and not already and not request.path.startswith(self.static_prefix):
            response.headers["Cache-Control"] = "no-store, private"
        return response


class HealthProbeAnyHostMiddleware:
    """Let load-balancer and container probes reach the health paths with any Host header.

    Probes call the container by its address (``http://10.0.3.7:8000/health/ready/``),
    which is not in ALLOWED_HOSTS, so CommonMiddleware refused them with 400 unless they
    faked a Host header. For the three probe paths (``/health/``, ``/health/live/``,
    ``/health/ready/``) the Host is taken as sent: the health views build no URL and no
    redirect from it, and answer the same to everyone (no person data). Every other path
    keeps the host check. Placed before CommonMiddleware, which checks the host; the
    response still passes all the header middleware. The HTTPS redirect skips the same
    paths through SECURE_REDIRECT_EXEMPT (production settings).
    """

    paths = frozenset({"/health/", "/health/live/", "/health/ready/"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in self.paths:
            host = request._get_raw_host()  # the Host header, not checked against ALLOWED_HOSTS
            request.get_host = lambda: host  # type: ignore[method-assign]
        return self.get_response(request)
