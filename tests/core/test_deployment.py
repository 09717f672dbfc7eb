"""docker-compose.yml, the Dockerfile and docker/*.sh say what they mean. No Docker needed:
the compose file is read with PyYAML, the start scripts run against a fake gunicorn/celery
that prints its arguments and its process id."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
APP_DIR = "/app"  # the image's WORKDIR, where `COPY . .` puts the repository
SH = shutil.which("sh") or "/bin/sh"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services(compose: dict) -> dict[str, dict]:
    """The services built from this repository's image."""
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def repo_path(image_path: str) -> Path:
    assert image_path.startswith(f"{APP_DIR}/"), image_path
    return ROOT / image_path.removeprefix(f"{APP_DIR}/")


def test_app_services_are_the_expected_ones(compose):
    assert set(app_services(compose)) == {"migrate", "web", "worker", "beat"}


@pytest.mark.parametrize("key", ["command", "entrypoint"])
def test_commands_are_lists_or_single_line_strings(compose, key):
    # A folded block (`command: >`) keeps the line breaks of more-indented lines, and the
    # flags after them never reached gunicorn. A list, or one line, says what it means.
    for name, svc in compose["services"].items():
        value = svc.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            assert isinstance(item, str), (name, key, item)
            assert "\n" not in item, (name, key, item)
        if isinstance(value, str):
            assert not value.startswith(("gunicorn", "celery")), (name, value)


def test_healthchecks_are_lists_or_single_line_strings(compose):
    for name, svc in compose["services"].items():
        test = svc["healthcheck"]["test"] if "healthcheck" in svc else None
        if test is None:
            continue
        if isinstance(test, list):
            assert test[0] in {"CMD", "CMD-SHELL"}, (name, test)
            assert len(test) > 1, (name, test)
        items = test if isinstance(test, list) else [test]
        for item in items:
            assert isinstance(item, str), (name, item)
            assert "\n" not in item, (name, item)


def test_web_runs_the_start_script_and_so_does_the_image(compose):
    web = compose["services"]["web"]
    assert "entrypoint" not in web
    assert web["command"] == [f"{APP_DIR}/docker/start-web.sh"]

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(rf"^WORKDIR {APP_DIR}$", dockerfile, re.MULTILINE)
    assert re.search(r"^COPY \. \.$", dockerfile, re.MULTILINE)
    cmds = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    assert len(cmds) == 1
    # Exec form: a shell form CMD would put `sh -c` in front as PID 1.
    assert json.loads(cmds[0]) == [f"{APP_DIR}/docker/start-web.sh"]
    assert not re.search(r"^ENTRYPOINT", dockerfile, re.MULTILINE)


def test_dockerfile_has_oci_labels_from_build_args():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG VERSION=", dockerfile, re.MULTILINE)
    for label in ("title", "source", "version"):
        assert f"org.opencontainers.image.{label}=" in dockerfile
    assert 'org.opencontainers.image.version="${VERSION}"' in dockerfile


def test_scripts_the_compose_file_runs_exist_and_are_executable(compose):
    paths = set()
    for svc in app_services(compose).values():
        for value in (svc.get("command"), svc.get("healthcheck", {}).get("test")):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.startswith(f"{APP_DIR}/docker/"):
                    paths.add(item)
    assert {p.rsplit("/", 1)[1] for p in paths} == {
        "start-web.sh",
        "start-worker.sh",
        "start-beat.sh",
        "beat-healthcheck.sh",
    }
    for path in paths:
        script = repo_path(path)
        assert script.is_file(), path
        assert os.access(script, os.X_OK), f"{path} is not executable"
        assert script.read_text().startswith("#!/bin/sh\n"), path


