"""``make proxy-check``: the web app behind the TLS proxy of docker-compose.yml, on this machine.

Starts the app with production settings under gunicorn by ``docker/start-web.sh`` (its
flags, and whatever a later change adds to them), with ``TRUSTED_PROXY_COUNT=1`` as web
has in compose, and Debian's ``caddy`` in front of it with the repository's own
``docker/Caddyfile`` (``SITE_ADDRESS=localhost:<port>``, ``tls internal``, the upstream on
127.0.0.1). Then, with httpx, it checks through the proxy and around it:

1. The client address that django-axes (a failed sign-in) and the access log (an
   administrator signed in with both factors opens the access log) record is the
   client's, 127.0.0.2 (the client's socket is bound there, so it differs from the
   proxy's 127.0.0.1), not the ``X-Forwarded-For: 203.0.113.9`` the client sends. Also
   around the proxy, straight at gunicorn with the same forged header: here
   ``TRUSTED_PROXY_CIDRS=127.0.0.1/32`` makes the header count only from the proxy.
2. ``/health/`` (and ``/health/live/``, ``/health/ready/`` when this build has them; a 404
   through the proxy reports them as skipped) answers 200 through the proxy and directly,
   without a made-up Host or X-Forwarded-Proto.
3. Plain http on the proxy's port 80 equivalent redirects to https.
4. Request ids: the proxy replaces the client's X-Request-ID with its own; when the app
   writes JSON logs, a log line carries the id the response answered. A build without
   them reports "skipped".
5. The rate limit of the public self-registration (``/aanmelden/``, 5 stored per client
   address per hour) counts the client's address, not the proxy's nor a forged one: from
   127.0.0.2, through the proxy, each submission with another ``X-Forwarded-For:
   203.0.113.N``, the first 5 are stored (302 to the done page, an audit row with
   127.0.0.2) and the 6th gets 429, as does one more straight at gunicorn with a forged
   header (Caddy drops the client's header, so that one tests the application's own
   refusal); then one from 127.0.0.3 (another client behind the same proxy) is still
   stored. Without a second loopback address that row is skipped.

Prints a table and exits 1 when a check fails (2 when it cannot run: no caddy). Installs
nothing. The database is a temporary SQLite file (PROXY_CHECK_DATABASE_URL for another:
it gets migrated and the demo data), ``collectstatic`` writes ``staticfiles/`` as the image
build does, and gunicorn listens on 0.0.0.0:<free port> for the minute the check takes,
with one worker (see GUNICORN_WORKERS below).

Why one module: one run against one harness. The helpers that start and stop gunicorn
and Caddy and read the database (``Django``, ``free_port``, ``wait_until``, ``stop``) serve
only this check, each ``check_*`` is one numbered item above, and ``main`` runs them all
against the app and proxy it started. When it grows, move the harness to a
``bench/_proxy.py`` beside ``_common.py`` and keep the checks here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLIENT_ADDRESS = "127.0.0.2"  # the client's side of every request
PROXY_ADDRESS = "127.0.0.1"  # where Caddy connects to gunicorn from
FORGED = "203.0.113.9"  # TEST-NET-3: what a client claims in X-Forwarded-For
OTHER_CLIENT_ADDRESS = "127.0.0.3"  # a second client behind the same proxy
ADMIN = "ada.admin@voorzorg.example"  # a demo administrator (voorzorg/devdata/demo_world.py)
LOGIN = "/account/inloggen/"
SELF_REGISTER = "/aanmelden/"
SELF_REGISTER_DONE = "/aanmelden/bedankt/"
REQUEST_ID_KEYS = ("request_id", "correlation_id", "guid", "x_request_id")


@dataclass
class Result:
    check: str
    expected: str
    seen: str
    verdict: str  # "ok", "skipped" or "FAILED"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def loopback_alias_works(address: str) -> bool:
    try:
        with socket.socket() as sock:
            sock.bind((address, 0))
    except OSError:
        return False
    return True


def wait_until(test: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if test():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise SystemExit(f"{what} did not come up within {seconds:.0f} s.\n{tail}")


def manage(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not found:
        raise RuntimeError("no CSRF token in the sign-in page")
    return found.group(1)


def failed_sign_in(
    client: httpx.Client, base: str, email: str, headers: dict[str, str], origin: str
) -> int:
    """A wrong password for ``email``. The CSRF cookie is sent by hand, so that it also goes
    over plain http (a Secure cookie, which httpx keeps to https), and the Origin is the
    one Django expects of a request it takes for https."""
    page = client.get(f"{base}{LOGIN}", headers=headers)
    token = csrf_token(page.text)
    cookie = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    response = client.post(
        f"{base}{LOGIN}",
        data={
            "csrfmiddlewaretoken": token,
            "login-current_step": "auth",
            "auth-username": email,
            "auth-password": "not-the-password",
        },
        headers={**headers, "Cookie": f"csrftoken={cookie}", "Origin": origin},
    )
    return response.status_code


class Django:
    """The check's own view of the database (development settings, same DATABASE_URL)."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "voorzorg.settings.base"})
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def authenticator(self, email: str):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from voorzorg.accounts.models import User

        user = User.objects.get(email=email)
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="default", defaults={"confirmed": True}
        )
        return device

    def code(self, device) -> str:
        """The current code, of a later time step than the last one used: django-otp
        refuses a step twice, and with a kept PROXY_CHECK_DATABASE_URL the previous run
        may have signed in less than a step ago."""
        from django_otp.oath import TOTP

        device.refresh_from_db()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        while totp.t() <= device.last_t:
            time.sleep(1)
        return str(totp.token()).zfill(device.digits)

    def axes_addresses(self, email: str) -> list[str]:
        from axes.models import AccessAttempt

        rows = AccessAttempt.objects.filter(username=email.lower())
        return sorted({row.ip_address for row in rows})

    def audit_view_addresses(self, email: str, since_id: int) -> list[str]:
        from voorzorg.audit.models import AccessLog

        rows = AccessLog.objects.filter(actor_label=email, event="audit.view", id__gt=since_id)
        return sorted({str(row.client_address) for row in rows})

    def self_registration_addresses(self, since_id: int) -> list[str]:
        """The client address of every stored self-registration after ``since_id``."""
        from voorzorg.audit.models import AccessLog

        rows = AccessLog.objects.filter(
            event__startswith="referral.self_register:", id__gt=since_id
        ).order_by("id")
        return [str(row.client_address) for row in rows]

    def self_registration_limit(self) -> tuple[int, int]:
        """The self-registration rate limit as (count, seconds), from the view itself."""
        from django_ratelimit.core import _split_rate

        from referrals.views.public import RATE

        return _split_rate(RATE)

    def seconds_left_in_window(self, address: str, period: int) -> float:
        """Until django-ratelimit starts a new count for ``address``. Its windows end at
        an offset per key, not on the hour. Private API: when it moved, no wait."""
        try:
            from django_ratelimit.core import _get_window

            return _get_window(address, period) - time.time()
        except (ImportError, TypeError):
            return float("inf")

    def adult_target_group(self) -> str:
        from participants.constants import TargetGroup

        return TargetGroup.ADULT.value

    def last_audit_id(self) -> int:
        from voorzorg.audit.models import AccessLog

        return AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def verdict(ok: bool) -> str:
    return "ok" if ok else "FAILED"


