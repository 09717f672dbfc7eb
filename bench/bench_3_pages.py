"""Bench 3: pages under load, over loopback, against gunicorn with the bench settings.

20 concurrent clients (asyncio + httpx), each with its own two-factor-verified session
(made server-side, as tests/conftest.py ``client_for`` does) and its own CSRF token:

- the coordinator's dashboard (``/dashboard/``), as the coordinator of the demo region;
- the POH's referral list (``/verwijzingen/``) of the demo practice that holds most of
  the scale data's referrals;
- the referral form submit (POST ``/verwijzingen/nieuw/``, a new participant each
  time; a success is the redirect to the new referral);
- the experience expert's worklist (``/werklijst/``), of an expert with an expert's caseload;
- the quarterly report (``/dashboard/rapport/``) as a municipality's policy officer;
- the floor: a signed-in, trivial page (the accessibility statement, ``/toegankelijkheid/``,
  as the POH: the layout with her menu and its counts, through the same middleware).

The targets are CPU per request (the gunicorn workers plus the PostgreSQL backends of
the bench database), as a multiple of the floor's CPU per request measured in the same
run: what a page costs beyond what any signed-in page costs, whatever else competes for
the cores. The p95 latency of the dashboard and of the submit is still judged against
its own target, next to the load average, because it is what a user waits.

Each client behaves like a user (and like a locust user with ``wait_time = between(0.5,
1.5)``): a request, then a think time of 0.5 to 1.5 s, so 20 clients offer about 20
requests a second. Per page: a warm-up, then BENCH_REQUESTS requests (default 600) spread
over the clients; the targets apply to these. Then, for information, the same page with
no think time at all (20 requests always in flight): the saturation throughput of the
machine, where latency is just queueing (20 / throughput). Any status other than the
expected one, or a transport error, is an error.
The participants the submits created are removed afterwards (the audit log keeps its
rows: it is append-only).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

from _common import (
    ROOT,
    cpu_used,
    machine,
    pids_where,
    process_cpu_seconds,
    setup_django,
    verdict,
)

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "600"))
SATURATION_REQUESTS = int(os.environ.get("BENCH_SATURATION_REQUESTS", "200"))
THINK_SECONDS = (0.5, 1.5)
# The pages to run, comma-separated (default: all); the floor always runs.
PAGES = [p for p in os.environ.get("BENCH_PAGES", "").split(",") if p]
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
POH_EMAIL = "anna.poh@voorzorg.example"
COORDINATOR_EMAIL = "cor.coordinator@voorzorg.example"
# Not the team lead Eva: the scale data gives each of her colleagues and her about 1,100
# people in bridging care (their profiles say at most 5 to 8), a worklist of 3,700 rows that
# no expert has. Noor has what an expert has: a few people and her groups.
EXPERT_EMAIL = "noor.expert@voorzorg.example"
MUNICIPALITY_EMAIL = "gerda.gemeente@voorzorg.example"
BENCH_EMAIL_DOMAIN = "bench.voorzorg.example"
# Cache, broker and results of the gunicorn under test, all in one database of their own.
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '12')}"
APP_NAME = "voorzorg-bench-3"
TARGETS_MS = {
    "floor": None,
    "dashboard": 150.0,
    "referral_list": None,
    "referral_submit": 200.0,
    "expert_worklist": None,
    "municipality_report": None,
}
# CPU per request as a multiple of the floor's (gunicorn + PostgreSQL, same run).
CPU_TARGETS = {
    "dashboard": 2.0,
    "referral_list": 2.5,
    "referral_submit": 3.0,
    "expert_worklist": 2.5,
    "municipality_report": 2.0,
}
# The pages read with GET: name -> path.
GET_PAGES = {
    "floor": "/toegankelijkheid/",
    "dashboard": "/dashboard/",
    "referral_list": "/verwijzingen/",
    "expert_worklist": "/werklijst/",
    "municipality_report": "/dashboard/rapport/",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def verified_sessions(email: str, count: int) -> list[str]:
    """``count`` session keys of ``email``, past both factors (password and app)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from voorzorg.accounts.models import User

    user = User.objects.get(email=email)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        keys.append(session.session_key)
    return keys


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def flush_redis() -> None:
    import redis

    # Our own database: no figures cached and no message queued by an earlier run.
    redis.Redis.from_url(REDIS_URL).flushdb()


