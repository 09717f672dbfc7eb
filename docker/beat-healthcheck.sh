#!/bin/sh
# Beat's health check: healthy while beat's schedule file was written in the last
# BEAT_HEALTH_MAX_MINUTES minutes. Beat rewrites it when it starts and then every few
# minutes from its loop (at most every 3 minutes, when it wakes, and it wakes at least
# every 5), so an old file means a loop that is stuck or gone; a file that merely exists
# proves nothing. The file may carry a suffix (.db, .dat) depending on Python's dbm module.
set -eu

schedule="${BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}"
max_minutes="${BEAT_HEALTH_MAX_MINUTES:-15}"
fresh=$(find "$(dirname "$schedule")" -maxdepth 1 -name "$(basename "$schedule")*" \
    -mmin "-$max_minutes" | head -n 1)
if [ -z "$fresh" ]; then
    echo "beat: $schedule not written in the last $max_minutes minutes" >&2
    exit 1
fi