def check_addresses(
    db: Django, proxied: httpx.Client, direct: httpx.Client, site: str, app: str, client_ip: str
) -> list[Result]:
    results = []
    forged = {"X-Forwarded-For": FORGED}

    email = f"proxy-check-{secrets.token_hex(4)}@example.invalid"
    status = failed_sign_in(proxied, site, email, forged, origin=site)
    seen = db.axes_addresses(email)
    results.append(
        Result(
            "failed sign-in through the proxy, forged XFF: axes address",
            client_ip,
            ", ".join(seen) or f"no attempt recorded (HTTP {status})",
            verdict(seen == [client_ip]),
        )
    )

    email = f"proxy-check-{secrets.token_hex(4)}@example.invalid"
    # Around the proxy: gunicorn directly, claiming https and a forged client address.
    claims_https = {**forged, "X-Forwarded-Proto": "https"}
    status = failed_sign_in(direct, app, email, claims_https, origin=app.replace("http:", "https:"))
    seen = db.axes_addresses(email)
    results.append(
        Result(
            "failed sign-in around the proxy, forged XFF: axes address",
            client_ip,
            ", ".join(seen) or f"no attempt recorded (HTTP {status})",
            verdict(seen == [client_ip]),
        )
    )

    # Both factors, through the proxy, then the access log: its "audit.view" row.
    from voorzorg.devdata.demo_world import DEMO_PASSWORD

    device = db.authenticator(ADMIN)
    since = db.last_audit_id()
    page = proxied.get(f"{site}{LOGIN}", headers=forged)
    origin = {"Origin": site, **forged}
    password_step = proxied.post(
        f"{site}{LOGIN}",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "login-current_step": "auth",
            "auth-username": ADMIN,
            "auth-password": DEMO_PASSWORD,
        },
        headers=origin,
    )
    code_step = proxied.post(
        f"{site}{LOGIN}",
        data={
            "csrfmiddlewaretoken": csrf_token(password_step.text),
            "login-current_step": "token",
            "token-otp_token": db.code(device),
        },
        headers=origin,
    )
    log_page = proxied.get(f"{site}/beheer/audit/", headers=forged)
    seen = db.audit_view_addresses(ADMIN, since)
    results.append(
        Result(
            "admin opens the access log through the proxy: logged address",
            client_ip,
            ", ".join(seen)
            or (
                f"no audit.view row (sign-in HTTP {password_step.status_code},"
                f" {code_step.status_code}; log page {log_page.status_code})"
            ),
            verdict(seen == [client_ip]),
        )
    )
    return results