def start_server(
    port: int, *, with_redis: bool = False, app_name: str = APP_NAME
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "voorzorg.settings.bench",
        # Names its database connections (libpq), so that only they are counted.
        "PGAPPNAME": app_name,
    }
    if with_redis:
        # As production: the cache shared by the workers, and a broker, so that what a
        # request queues (the submit's notification e-mail) is handed over, not run in
        # the request as Celery's eager mode would. No worker runs it: its CPU is not
        # the request's, and bench 6 measures a worker.
        env.update(REDIS_URL=REDIS_URL, REDIS_CACHE_URL=REDIS_URL, CELERY_RESULT_URL=REDIS_URL)
    server = subprocess.Popen(  # noqa: S603 - fixed arguments, no outside input
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "voorzorg.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


async def run_scenario(
    base: str, name: str, sessions: list[str], requests: int, *, think: bool = True
) -> dict:
    import random

    import httpx

    rng = random.Random(8)  # noqa: S311 - think times, reproducible
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))
    today = time.strftime("%Y-%m-%d")
    # Each run registers people of its own: the warm-up, the measured run and the
    # saturation run all count from 0, and a repeated e-mail address is a possible
    # duplicate, which answers with the form (200) instead of saving.
    run = f"{time.monotonic_ns():x}"

    async def client_loop(number: int, session_key: str) -> None:
        async with httpx.AsyncClient(
            base_url=base, cookies={"sessionid": session_key}, timeout=30
        ) as client:
            token = ""
            if name == "referral_submit":
                try:
                    form = await client.get("/verwijzingen/nieuw/")
                except httpx.HTTPError as exc:
                    errors.append(f"form GET {type(exc).__name__}")
                    return
                found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
                if form.status_code != 200 or not found:
                    errors.append(f"form GET {form.status_code}")
                    return
                token = found.group(1)
            if think:
                # Users arrive spread over the first think time, not all in the same
                # millisecond (locust spawns them at a rate the same way).
                await asyncio.sleep(rng.uniform(0, THINK_SECONDS[1]))
            for index in counter:
                started = time.perf_counter()
                try:
                    if name in GET_PAGES:
                        response = await client.get(GET_PAGES[name])
                        ok = response.status_code == 200
                    else:
                        response = await client.post(
                            "/verwijzingen/nieuw/",
                            data={
                                "csrfmiddlewaretoken": token,
                                "given_name": "Bench",
                                "family_name": f"Deelnemer {run}-{number}-{index}",
                                # No shared phone number: each would be a possible
                                # duplicate of the last (the e-mail is her own).
                                "phone": "",
                                "email": f"b{run}-{number}-{index}@{BENCH_EMAIL_DOMAIN}",
                                "postcode4": "9711",
                                "target_group": "volwassene",
                                "consent_processing": "on",
                                "referral_date": today,
                                "help_question": "Somber, geen werk meer; wil lotgenoten.",
                                "life_domains": ["werk", "sociale_relaties"],
                                "urgency": "normal",
                                "care_level": "gb-ggz",
                            },
                            headers={"Referer": f"{base}/verwijzingen/nieuw/"},
                        )
                        ok = response.status_code == 302 and "/verwijzingen/" in (
                            response.headers.get("location", "")
                        )
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                if not ok:
                    errors.append(str(response.status_code))
                if think:
                    await asyncio.sleep(rng.uniform(*THINK_SECONDS))

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(i, key) for i, key in enumerate(sessions)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "n": len(latencies),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "rps": len(latencies) / elapsed,
        "errors": errors,
    }


