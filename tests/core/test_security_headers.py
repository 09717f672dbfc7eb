"""Security headers, the strict Content Security Policy and the templates that keep it.

Voorzorg holds health data: every response says what the browser may load and run, and
no template relies on inline code the policy would block.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

DIRECTIVES_REQUIRED = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = [part.strip() for part in csp.split(";")]
    for directive in DIRECTIVES_REQUIRED:
        assert directive in directives, (directive, csp)
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions


# --- Every kind of response carries the headers ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/account/inloggen/",  # a page for everyone
        "/",  # a redirect to the login page
        "/bestaat-niet/",  # the 404 page
        "/health/",  # JSON for load balancers
        "/api/v1/indicators/",  # the API, refused
        "/aanmelden/",  # public self-registration
    ],
)
def test_anonymous_responses_carry_the_security_headers(db, url):
    assert_security_headers(Client().get(url))


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("poh_anna", "/verwijzingen/"),
        ("poh_anna", "/verwijzingen/nieuw/"),
        ("expert_eva", "/werklijst/"),
        ("coordinator_cor", "/dashboard/"),
        ("coordinator_cor", "/api/v1/indicators/"),
    ],
)
def test_signed_in_responses_carry_the_security_headers(personas, client_for, persona, url):
    assert_security_headers(client_for(personas[persona]).get(url))


def test_a_refused_post_carries_the_security_headers(db):
    response = Client(enforce_csrf_checks=True).post("/account/inloggen/", {"username": "x"})
    assert response.status_code == 403
    assert_security_headers(response)


def test_development_policy_does_not_upgrade_requests(db):
    # runserver only speaks http; upgrading would break every page in development.
    csp = Client().get("/account/inloggen/").headers["Content-Security-Policy"]
    assert "upgrade-insecure-requests" not in csp


def test_pages_use_no_inline_code_the_policy_would_block(db):
    html = Client().get("/account/inloggen/").content.decode()
    assert '"includeIndicatorStyles": false' in html  # htmx injects no <style>
    assert '"allowEval": false' in html
    assert "<style" not in html
    assert " style=" not in html


# --- Templates keep to the policy ------------------------------------------------------

# What a strict CSP blocks, so what no template may contain. A <script> without src is
# inline code; data for scripts comes from the json_script filter, which is rendered and
# so never appears literally in a template. hx-on needs eval, which htmx-config forbids.
FORBIDDEN = {
    "inline style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "on* event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on attribute (needs eval)": re.compile(r"\bhx-on\b", re.IGNORECASE),
}


def template_files() -> list[Path]:
    """Every template of ours: the project folder and any app's own templates/ folder."""
    folders = [ROOT / "templates"]
    for app in ("voorzorg", "participants", "groups", "referrals", "monitoring"):
        folders.extend(p for p in (ROOT / app).rglob("templates") if p.is_dir())
    return sorted(f for folder in folders for f in folder.rglob("*") if f.is_file())


def test_the_template_scan_finds_the_templates():
    files = template_files()
    assert ROOT / "templates" / "base.html" in files
    assert len(files) > 50


def test_no_template_contains_inline_code_or_styles():
    offenders = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for label, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {label}: {match.group(0)!r}")
    assert not offenders, "Blocked by the strict CSP:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "snippet",
    [
        '<div style="color: red">',
        "<style>p { color: red }</style>",
        "<script>alert(1)</script>",
        '<script type="application/json">{}</script>',
        '<button onclick="go()">',
        '<a href="javascript:go()">',
        '<button hx-on:click="go()">',
    ],
)
def test_the_template_scan_catches_each_kind_of_offender(snippet):
    assert any(pattern.search(snippet) for pattern in FORBIDDEN.values())


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/voorzorg.js' %}\" defer></script>",
        '<div class="vz-chart" data-vz-chart="vz-dashboard-trend-data">',
        "<p>Contact met de deelnemer: online of op locatie.</p>",
    ],
)
def test_the_template_scan_lets_allowed_markup_pass(snippet):
    assert not any(pattern.search(snippet) for pattern in FORBIDDEN.values())


# --- Production settings ---------------------------------------------------------------


def test_base_settings_match_the_headers_contract():
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert all("'unsafe-" not in value for values in policy.values() for value in values)
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SESSION_COOKIE_HTTPONLY is True


PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings as s
from django.test import Client