def self_register(
    client: httpx.Client, base: str, data: dict[str, str], headers: dict[str, str], origin: str
) -> tuple[int, str]:
    """One valid self-registration: the answer's status and Location. The CSRF cookie goes
    by hand, as in ``failed_sign_in``, so that it also travels over plain http."""
    page = client.get(f"{base}{SELF_REGISTER}", headers=headers)
    cookie = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    response = client.post(
        f"{base}{SELF_REGISTER}",
        data={**data, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={**headers, "Cookie": f"csrftoken={cookie}", "Origin": origin},
    )
    return response.status_code, response.headers.get("location", "")


def check_rate_limit(db: Django, site: str, app: str, client_ip: str) -> list[Result]:
    """The self-registration limit counts the client's address, behind the proxy too.

    Each submission forges another X-Forwarded-For, as a spam run would to step around a
    limit on that header; the count stays with the address the proxy saw. Caddy already
    drops a client's own X-Forwarded-For, so one more forged submission goes around the
    proxy, straight at gunicorn: there the application itself must refuse the header
    (TRUSTED_PROXY_CIDRS). A second client address then shows that the limit is per
    client, not one for everyone behind the proxy. Each client is a new httpx client:
    no cookies of the sign-ins above.
    """
    limit, period = db.self_registration_limit()
    # The count restarts when django-ratelimit's window for this address ends; a run
    # that straddled that moment would see a 302 for the last submission. Rare (a few
    # seconds in an hour), but then wait for the new window instead of failing.
    left = db.seconds_left_in_window(client_ip, period)
    if left < 30:
        time.sleep(left + 1)

    transport = httpx.HTTPTransport(local_address=client_ip, verify=False)
    with httpx.Client(transport=transport, timeout=30) as client:
        form = client.get(f"{site}{SELF_REGISTER}")
        # A municipality with a bridging team: the form offers only those.
        select = re.search(r'<select name="municipality".*?</select>', form.text, re.S)
        choices = re.findall(r'<option value="(\d+)"', select.group(0)) if select else []
        if not choices:
            return [
                Result(
                    "self-registration: the form offers a municipality",
                    "one or more",
                    f"none (HTTP {form.status_code} on {SELF_REGISTER})",
                    "FAILED",
                )
            ]
        data = {
            "given_name": "Proxy",
            "family_name": "Check",
            "phone": "06 12345678",
            "municipality": choices[0],
            "target_group": db.adult_target_group(),
            "help_question": "A rate-limit check of make proxy-check.",
            "consent_processing": "on",
            "website": "",
        }
        since = db.last_audit_id()
        answers = [
            self_register(client, site, data, {"X-Forwarded-For": f"203.0.113.{n}"}, site)
            for n in range(1, limit + 2)
        ]
    # Around the proxy, claiming https and yet another address. Not when the client has
    # to use the proxy's own address: from there the header is rightly believed.
    around_forged = f"203.0.113.{limit + 2}"
    around = None
    if client_ip != PROXY_ADDRESS:
        claims = {"X-Forwarded-For": around_forged, "X-Forwarded-Proto": "https"}
        transport = httpx.HTTPTransport(local_address=client_ip)
        with httpx.Client(transport=transport, timeout=30) as direct:
            around, _ = self_register(direct, app, data, claims, app.replace("http:", "https:"))

    stored, over = answers[:limit], answers[limit]
    results = [
        Result(
            f"self-registrations 1-{limit} through the proxy, XFF 203.0.113.1-{limit}",
            f"302 to {SELF_REGISTER_DONE}",
            " ".join(str(status) for status, _ in stored),
            verdict(
                all(
                    status == 302 and location.endswith(SELF_REGISTER_DONE)
                    for status, location in stored
                )
            ),
        ),
        Result(
            f"self-registration {limit + 1}, XFF 203.0.113.{limit + 1}: rate-limited",
            "429",
            str(over[0]),
            verdict(over[0] == 429),
        ),
        Result(
            f"self-registration around the proxy, XFF {around_forged}: rate-limited",
            "429",
            str(around) if around else "client at the proxy's address",
            verdict(around == 429) if around else "skipped",
        ),
    ]

    expected = [client_ip] * limit
    if client_ip != PROXY_ADDRESS and loopback_alias_works(OTHER_CLIENT_ADDRESS):
        transport = httpx.HTTPTransport(local_address=OTHER_CLIENT_ADDRESS, verify=False)
        with httpx.Client(transport=transport, timeout=30) as other:
            status, location = self_register(
                other, site, data, {"X-Forwarded-For": f"203.0.113.{limit + 3}"}, site
            )
        results.append(
            Result(
                f"self-registration from {OTHER_CLIENT_ADDRESS} through the proxy",
                f"302 to {SELF_REGISTER_DONE}",
                str(status),
                verdict(status == 302 and location.endswith(SELF_REGISTER_DONE)),
            )
        )
        expected.append(OTHER_CLIENT_ADDRESS)
    else:
        results.append(
            Result(
                f"self-registration from {OTHER_CLIENT_ADDRESS} through the proxy",
                "302",
                "no second loopback address",
                "skipped",
            )
        )

    seen = db.self_registration_addresses(since)
    results.append(
        Result(
            "stored self-registrations: addresses in the audit log",
            count_addresses(expected),
            count_addresses(seen) or "none",
            verdict(seen == expected),
        )
    )
    return results


def count_addresses(addresses: list[str]) -> str:
    """``["a", "a", "b"]`` as ``2 x a, 1 x b``, in order of first appearance."""
    counts = {address: addresses.count(address) for address in dict.fromkeys(addresses)}
    return ", ".join(f"{n} x {address}" for address, n in counts.items())


def check_health(proxied: httpx.Client, direct: httpx.Client, site: str, app: str) -> list[Result]:
    results = []
    for path in ("/health/", "/health/live/", "/health/ready/"):
        through = proxied.get(f"{site}{path}")
        if through.status_code == 404 and path != "/health/":
            results.append(
                Result(f"{path} through the proxy and directly", "200", "404", "skipped")
            )
            continue
        # Directly: gunicorn's own address as Host, plain http, no forwarded headers.
        around = direct.get(f"{app}{path}")
        seen = f"{through.status_code} / {around.status_code}"
        results.append(
            Result(
                f"{path} through the proxy / directly",
                "200 / 200",
                seen,
                verdict(through.status_code == around.status_code == 200),
            )
        )
    return results


def check_redirect(client_ip: str, http_port: int) -> Result:
    transport = httpx.HTTPTransport(local_address=client_ip)
    with httpx.Client(transport=transport, follow_redirects=False, timeout=10) as plain:
        response = plain.get(f"http://localhost:{http_port}/health/")
    location = response.headers.get("location", "")
    return Result(
        "plain http to the proxy",
        "redirect to https",
        f"{response.status_code} {location}",
        verdict(response.status_code in (301, 302, 307, 308) and location.startswith("https://")),
    )


def check_request_ids(proxied: httpx.Client, site: str, log: Path) -> list[Result]:
    sent = str(uuid.uuid4())
    response = proxied.get(f"{site}/proxy-check-not-found/", headers={"X-Request-ID": sent})
    answered = response.headers.get("x-request-id", "")
    if not answered:
        return [
            Result(
                "X-Request-ID: the proxy's, not the client's",
                "a new id",
                "no X-Request-ID in the response",
                "skipped",
            )
        ]
    results = [
        Result(
            "X-Request-ID: the proxy's, not the client's",
            "a new id",
            answered,
            verdict(answered != sent and bool(re.fullmatch(r"[0-9a-f-]{32,36}", answered))),
        )
    ]
    time.sleep(0.5)  # let gunicorn's workers flush their log lines
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            lines.append(record)
    if not lines:
        results.append(
            Result("JSON log line with the request id", answered, "no JSON logs", "skipped")
        )
        return results
    wanted = {answered, answered.replace("-", "")}
    found = [r for r in lines if any(str(r.get(key, "")) in wanted for key in REQUEST_ID_KEYS)]
    results.append(
        Result(
            "JSON log line with the request id",
            answered,
            f"{len(found)} of {len(lines)} JSON lines",
            verdict(bool(found)),
        )
    )
    return results


def print_table(results: list[Result]) -> None:
    widths = [max(len(getattr(r, f)) for r in results) for f in ("check", "expected", "seen")]
    widths = [max(w, len(h)) for w, h in zip(widths, ("CHECK", "EXPECTED", "SEEN"), strict=True)]
    header = ("CHECK", "EXPECTED", "SEEN", "")
    for row in [header, *((r.check, r.expected, r.seen, r.verdict) for r in results)]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    caddy = shutil.which("caddy")
    if caddy is None:
        print("proxy-check needs Caddy: apt-get install caddy (Debian has 2.6).", file=sys.stderr)
        return 2
    client_ip = CLIENT_ADDRESS if loopback_alias_works(CLIENT_ADDRESS) else PROXY_ADDRESS
    work = Path(tempfile.mkdtemp(prefix="voorzorg-proxy-check-"))
    app_port, https_port, http_port = free_port(), free_port("0.0.0.0"), free_port("0.0.0.0")  # noqa: S104
    database = os.environ.get("PROXY_CHECK_DATABASE_URL") or f"sqlite:///{work}/db.sqlite3"
    base_env = {
        "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(work)),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "REDIS_URL": "",
    }
    app_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.production",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "EMAIL_URL": "consolemail://",
        # As web in docker-compose.yml, plus the proxy's own address.
        "TRUSTED_PROXY_COUNT": "1",
        "TRUSTED_PROXY_CIDRS": f"{PROXY_ADDRESS}/32",
        "FORWARDED_ALLOW_IPS": PROXY_ADDRESS,
        "PORT": str(app_port),
        # One worker: the self-registration rate limit lives in the Django cache, which
        # without REDIS_URL is local memory per worker, so with two workers the count
        # would be split between them (production.py: "N times looser"). One worker
        # makes the limit exact without Redis: the check needs no Redis server, and no
        # counts survive a run in a shared store to spoil the next run within the hour.
        "GUNICORN_WORKERS": "1",
        # JSON logs, when this build has them (ignored otherwise).
        "LOG_FORMAT": "json",
    }
    gunicorn = caddy_process = None
    app_log, proxy_log = work / "gunicorn.log", work / "caddy.log"
    started = time.perf_counter()
    try:
        print("setting up: collectstatic, migrate, demo data ...", flush=True)
        manage(["collectstatic", "--noinput", "-v", "0"], app_env)
        manage(["migrate", "--noinput", "-v", "0"], app_env)
        manage(["seed_demo"], {**base_env, "DJANGO_SETTINGS_MODULE": "voorzorg.settings.base"})
        db = Django(base_env)
        # The check's own HTTP requests are not worth a log line each.
        logging.getLogger("httpx").setLevel(logging.WARNING)

        with app_log.open("w") as log:
            gunicorn = subprocess.Popen(  # noqa: S603
                [str(ROOT / "docker" / "start-web.sh")],
                cwd=ROOT,
                env=app_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        app = f"http://127.0.0.1:{app_port}"
        wait_until(lambda: httpx.get(f"{app}/health/").status_code == 200, 60, "gunicorn", app_log)

        caddy_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(work),
            "XDG_DATA_HOME": str(work / "caddy-data"),
            "XDG_CONFIG_HOME": str(work / "caddy-config"),
            "SITE_ADDRESS": f"localhost:{https_port}",
            "SITE_TLS": "internal",
            "UPSTREAM": f"127.0.0.1:{app_port}",
            "CADDY_ADMIN": "off",
            "HTTP_PORT": str(http_port),
            "HTTPS_PORT": str(https_port),
        }
        with proxy_log.open("w") as log:
            caddy_process = subprocess.Popen(  # noqa: S603
                [
                    caddy,
                    "run",
                    "--config",
                    str(ROOT / "docker" / "Caddyfile"),
                    "--adapter",
                    "caddyfile",
                ],
                cwd=work,
                env=caddy_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        site = f"https://localhost:{https_port}"
        # Caddy's own local authority, which nothing here trusts: no verification.
        proxied_transport = httpx.HTTPTransport(local_address=client_ip, verify=False)
        direct_transport = httpx.HTTPTransport(local_address=client_ip)
        with (
            httpx.Client(transport=proxied_transport, timeout=30) as proxied,
            httpx.Client(transport=direct_transport, timeout=30) as direct,
        ):
            wait_until(
                lambda: proxied.get(f"{site}/health/").status_code == 200, 30, "caddy", proxy_log
            )
            results = check_health(proxied, direct, site, app)
            results.append(check_redirect(client_ip, http_port))
            results += check_addresses(db, proxied, direct, site, app, client_ip)
            results += check_rate_limit(db, site, app, client_ip)
            results += check_request_ids(proxied, site, app_log)
    finally:
        stop(caddy_process)
        stop(gunicorn)

    print()
    print_table(results)
    if client_ip == PROXY_ADDRESS:
        print(f"\nnote: {CLIENT_ADDRESS} cannot be bound here; the client used {PROXY_ADDRESS}.")
    print(
        "\nnote: docker-compose.yml sets no TRUSTED_PROXY_CIDRS; there web's port is not"
        " published, so only containers in the compose network can reach it around the proxy."
    )
    failed = [r for r in results if r.verdict == "FAILED"]
    print(f"\n{len(results) - len(failed)} of {len(results)} checks passed or skipped", end="")
    print(f" in {time.perf_counter() - started:.0f} s.")
    if failed:
        print(f"\ngunicorn's log ({app_log}):\n{app_log.read_text(errors='replace')[-3000:]}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