def bench_backends() -> list[int]:
    """Process ids of the PostgreSQL backends of this bench's gunicorn (by their
    application name): not other clients of the same database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND application_name = %s",
            [APP_NAME],
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    connection.close()
    return pids


def cleanup(*, outbox_after: int | None = None) -> None:
    """Remove what the submits made: their people with their referrals, and the
    notifications about them; ``outbox_after``: also the outbox messages recorded after
    that id (nobody else writes to the bench database while bench 3 runs)."""
    from groups.models import Contact
    from participants.models import Consent, Participant
    from referrals.models import Referral, ReferralEvent
    from voorzorg.core.models import OutboxMessage
    from voorzorg.notifications.models import Notification

    people = Participant.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
    Notification.objects.filter(
        person_id__in=list(people.values_list("public_id", flat=True))
    ).delete()
    if outbox_after is not None:
        OutboxMessage.objects.filter(pk__gt=outbox_after).delete()
    ReferralEvent.objects.filter(referral__participant__in=people).delete()
    Referral.objects.filter(participant__in=people).delete()
    Consent.objects.filter(participant__in=people).delete()
    Contact.objects.filter(participant__in=people).delete()
    people.delete()


def cpu_ratio_lines(results: dict[str, dict]) -> tuple[list[str], bool]:
    """The CPU of each page against its multiple of the floor's: RATIO lines, and
    whether all were met. ratio = measured / (target x floor); OK when <= 1."""
    floor = sum(results["floor"]["cpu_ms"])
    lines = [f"CPU floor (a signed-in trivial page) = {floor:.1f} ms per request"]
    ok = floor > 0
    for name, target in CPU_TARGETS.items():
        if name not in results:
            continue
        r = results[name]
        measured = sum(r["cpu_ms"])
        ratio = measured / (target * floor) if floor > 0 else float("inf")
        good = ratio <= 1 and not r["errors"]
        ok &= good
        lines.append(
            f"RATIO {name} cpu/floor/target = {ratio:.2f} ({measured:.1f} ms = "
            f"{measured / floor if floor else float('inf'):.2f} x floor {floor:.1f} ms, "
            f"target <= {target:g} x, errors={len(r['errors'])}) {verdict(good)}"
        )
    return lines, ok


def main() -> int:
    setup_django()
    from django.db import connection

    from referrals.models import Referral, WaitingEpisode
    from voorzorg.core.models import OutboxMessage

    cleanup()
    outbox_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
    with_redis = redis_reachable()
    if with_redis:
        flush_redis()
    episodes = WaitingEpisode.objects.count()
    listed = Referral.objects.filter(gp_practice__agb_code="01990001").count()
    poh = verified_sessions(POH_EMAIL, CLIENTS)
    coordinator = verified_sessions(COORDINATOR_EMAIL, CLIENTS)
    expert = verified_sessions(EXPERT_EMAIL, CLIENTS)
    municipality = verified_sessions(MUNICIPALITY_EMAIL, CLIENTS)
    connection.close()
    port = free_port()
    server = start_server(port, with_redis=with_redis)
    base = f"http://127.0.0.1:{port}"
    print(
        f"bench 3: {CLIENTS} clients, {REQUESTS} requests per page, gunicorn "
        f"{WORKERS} sync workers, {episodes} episodes, {listed} referrals in the POH's list"
    )
    print(
        f"  Redis at {REDIS_URL} as cache and broker, no worker (as production's web tier)"
        if with_redis
        else f"  no Redis at {REDIS_URL}: per-process cache, and Celery runs what a request "
        "queues inside it (eager), which production does not"
    )
    print(f"  machine at the start: {machine()}")
    results: dict[str, dict] = {}
    saturated: dict[str, dict] = {}
    try:
        for name, sessions in (
            ("floor", poh),
            ("dashboard", coordinator),
            ("referral_list", poh),
            ("referral_submit", poh),
            ("expert_worklist", expert),
            ("municipality_report", municipality),
        ):
            if PAGES and name != "floor" and name not in PAGES:
                continue
            # Warm-up: every worker imports, compiles templates, opens its connection.
            asyncio.run(run_scenario(base, name, sessions, 4 * WORKERS, think=False))
            workers = pids_where(lambda _pid, _name, parent: parent == server.pid)
            postgres = bench_backends()
            before = process_cpu_seconds(workers), process_cpu_seconds(postgres)
            client_before = time.process_time()
            results[name] = asyncio.run(run_scenario(base, name, sessions, REQUESTS))
            client_ms = 1000 * (time.process_time() - client_before)
            # CPU per request on the server side: what a request costs whatever else
            # competes for the cores (the latencies are what it costs here, now).
            n = results[name]["n"] or 1
            results[name]["client_ms"] = client_ms / n
            results[name]["cpu_ms"] = (
                1000 * cpu_used(before[0], process_cpu_seconds(workers)) / n,
                # The backends connected to the bench database (gunicorn keeps its
                # connections: CONN_MAX_AGE), not other databases on the same server.
                1000 * cpu_used(before[1], process_cpu_seconds(bench_backends())) / n,
            )
            results[name]["load"] = os.getloadavg()[0]
            saturated[name] = asyncio.run(
                run_scenario(base, name, sessions, SATURATION_REQUESTS, think=False)
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        cleanup(outbox_after=outbox_before or 0)
        if with_redis:
            flush_redis()

    ok = True
    print(f"  with think time {THINK_SECONDS[0]}-{THINK_SECONDS[1]} s (the targets):")
    for name, r in results.items():
        target = TARGETS_MS[name]
        errors = len(r["errors"])
        line = (
            f"  {name:<20} n={r['n']:>5}  p50={r['p50']:7.1f} ms  p95={r['p95']:7.1f} ms  "
            f"max={r['max']:7.1f} ms  {r['rps']:6.1f} req/s  errors={errors}"
        )
        if r["errors"]:
            line += f" ({', '.join(sorted(set(r['errors']))[:5])})"
        print(line)
        app_ms, db_ms = r["cpu_ms"]
        print(
            f"  {'':<20} CPU per request: gunicorn {app_ms:.1f} ms + postgres {db_ms:.1f} ms"
            f" (+ {r['client_ms']:.0f} ms in this load client, on the same cores);"
            f" load average {r['load']:.1f} after it"
        )
        ok &= errors == 0 and (target is None or r["p95"] <= target)
    print(f"  saturation, no think time ({CLIENTS} requests always in flight; information):")
    for name, r in saturated.items():
        print(
            f"  {name:<20} n={r['n']:>5}  p50={r['p50']:7.1f} ms  p95={r['p95']:7.1f} ms  "
            f"{r['rps']:6.1f} req/s  errors={len(r['errors'])}"
        )
        ok &= not r["errors"]
    print(f"  machine at the end: {machine()}")
    for name, r in results.items():
        target = TARGETS_MS[name]
        if target is None:
            print(
                f"P95 {name} = {r['p95']:.1f} ms (no target) errors={len(r['errors'])} "
                f"{verdict(not r['errors'])}"
            )
            continue
        good = r["p95"] <= target and not r["errors"]
        print(
            f"RATIO {name} p95/target = {r['p95'] / target:.2f} "
            f"({r['p95']:.1f} ms, target <= {target:.0f} ms, errors={len(r['errors'])}, "
            f"load average {r['load']:.1f}) {verdict(good)}"
        )
    lines, cpu_ok = cpu_ratio_lines(results)
    print("\n".join(lines))
    return 0 if ok and cpu_ok else 1


if __name__ == "__main__":
    sys.exit(main())