def test_long_running_services_wait_for_the_one_shot_migrate(compose):
    services = app_services(compose)
    migrate = services.pop("migrate")
    # One-shot: `restart: unless-stopped` from the anchor would run it again and again.
    assert migrate["restart"] == "no"
    assert migrate["command"][:3] == ["python", "manage.py", "migrate"]
    for name, svc in services.items():
        depends = svc["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert svc["restart"] == "unless-stopped", name


def test_only_migrate_gets_the_owner_url(compose):
    services = app_services(compose)
    migrate_env = services.pop("migrate")["environment"]
    assert "${DB_OWNER_USER" in migrate_env["DATABASE_MIGRATE_URL"]
    assert "${DB_OWNER_PASSWORD" in migrate_env["DATABASE_MIGRATE_URL"]
    assert "${DB_APP_USER" in migrate_env["DATABASE_URL"]
    for name, svc in services.items():
        env = svc["environment"]
        # env_file hands them the whole .env: the owner's secrets must be blanked.
        assert env["DATABASE_MIGRATE_URL"] == "", name
        assert env["DB_OWNER_PASSWORD"] == "", name
        assert env["POSTGRES_PASSWORD"] == "", name
        assert "${DB_APP_USER" in env["DATABASE_URL"], name
        for key, value in env.items():
            assert "DB_OWNER" not in str(value), (name, key)


def test_beat_healthcheck_is_not_a_file_exists_check(compose):
    test = compose["services"]["beat"]["healthcheck"]["test"]
    assert test == ["CMD", f"{APP_DIR}/docker/beat-healthcheck.sh"]


def test_dockerignore_keeps_local_state_out_of_the_image():
    lines = set((ROOT / ".dockerignore").read_text().split())
    for entry in (
        ".venv",
        ".git",
        ".env",
        "db.sqlite3",
        "test-output",
        ".secret_key*",
        "**/__pycache__",
        ".pytest_cache",
        ".ruff_cache",
    ):
        assert entry in lines, entry
    assert "!.env.example" in lines


def test_the_image_leaves_out_what_only_developers_and_ci_use():
    lines = set((ROOT / ".dockerignore").read_text().split())
    assert {"tests", "bench", "docs", ".ci", "ops", "node_modules"} <= lines
    # Nothing the running app or its start scripts need is left out.
    for needed in ("voorzorg", "templates", "static", "locale", "docker", "manage.py"):
        assert needed not in lines, needed
    # The app reads nothing from the folders left out (the backup service mounts ops/).
    for source in (ROOT / "voorzorg").rglob("*.py"):
        text = source.read_text()
        assert "import tests" not in text and "from tests" not in text, source


@pytest.mark.parametrize("script", sorted(DOCKER.glob("*.sh")), ids=lambda p: p.name)
def test_docker_scripts_parse(script):
    result = subprocess.run(  # noqa: S603
        [SH, "-n", str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


FAKE = """#!/bin/sh
echo "pid=$$"
for arg in "$@"; do printf 'arg=%s\\n' "$arg"; done
"""


def run_with_fake(tmp_path: Path, script: str, program: str, **env: str):
    """Run docker/<script> with a fake <program> first on PATH and only `env` set."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / program
    fake.write_text(FAKE)
    fake.chmod(0o755)
    proc = subprocess.Popen(  # noqa: S603
        [str(DOCKER / script)],
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    pid = int(lines[0].removeprefix("pid="))
    args = [line.removeprefix("arg=") for line in lines[1:]]
    return proc.pid, pid, args


def test_start_web_passes_every_setting_and_execs(tmp_path):
    script_pid, gunicorn_pid, args = run_with_fake(
        tmp_path,
        "start-web.sh",
        "gunicorn",
        PORT="9001",
        GUNICORN_WORKERS="5",
        GUNICORN_TIMEOUT="300",
        GUNICORN_GRACEFUL_TIMEOUT="25",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        FORWARDED_ALLOW_IPS="10.0.0.2,10.0.0.3",
    )
    # `exec`: gunicorn replaced the script's shell, so it is what receives SIGTERM.
    assert gunicorn_pid == script_pid
    assert args == [
        "voorzorg.wsgi:application",
        "--bind",
        "0.0.0.0:9001",
        "--workers",
        "5",
        "--timeout",
        "300",
        "--graceful-timeout",
        "25",
        "--max-requests",
        "500",
        "--max-requests-jitter",
        "50",
        "--forwarded-allow-ips",
        "10.0.0.2,10.0.0.3",
        "--access-logfile",
        "-",
        "--logger-class",
        "voorzorg.core.gunicorn_logging.Logger",
    ]


def test_start_web_defaults(tmp_path):
    script_pid, gunicorn_pid, args = run_with_fake(tmp_path, "start-web.sh", "gunicorn")
    assert gunicorn_pid == script_pid
    assert args == [
        "voorzorg.wsgi:application",
        "--bind",
        "0.0.0.0:8000",
        "--workers",
        "3",
        "--timeout",
        "120",
        "--graceful-timeout",
        "30",
        "--max-requests",
        "1000",
        "--max-requests-jitter",
        "100",
        "--forwarded-allow-ips",
        "*",
        "--access-logfile",
        "-",
        "--logger-class",
        "voorzorg.core.gunicorn_logging.Logger",
    ]


def gunicorn_config(args: list[str]):
    """What the real gunicorn makes of the arguments: unknown flags are an error."""
    from gunicorn.config import Config

    cfg = Config()
    parsed = cfg.parser().parse_args(args)
    for key, value in vars(parsed).items():
        if key != "args" and value is not None:
            cfg.set(key.lower(), value)
    return parsed.args, cfg


def test_start_web_arguments_mean_to_gunicorn_what_they_say(tmp_path):
    # The fake accepts anything; the real gunicorn's parser must read the same settings.
    _, _, args = run_with_fake(
        tmp_path, "start-web.sh", "gunicorn", GUNICORN_WORKERS="5", FORWARDED_ALLOW_IPS="10.0.0.2"
    )
    app, cfg = gunicorn_config(args)
    assert app == ["voorzorg.wsgi:application"]
    assert cfg.bind == ["0.0.0.0:8000"]
    assert cfg.workers == 5
    assert cfg.timeout == 120
    assert cfg.graceful_timeout == 30
    assert cfg.max_requests == 1000
    assert cfg.max_requests_jitter == 100
    assert cfg.forwarded_allow_ips == ["10.0.0.2"]
    assert cfg.accesslog == "-"
    # gunicorn's lines in the app's log shape (tests/core/test_logging.py).
    from voorzorg.core.gunicorn_logging import Logger

    assert cfg.logger_class is Logger


@pytest.mark.parametrize(
    ("script", "env", "expected"),
    [
        (
            "start-worker.sh",
            {"WORKER_CONCURRENCY": "4"},
            ["-A", "voorzorg", "worker", "--loglevel=info", "--concurrency", "4"],
        ),
        (
            "start-worker.sh",
            {},
            ["-A", "voorzorg", "worker", "--loglevel=info", "--concurrency", "2"],
        ),
        (
            "start-beat.sh",
            {"BEAT_SCHEDULE_FILE": "/var/beat/schedule"},
            ["-A", "voorzorg", "beat", "--loglevel=info", "--schedule", "/var/beat/schedule"],
        ),
        (
            "start-beat.sh",
            {},
            ["-A", "voorzorg", "beat", "--loglevel=info", "--schedule", "/tmp/celerybeat-schedule"],  # noqa: S108
        ),
    ],
)
def test_start_celery_scripts_pass_settings_and_exec(tmp_path, script, env, expected):
    script_pid, celery_pid, args = run_with_fake(tmp_path, script, "celery", **env)
    assert celery_pid == script_pid
    assert args == expected


def beat_healthcheck(schedule: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(DOCKER / "beat-healthcheck.sh")],
        env={"PATH": os.environ["PATH"], "BEAT_SCHEDULE_FILE": str(schedule), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("suffix", ["", ".db", ".dat"])
def test_beat_healthcheck_passes_on_a_fresh_schedule_file(tmp_path, suffix):
    schedule = tmp_path / "celerybeat-schedule"
    Path(f"{schedule}{suffix}").write_bytes(b"x")
    result = beat_healthcheck(schedule)
    assert result.returncode == 0, result.stderr


def test_beat_healthcheck_fails_on_a_stale_schedule_file(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    schedule.write_bytes(b"x")
    # Twenty minutes before the file was written, by the file system's own clock: the
    # script (its environment holds no libfaketime) compares with that clock, whatever
    # time this test process believes it is.
    twenty_minutes_ago = schedule.stat().st_mtime - 20 * 60
    os.utime(schedule, (twenty_minutes_ago, twenty_minutes_ago))

    result = beat_healthcheck(schedule)
    assert result.returncode == 1
    assert "not written in the last 15 minutes" in result.stderr

    assert beat_healthcheck(schedule, BEAT_HEALTH_MAX_MINUTES="30").returncode == 0


def test_beat_healthcheck_fails_without_a_schedule_file(tmp_path):
    result = beat_healthcheck(tmp_path / "celerybeat-schedule")
    assert result.returncode == 1


def test_redis_keeps_queued_tasks_across_a_restart(compose):
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert redis["volumes"][0].split(":")[0] in compose["volumes"]


# --- The TLS proxy (docker/Caddyfile) and the backup service -----------------------------

CADDYFILE = DOCKER / "Caddyfile"


def test_only_the_proxy_is_reachable_from_the_host(compose):
    published = {name for name, svc in compose["services"].items() if svc.get("ports")}
    assert published == {"proxy"}
    proxy = compose["services"]["proxy"]
    assert proxy["image"] == "caddy:2"
    assert set(proxy["ports"]) == {"80:80", "443:443", "443:443/udp"}
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert proxy["restart"] == "unless-stopped"
    # Certificates and the local authority's key survive a new container.
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in proxy["volumes"]}
    assert mounts["/etc/caddy/Caddyfile"] == "./docker/Caddyfile"
    assert mounts["/data"] in compose["volumes"]
    assert proxy["healthcheck"]["test"][:2] == ["CMD", "wget"]


def test_web_trusts_exactly_one_proxy(compose):
    web_env = compose["services"]["web"]["environment"]
    assert web_env["TRUSTED_PROXY_COUNT"] == "1"
    # Still the application's role, with the owner's secrets blanked (the anchor's values).
    assert "${DB_APP_USER" in web_env["DATABASE_URL"]
    assert web_env["DATABASE_MIGRATE_URL"] == ""


def test_web_believes_x_forwarded_for_only_from_the_proxys_fixed_address(compose):
    """Around the proxy, another container could write its own X-Forwarded-For: web reads
    the header only when the request comes from the proxy's fixed address."""
    import ipaddress

    default = "172.30.57.10"
    proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert proxy_address == "${PROXY_ADDRESS:-" + default + "}"
    web_env = compose["services"]["web"]["environment"]
    assert web_env["TRUSTED_PROXY_CIDRS"] == "${PROXY_ADDRESS:-" + default + "}/32"
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    default_subnet = re.fullmatch(r"\$\{COMPOSE_SUBNET:-(.+)\}", subnet).group(1)
    assert ipaddress.ip_address(default) in ipaddress.ip_network(default_subnet)


def _compose_cli() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(  # noqa: S603
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    return None


def test_compose_config_is_valid(tmp_path):
    """`docker compose config` with the example environment: the file as Compose reads it.
    Needs the compose CLI (Debian's docker-compose); the YAML tests above run without."""
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no docker-compose or docker compose on this machine")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copytree(DOCKER, tmp_path / "docker")
    example = (ROOT / ".env.example").read_text()
    example = re.sub(r"(?m)^((?:POSTGRES|DB_OWNER|DB_APP)_PASSWORD)=.*$", r"\1=example", example)
    (tmp_path / ".env").write_text(example)
    result = subprocess.run(  # noqa: S603
        [*cli, "config"], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["services"]["web"]["environment"]["TRUSTED_PROXY_CIDRS"] == "172.30.57.10/32"
    assert config["services"]["proxy"]["networks"]["default"]["ipv4_address"] == "172.30.57.10"


def test_the_proxy_forwards_to_the_port_web_listens_on(compose):
    upstream = compose["services"]["proxy"]["environment"]["UPSTREAM"]
    assert upstream == "web:${PORT:-8000}"
    # start-web.sh binds the same variable with the same default.
    assert '--bind "0.0.0.0:${PORT:-8000}"' in (DOCKER / "start-web.sh").read_text()
    caddyfile = CADDYFILE.read_text()
    assert re.search(r"^\treverse_proxy \{\$UPSTREAM:web:8000\} \{$", caddyfile, re.MULTILINE)


def test_the_caddyfile_keeps_the_client_address_honest():
    directives = [
        line.strip()
        for line in CADDYFILE.read_text().splitlines()
        if not line.strip().startswith("#")
    ]
    # No trusted_proxies: Caddy drops a client's own X-Forwarded-For and writes the address
    # it saw, which TRUSTED_PROXY_COUNT=1 then reads.
    assert not any(line.startswith("trusted_proxies") for line in directives)
    assert "header_up X-Request-ID {http.request.uuid}" in directives
    assert "tls {$SITE_TLS:internal}" in directives
    assert "{$SITE_ADDRESS:localhost} {" in directives
    assert "skip_install_trust" in directives
    assert not any(line.startswith("encode") for line in directives)


@pytest.mark.skipif(shutil.which("caddy") is None, reason="needs caddy (apt-get install caddy)")
def test_caddy_reads_the_caddyfile_as_meant():
    result = subprocess.run(  # noqa: S603
        [shutil.which("caddy"), "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env={"PATH": os.environ["PATH"], "SITE_ADDRESS": "voorzorg.example.nl"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    server = config["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]
    route = server["routes"][0]
    assert route["match"] == [{"host": ["voorzorg.example.nl"]}]
    handlers = [h for sub in route["handle"] for r in sub["routes"] for h in r["handle"]]
    proxy = next(h for h in handlers if h["handler"] == "reverse_proxy")
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    assert proxy["headers"]["request"]["set"]["X-Request-Id"] == ["{http.request.uuid}"]
    assert "trusted_proxies" not in proxy
    policy = config["apps"]["tls"]["automation"]["policies"][0]
    assert policy["subjects"] == ["voorzorg.example.nl"]
    assert policy["issuers"] == [{"module": "internal"}]
    assert config["apps"]["pki"]["certificate_authorities"]["local"]["install_trust"] is False


def test_the_backup_service_runs_only_when_asked_with_the_servers_own_pg_dump(compose):
    backup = compose["services"]["backup"]
    # `docker compose up` leaves it out; `docker compose run --rm backup` runs it.
    assert backup["profiles"] == ["ops"]
    assert backup["restart"] == "no"
    # pg_dump must be at least the server's version: the same image as db.
    assert backup["image"] == compose["services"]["db"]["image"]
    assert backup["command"] == ["/ops/backup.sh"]
    assert "./ops:/ops:ro" in backup["volumes"]
    assert any(volume.endswith(":/backups") for volume in backup["volumes"])
    env = backup["environment"]
    assert env["BACKUP_DIR"] == "/backups"
    # As the owner, which reads every table; never the application's role.
    assert "${DB_OWNER_USER" in env["DATABASE_BACKUP_URL"]
    assert "DB_APP" not in json.dumps(backup)
    assert "build" not in backup
