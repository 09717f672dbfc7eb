# Voorzorg — the commands a newcomer and CI use. Needs only Python 3.11 on the PATH.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Development settings for run/worker/beat; tests pick voorzorg.settings.test themselves.
DEV_ENV := DJANGO_SETTINGS_MODULE=voorzorg.settings.base DEBUG=$${DEBUG:-1}

.PHONY: install run test e2e lint format worker beat migrate seed messages schema clean bench
.PHONY: lock proxy-check

$(VENV)/.installed: requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Voorzorg needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	# Exactly the pinned, hashed versions of the lock file.
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

# SQLite and Celery eager unless DATABASE_URL / REDIS_URL are set. The demo logins skip the
# second factor (DEMO_SKIP_2FA, with DEBUG only; a red banner says so); DEMO_SKIP_2FA=0
# make run tries the real two-step sign-in.
run: seed
	@echo "Voorzorg runs on http://127.0.0.1:$(PORT)/ (stop with Ctrl-C)"
	$(DEV_ENV) DEMO_SKIP_2FA=$${DEMO_SKIP_2FA:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# On every core (pytest-xdist; TEST_WORKERS=1 for one process, e.g. with a debugger).
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Browser journeys in Debian's Chromium (`apt-get install chromium`, never `playwright
# install`), with axe-core on every page; screenshots in test-output/e2e/. `make test`
# leaves them out. About two minutes.
e2e: install
	$(BIN)/python -m pytest -m e2e tests/e2e -rP --show-capture=stdout

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Celery against Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0).
worker: install
	$(DEV_ENV) $(BIN)/celery -A voorzorg worker --loglevel=info --concurrency=2

beat: install
	$(DEV_ENV) $(BIN)/celery -A voorzorg beat --loglevel=info

# Regenerate the committed OpenAPI schema of /api/v1/ (a test fails when it is stale).
schema: install
	DJANGO_SETTINGS_MODULE=voorzorg.settings.test $(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

# Regenerate and compile the English catalogue (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale en --ignore '.venv/*' --ignore 'static/*'
	$(BIN)/python manage.py compilemessages --locale en --ignore '.venv/*'

# Benchmarks at national scale (docs/performance.md): PostgreSQL from BENCH_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/voorzorg_bench), created, migrated and
# seeded with a million episodes on the first run (a few minutes), reused afterwards.
# Ten million (a national decade; about 6 GB and half an hour of seeding, once):
#   make bench BENCH_EPISODES=10000000 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/voorzorg_bench_10m
# bench/setup.py refuses another size in the default database, which stays a million.
bench: install
	BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/voorzorg_bench} $(BIN)/python bench/run.py

# Regenerate the hashed lock files from pyproject.toml, with uv in a throwaway venv
# (.lockenv, removed again). Versions already pinned stay unless pyproject.toml rules them
# out, so after adding a dependency only it and what it needs change; `make lock
# LOCK_FLAGS=--upgrade` moves everything to the newest allowed. Review the diff.
UV_VERSION ?= 0.13.9
LOCK_FLAGS ?=
LOCK_COMPILE = .lockenv/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header --quiet $(LOCK_FLAGS)
lock:
	rm -rf .lockenv
	$(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(LOCK_COMPILE) -o requirements.txt
	$(LOCK_COMPILE) --extra dev -o requirements-dev.txt
	rm -rf .lockenv

# The TLS proxy of docker-compose.yml (docker/Caddyfile) in front of gunicorn with production
# settings, on this machine: client addresses, the self-registration rate limit, health
# probes and request ids through Caddy and around it (bench/proxy_check.py). Needs Debian's
# caddy (apt-get install caddy).
proxy-check: install
	$(BIN)/python bench/proxy_check.py

clean:
	rm -rf $(VENV) .lockenv db.sqlite3 staticfiles .pytest_cache .ruff_cache
