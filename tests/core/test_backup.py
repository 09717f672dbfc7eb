"""The backup scripts in ops/ do what docs/operations.md says.

Without PostgreSQL: the scripts parse, a database URL becomes the right PG* variables,
the verdict of ops/_compare.awk catches every kind of difference, and the scripts refuse
bad input before they touch a database. On PostgreSQL (DATABASE_URL set): a real round
trip on the test database, whose committed access-log rows must come back, a restore over
a database that is not empty is refused, and old dumps are removed by age. CI also runs
the whole drill on a deployment-like database (ops/ci-backup-check.sh).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from voorzorg.audit.models import AccessLog, AuditAction
from voorzorg.audit.services import audit_log

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "ops"
BASH = shutil.which("bash") or "/bin/bash"
SCRIPTS = ["backup.sh", "restore.sh", "verify-backup.sh", "ci-backup-check.sh"]

needs_pg_client = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
    reason="needs the PostgreSQL client programs (apt-get install postgresql-client)",
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backups are of the PostgreSQL database"
)


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout=120):
    return subprocess.run(  # noqa: S603 - our own scripts
        args,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **(env or {})},  # noqa: S108
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("script", [*SCRIPTS, "_lib.sh"])
def test_scripts_parse_under_bash(script):
    result = run([BASH, "-n", str(OPS / script)])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_are_executable_bash_that_stops_on_errors(script):
    path = OPS / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


def test_dumps_stay_out_of_git_and_the_image():
    # They hold health data; ./backups is where compose's backup service writes them.
    assert "backups/" in (ROOT / ".gitignore").read_text().split()
    assert "backups" in (ROOT / ".dockerignore").read_text().split()


def lib(snippet: str, *args: str):
    return run([BASH, "-c", f'. "{OPS}/_lib.sh"; {snippet}', "lib", *args])


def pg_env(url: str) -> dict[str, str]:
    result = lib('pg_use_url "$1"; env | grep "^PG" | sort', url)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_a_database_url_becomes_libpq_variables_not_arguments():
    assert pg_env("postgres://voorzorg_owner:s3cr%40t%2Fx@db:5433/voorzorg") == {
        "PGHOST": "db",
        "PGPORT": "5433",
        "PGUSER": "voorzorg_owner",
        "PGPASSWORD": "s3cr@t/x",
        "PGDATABASE": "voorzorg",
    }
    assert pg_env("postgresql://u@[::1]/name?sslmode=require&connect_timeout=5") == {
        "PGHOST": "::1",
        "PGUSER": "u",
        "PGDATABASE": "name",
        "PGSSLMODE": "require",
        "PGCONNECT_TIMEOUT": "5",
    }


def test_a_url_clears_what_an_earlier_one_set():
    snippet = 'pg_use_url "$1"; pg_use_url "$2"; echo "${PGPASSWORD-unset} ${PGPORT-unset}"'
    result = lib(snippet, "postgres://a:pw@h:1/x", "postgres://b@h/y")
    assert result.stdout.strip() == "unset unset"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "not a postgres:// URL"),
        ("postgres://u@h", "names no database"),
        ("postgres://u@h/db?sslmode=disable&host=evil", "unsupported parameter"),
    ],
)
def test_a_bad_database_url_is_refused(url, message):
    result = lib('pg_use_url "$1"', url)
    assert result.returncode == 1
    assert message in result.stderr


def test_another_database_on_the_same_server():
    result = lib('url_with_database "$1" other', "postgres://u:p@h:5432/voorzorg?sslmode=require")
    assert result.stdout.strip() == "postgres://u:p@h:5432/other?sslmode=require"


# --- The verdict (ops/_compare.awk), with gawk and with mawk (the postgres image's awk) ---

AWKS = [name for name in ("gawk", "mawk") if shutil.which(name)] or ["awk"]

SOURCE = [
    ("rows", "public.audit_accesslog", "69 123456789"),
    ("rows", "public.referrals_referral", "12 987654321"),
    ("latest access-log row", "public.audit_accesslog", "69 c15db10fabcdef"),
    ("owners and grants", "r public.audit_accesslog", "owner {owner=arwdDxt/owner,app=ar/owner}"),
    ("owners and grants", "database", "owner {owner=CTc/owner,app=c/owner}"),
    ("triggers", "audit_accesslog audit_accesslog_append_only", "O 0a1b2c"),
]
CHECKS_OK = [
    ("sequences at or beyond their column", "all", "ok"),
    ("access log refuses UPDATE", "refused", "ok"),
]


def compare(tmp_path, awk, restored, checks=CHECKS_OK, source=SOURCE):
    files = []
    for name, rows in (("source", source), ("restored", restored), ("checks", checks)):
        path = tmp_path / name
        path.write_text("".join("\t".join(row) + "\n" for row in rows))
        files.append(str(path))
    return run([awk, "-F", "\t", "-f", str(OPS / "_compare.awk"), *files])


def replaced(rows, kind, name, value):
    return [(k, n, value if (k, n) == (kind, name) else v) for k, n, v in rows]


@pytest.mark.parametrize("awk", AWKS)
def test_an_identical_copy_passes(tmp_path, awk):
    result = compare(tmp_path, awk, SOURCE)
    assert result.returncode == 0, result.stdout
    assert "rows public.audit_accesslog" in result.stdout
    assert "id 69 c15db10f" in result.stdout
    assert "owners and grants (2)" in result.stdout
    lines = result.stdout.splitlines()
    # Tables in alphabetical order, whatever order the facts came in.
    tables = [line.split()[1] for line in lines if line.startswith("rows ")]
    assert tables == sorted(tables)


@pytest.mark.parametrize("awk", AWKS)
@pytest.mark.parametrize(
    ("restored", "expected"),
    [
        (replaced(SOURCE, "rows", "public.audit_accesslog", "68 123456789"), "ROW COUNT DIFFERS"),
        (replaced(SOURCE, "rows", "public.referrals_referral", "12 55"), "CONTENT DIFFERS"),
        ([row for row in SOURCE if row[1] != "public.referrals_referral"], "ROW COUNT DIFFERS"),
        (
            replaced(SOURCE, "latest access-log row", "public.audit_accesslog", "69 ffff"),
            "DIFFERS",
        ),
        (
            replaced(SOURCE, "owners and grants", "r public.audit_accesslog", "postgres -"),
            "r public.audit_accesslog: owner {owner=arwdDxt/owner,app=ar/owner} -> postgres -",
        ),
        ([row for row in SOURCE if row[0] != "triggers"], "(missing)"),
    ],
    ids=["count", "content", "missing-table", "latest-row", "grants", "trigger"],
)
def test_every_kind_of_difference_fails(tmp_path, awk, restored, expected):
    result = compare(tmp_path, awk, restored)
    assert result.returncode == 1, result.stdout
    assert expected in result.stdout


@pytest.mark.parametrize("awk", AWKS)
def test_a_failed_check_on_the_copy_fails_and_a_skipped_one_does_not(tmp_path, awk):
    failed = [("access log refuses UPDATE", "UPDATE went through", "FAILED")]
    result = compare(tmp_path, awk, SOURCE, checks=failed)
    assert result.returncode == 1
    assert "UPDATE went through" in result.stdout
    skipped = [("access log refuses UPDATE", "no rows to try", "skipped")]
    assert compare(tmp_path, awk, SOURCE, checks=skipped).returncode == 0


# --- Refusals before any database is reached --------------------------------------------


def test_backup_needs_a_database_url():
    result = run([str(OPS / "backup.sh")])
    assert result.returncode == 1
    assert "DATABASE_BACKUP_URL" in result.stderr


@pytest.mark.parametrize("days", ["0", "-3", "seven", "1.5"])
def test_backup_refuses_a_retention_that_is_not_whole_days(days):
    result = run(
        [str(OPS / "backup.sh")],
        env={"DATABASE_BACKUP_URL": "postgres://u@127.0.0.1:1/x", "BACKUP_KEEP_DAYS": days},
    )
    assert result.returncode == 1
    assert "BACKUP_KEEP_DAYS" in result.stderr


@needs_pg_client
def test_restore_refuses_a_dump_that_is_not_the_one_backed_up(tmp_path):
    dump = tmp_path / "voorzorg_20260101T000000Z.dump"
    dump.write_bytes(b"PGDMP not really")
    target = "postgres://u@127.0.0.1:1/restored"
    result = run([str(OPS / "restore.sh"), str(dump), target])
    assert result.returncode == 1
    assert "no checksum file" in result.stderr

    (tmp_path / f"{dump.name}.sha256").write_text(f"{'0' * 64}  {dump.name}\n")
    result = run([str(OPS / "restore.sh"), str(dump), target])
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr

    result = run([str(OPS / "restore.sh"), "--no-checksum", str(dump), target])
    assert result.returncode == 1
    assert "not a pg_dump custom-format archive" in result.stderr


def test_restore_needs_a_server_for_a_bare_database_name(tmp_path):
    result = run([str(OPS / "restore.sh"), str(tmp_path / "x.dump"), "voorzorg_restored"])
    assert result.returncode == 1
    assert "DATABASE_ADMIN_URL" in result.stderr


# --- On PostgreSQL: the real thing ------------------------------------------------------


def database_url(name: str | None = None) -> str:
    """The test database's URL (the test runner's role, which owns it)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{name or s['NAME']}"


