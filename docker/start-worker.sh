#!/bin/sh
# The Celery worker. `exec`: celery becomes PID 1 and gets SIGTERM itself (warm shutdown:
# running tasks finish, then it exits). No CELERY_* names here: celery's command line
# reads CELERY_<OPTION> from the environment by itself.
set -eu

exec celery -A voorzorg worker \
    --loglevel=info \
    --concurrency "${WORKER_CONCURRENCY:-2}"