insecure = Client().get("/account/inloggen/")
secure = Client().get("/health/", secure=True)
# A load balancer's probe: plain http, the container's address as Host.
probe = Client().get("/health/", HTTP_HOST="10.0.3.7:8000")
print(json.dumps({
    "session_cookie_secure": s.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": s.SESSION_COOKIE_HTTPONLY,
    "csrf_cookie_secure": s.CSRF_COOKIE_SECURE,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "http_status": insecure.status_code,
    "http_location": insecure.headers.get("Location"),
    "https_status": secure.status_code,
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "csp": secure.headers.get("Content-Security-Policy"),
    "x_frame_options": secure.headers.get("X-Frame-Options"),
    "permissions_policy": secure.headers.get("Permissions-Policy"),
    "probe_status": probe.status_code,
    "probe_body": probe.json(),
}))
"""


def test_production_sends_secure_cookies_hsts_and_redirects_to_https(tmp_path):
    # A subprocess: settings load once per process, and the test run uses test settings.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "SECRET_KEY": "production-probe-" + "k" * 50,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["session_cookie_secure"] is True
    assert probe["session_cookie_httponly"] is True
    assert probe["csrf_cookie_secure"] is True
    assert probe["ssl_redirect"] is True
    assert probe["http_status"] == 301
    assert probe["http_location"] == "https://testserver/account/inloggen/"
    assert probe["https_status"] == 200
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in probe["csp"]
    assert "unsafe-inline" not in probe["csp"] and "unsafe-eval" not in probe["csp"]
    assert probe["x_frame_options"] == "DENY"
    assert "camera=()" in probe["permissions_policy"]
    # /health/ needs neither https nor an allowed Host: probes call it by address.
    assert probe["probe_status"] == 200
    assert probe["probe_body"]["database"] == "ok"


# --- Every page sends a policy, also the answers of middleware -------------------------


@pytest.mark.parametrize("url", ["/api/redoc", "/verwijzingen", "/api/docs"])
def test_slash_redirects_carry_the_policy(db, url):
    # CommonMiddleware answers these itself; the CSP middleware once sat below it.
    response = Client().get(url)
    assert response.status_code == 301
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_redoc_page_sends_a_policy_with_scripts_from_self_only(db):
    response = Client().get("/api/redoc/")
    assert response.status_code == 200
    directives = [p.strip() for p in response.headers["Content-Security-Policy"].split(";")]
    # ReDoc alone may add inline styles (styled-components); nothing else is loosened.
    for directive in DIRECTIVES_REQUIRED:
        if not directive.startswith("style-src"):
            assert directive in directives, directive
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


# --- Person data is never stored by the browser ----------------------------------------

NO_STORE = "no-store, private"


def never_stored(response) -> bool:
    """no-store and private, as the middleware sets it or a never_cache view does."""
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_a_person_page_is_not_cached(client_for, poh_anna, participant_a):
    response = client_for(poh_anna).get(f"/deelnemers/{participant_a.pk}/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == NO_STORE


def test_an_api_list_is_not_cached(poh_anna, referral_a):
    from tests.api.conftest import token_for

    response = Client().get(
        "/api/v1/referrals/", HTTP_AUTHORIZATION=f"Bearer {token_for(poh_anna)}"
    )
    assert response.status_code == 200
    assert referral_a.participant.public_id in response.content.decode()
    assert response.headers["Cache-Control"] == NO_STORE


def test_a_fhir_read_is_not_cached(poh_anna, participant_a):
    from tests.api.conftest import token_for

    response = Client().get(
        f"/fhir/Patient/{participant_a.public_id}",
        HTTP_AUTHORIZATION=f"Bearer {token_for(poh_anna)}",
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == NO_STORE


def test_a_session_api_call_and_an_export_are_not_cached(client_for, poh_anna, participant_a):
    client = client_for(poh_anna)
    assert client.get("/api/v1/participants/").headers["Cache-Control"] == NO_STORE
    # A never_cache view keeps its own, stricter header.
    export = client.get(f"/deelnemers/{participant_a.pk}/gegevens.json")
    assert export.status_code == 200
    assert never_stored(export)
    assert export.headers["Cache-Control"].startswith("max-age=0")


def test_anonymous_public_pages_keep_their_caching(db):
    assert "Cache-Control" not in Client().get("/health/").headers