@pytest.fixture
def committed_log(transactional_db):
    """Access-log rows committed, so pg_dump's own connection sees them."""
    rows = audit_log(
        actor=None,
        action=AuditAction.READ,
        event="backup test",
        access_granted=True,
        person_ids=["P-1", "P-2", "P-3"],
        client_address="192.0.2.7",
    )
    return rows


@postgresql_only
@needs_pg_client
def test_backup_writes_a_private_dump_with_its_checksum(committed_log, tmp_path):
    result = run(
        [str(OPS / "backup.sh"), str(tmp_path)], env={"DATABASE_BACKUP_URL": database_url()}
    )
    assert result.returncode == 0, result.stderr
    dump = Path(result.stdout.strip().splitlines()[-1])
    assert dump.parent == tmp_path
    assert dump.name.startswith(connection.settings_dict["NAME"] + "_")
    checksum = Path(f"{dump}.sha256")
    assert checksum.read_text().split() == [
        subprocess.run(["sha256sum", str(dump)], capture_output=True, text=True).stdout.split()[0],  # noqa: S603, S607
        dump.name,
    ]
    # Health data: readable by the owner only.
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    listing = run(["pg_restore", "--list", str(dump)]).stdout
    assert f"TABLE DATA public {AccessLog._meta.db_table} " in listing
    # No partial file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [dump.name, checksum.name]


