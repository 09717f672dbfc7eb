#!/bin/sh
# The web process: gunicorn, configured from the environment (README, "Environment
# variables"). `exec` replaces this shell, so gunicorn is the container's PID 1 and gets
# the SIGTERM of `docker compose stop` itself: it stops taking requests, lets running
# ones finish within GUNICORN_GRACEFUL_TIMEOUT and exits. A shell as PID 1 ignores it.
set -eu

# A worker is killed (and the request fails) after GUNICORN_TIMEOUT seconds of silence:
# the CSV upload of referrals runs inside the request, so the default is generous.
# --max-requests restarts a worker after that many requests (plus a random jitter, so the
# workers do not restart together) to bound slow memory growth.
# FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-Proto gunicorn believes; `*` when
# only the TLS proxy can reach the port. It does not touch the client address: gunicorn
# passes REMOTE_ADDR (the peer) and X-Forwarded-For on to the application unchanged.
# --logger-class: gunicorn's own and access lines in the app's log shape (JSON, request
# id, no client address or query string: voorzorg/core/gunicorn_logging.py).
exec gunicorn voorzorg.wsgi:application \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-120}" \
    --graceful-timeout "${GUNICORN_GRACEFUL_TIMEOUT:-30}" \
    --max-requests "${GUNICORN_MAX_REQUESTS:-1000}" \
    --max-requests-jitter "${GUNICORN_MAX_REQUESTS_JITTER:-100}" \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
    --access-logfile - \
    --logger-class voorzorg.core.gunicorn_logging.Logger
