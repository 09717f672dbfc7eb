#!/usr/bin/env bash
# A backup of Voorzorg's PostgreSQL database: pg_dump's custom format (-Fc: compressed,
# restores selectively and in any order with pg_restore), a SHA-256 checksum beside it,
# and optionally the removal of older dumps. docs/operations.md, "Backup and restore".
#
#   DATABASE_BACKUP_URL=postgres://voorzorg_owner:...@db:5432/voorzorg ops/backup.sh [DIR]
#
# DATABASE_BACKUP_URL  the database, as a role that may read all of it: the owner, or a
#                      read-only backup role (pg_read_all_data); not the application's role.
#                      Falls back to DATABASE_URL.
# DIR / BACKUP_DIR     where the dumps go (default ./backups), as <database>_<UTC time>.dump
#                      and <database>_<UTC time>.dump.sha256.
# BACKUP_KEEP_DAYS     remove this script's dumps (same prefix) older than this many days,
#                      after a successful new one. Unset: keep everything.
# BACKUP_PREFIX        the file name's prefix (default: the database's name).
# BACKUP_REQUIRED_TABLES  tables whose rows the dump must hold (default: the access log,
#                      audit_accesslog); a dump without them counts as a failure.
# PG_DUMP_SNAPSHOT     dump as of this exported snapshot (ops/verify-backup.sh uses it).
#
# Prints the dump's path as the last line on stdout; messages go to stderr. Exits
# non-zero on any failure, and then leaves no partial dump behind. The dump holds health
# data: the files are readable by their owner only.
set -euo pipefail
umask 077

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=ops/_lib.sh
. "$here/_lib.sh"

url=${DATABASE_BACKUP_URL:-${DATABASE_URL:-}}
[ -n "$url" ] || die "set DATABASE_BACKUP_URL (or DATABASE_URL) to the database to back up"
dir=${1:-${BACKUP_DIR:-backups}}
keep_days=${BACKUP_KEEP_DAYS:-}
[[ -z $keep_days || $keep_days =~ ^[1-9][0-9]{0,4}$ ]] ||
    die "BACKUP_KEEP_DAYS must be a whole number of days, 1 or more (not '$keep_days')"
required_tables=${BACKUP_REQUIRED_TABLES-audit_accesslog}

require_commands pg_dump pg_restore psql sha256sum
pg_use_url "$url"
prefix=${BACKUP_PREFIX:-$PGDATABASE}
[[ $prefix =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] ||
    die "BACKUP_PREFIX (or the database name) may hold only letters, digits, _ . - (not '$prefix')"

# pg_dump refuses a server newer than itself; say what to use instead.
server=$(psql_bare -c "SELECT current_setting('server_version_num')::int / 10000")
client=$(client_major pg_dump)
[ "$client" -ge "$server" ] ||
    die "pg_dump $client cannot dump a PostgreSQL $server server: use pg_dump $server or newer (docker compose run --rm backup runs the server's own version)"

mkdir -p "$dir"
name="${prefix}_$(date -u +%Y%m%dT%H%M%SZ).dump"
dump="$dir/$name"
[ ! -e "$dump" ] || die "$dump exists already"
# Written under a hidden name and renamed when complete: a failed or interrupted dump
# never looks like a backup.
partial=$(mktemp "$dir/.$name.XXXXXX")
trap 'rm -f "$partial"' EXIT

say "dumping database $PGDATABASE on ${PGHOST:-the local socket} as ${PGUSER:-$(id -un)}"
pg_dump --format=custom --no-password ${PG_DUMP_SNAPSHOT:+--snapshot="$PG_DUMP_SNAPSHOT"} \
    --file="$partial"

# The archive reads back, and it holds the rows of the tables that must be in it.
contents=$(pg_restore --list "$partial")
for table in $required_tables; do
    grep -Eq "^[0-9]+; [0-9]+ [0-9]+ TABLE DATA [^ ]+ $table " <<<"$contents" ||
        die "the dump holds no rows section for table $table"
done

mv "$partial" "$dump"
trap - EXIT
(cd "$dir" && sha256sum "$name" >"$name.sha256" && sha256sum --check --quiet "$name.sha256")
say "wrote $dump ($(du -h "$dump" | cut -f1)) and $name.sha256"

if [ -n "$keep_days" ]; then
    find "$dir" -maxdepth 1 -type f -name "${prefix}_[0-9]*T[0-9]*Z.dump" ! -name "$name" \
        -mmin "+$((keep_days * 1440))" -print |
        while IFS= read -r old; do
            rm -f -- "$old" "$old.sha256"
            say "removed $old (older than $keep_days days)"
        done
fi

echo "$dump"