@postgresql_only
@needs_pg_client
def test_backup_removes_its_own_old_dumps_only(committed_log, tmp_path):
    prefix = connection.settings_dict["NAME"]
    old = tmp_path / f"{prefix}_20200101T000000Z.dump"
    recent = tmp_path / f"{prefix}_20200102T000000Z.dump"
    other = tmp_path / "another_20200101T000000Z.dump"
    for path in (old, recent, other):
        path.write_bytes(b"x")
        Path(f"{path}.sha256").write_text("x")
    # Aged by the file system's clock, which the script's `find` also reads: the test
    # process's own clock may be shifted (faketime), the script runs without it.
    ten_days_ago = recent.stat().st_mtime - 10 * 86400
    for path in (old, other):
        os.utime(path, (ten_days_ago, ten_days_ago))

    result = run(
        [str(OPS / "backup.sh"), str(tmp_path)],
        env={"DATABASE_BACKUP_URL": database_url(), "BACKUP_KEEP_DAYS": "7"},
    )
    assert result.returncode == 0, result.stderr
    assert not old.exists()
    assert not Path(f"{old}.sha256").exists()
    assert recent.exists() and other.exists()
    assert f"removed {old}" in result.stderr


@postgresql_only
@needs_pg_client
def test_backup_fails_without_leaving_a_dump_when_the_database_is_unreachable(tmp_path, db):
    url = database_url("voorzorg_no_such_database_here")
    result = run([str(OPS / "backup.sh"), str(tmp_path)], env={"DATABASE_BACKUP_URL": url})
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []


@postgresql_only
@needs_pg_client
def test_the_drill_restores_the_access_log_and_refuses_to_restore_over_data(
    committed_log, tmp_path
):
    source = database_url()
    result = run([str(OPS / "verify-backup.sh"), source], timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    log_table = AccessLog._meta.db_table
    row = next(line for line in result.stdout.splitlines() if f"public.{log_table} " in line)
    assert row.split()[-3:] == [str(AccessLog.objects.count())] * 2 + ["ok"]
    latest = max(entry.pk for entry in committed_log)
    assert f"id {latest} " in result.stdout
    assert "access log refuses UPDATE" in result.stdout
    assert "refused" in result.stdout
    # The scratch database is gone again.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
            [connection.settings_dict["NAME"][:40] + "\\_verify\\_%"],
        )
        assert cursor.fetchone()[0] == 0

    backup = run([str(OPS / "backup.sh"), str(tmp_path)], env={"DATABASE_BACKUP_URL": source})
    dump = backup.stdout.strip().splitlines()[-1]
    refused = run([str(OPS / "restore.sh"), dump, source])
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
    assert "refusing" in refused.stderr
    assert AccessLog.objects.count() == 3
