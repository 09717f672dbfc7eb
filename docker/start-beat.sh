#!/bin/sh
# Celery beat, the scheduler; run exactly one. `exec`: beat becomes PID 1 and gets
# SIGTERM itself. Its schedule file is also what docker/beat-healthcheck.sh watches.
set -eu

exec celery -A voorzorg beat \
    --loglevel=info \
    --schedule "${BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}"
