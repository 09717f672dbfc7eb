#!/usr/bin/env bash
# Restore a dump of ops/backup.sh into a database. docs/operations.md, "Backup and restore".
#
#   ops/restore.sh [--force] [--owner ROLE] [--no-acl] [--no-checksum] DUMP TARGET
#
# TARGET: the database to restore into, as a URL (postgres://user:password@host:5432/name)
# or as a bare name on the server of DATABASE_ADMIN_URL. The role must be allowed to create
# databases and to give objects to other roles: the superuser (POSTGRES_USER). When the
# database does not exist it is created, with the owner and the CONNECT grants the dumped
# database had. An existing database must be empty (no tables): a restore never mixes
# with what is there. --force drops and recreates a database that is not empty.
#
# By default every table, sequence and function gets the owner it had, and the grants it
# had (the application's role: SELECT and INSERT only on the access log), so the restored
# database keeps the role split of docs/security.md, "Database roles"; the roles must
# exist on the server (docker/postgres-init.sh creates them). On a server without them:
# --owner ROLE makes ROLE own everything, --no-acl leaves out the grants; run `migrate`
# with DATABASE_MIGRATE_URL afterwards to grant the application's role again.
#
# The access log's append-only trigger does not hinder the restore: pg_restore loads the
# rows with COPY, which the trigger (BEFORE UPDATE OR DELETE) does not concern, and
# creates the trigger after the data. It is in force again afterwards.
#
# The whole restore is one transaction: it succeeds completely or leaves nothing (a
# database it created for it is dropped again). The checksum file beside the dump
# (DUMP.sha256) must match, unless --no-checksum.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=ops/_lib.sh
. "$here/_lib.sh"

usage() {
    sed -n '4p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

force=""
owner=""
no_acl=""
check_sum=1
args=()
while [ $# -gt 0 ]; do
    case $1 in
    --force) force=1 ;;
    --owner)
        [ $# -ge 2 ] || usage
        owner=$2
        shift
        ;;
    --no-acl) no_acl=1 ;;
    --no-checksum) check_sum="" ;;
    -h | --help) usage ;;
    -*) die "unknown option $1" ;;
    *) args+=("$1") ;;
    esac
    shift
done
[ ${#args[@]} -eq 2 ] || usage
dump=${args[0]}
url=${args[1]}
if [[ $url != *://* ]]; then
    [ -n "${DATABASE_ADMIN_URL:-}" ] ||
        die "TARGET $url is a bare name: set DATABASE_ADMIN_URL to the server, or give a URL"
    url=$(url_with_database "$DATABASE_ADMIN_URL" "$url")
fi

require_commands pg_restore psql sha256sum
[ -f "$dump" ] || die "no such dump: $dump"

if [ -n "$check_sum" ]; then
    [ -f "$dump.sha256" ] || die "no checksum file $dump.sha256 (--no-checksum to restore without)"
    expected=$(awk '{ print $1; exit }' "$dump.sha256")
    actual=$(sha256sum "$dump" | awk '{ print $1 }')
    [ "$expected" = "$actual" ] || die "checksum mismatch: $dump is not the file that was backed up"
fi
# Reads the archive's table of contents: a truncated or foreign file stops here.
contents=$(pg_restore --list "$dump") || die "$dump is not a pg_dump custom-format archive"
source_db=$(sed -n 's/^;[[:space:]]*dbname: //p' <<<"$contents" | head -n 1)

pg_use_url "$url"
target=$PGDATABASE
case $target in
postgres | template0 | template1) die "will not restore into the maintenance database $target" ;;
esac
maintenance=${RESTORE_MAINTENANCE_DB:-postgres}
on_maintenance() { PGDATABASE=$maintenance sql "$1" -v target="$target" "${@:2}"; }

exists=$(on_maintenance "SELECT count(*) FROM pg_database WHERE datname = :'target'")
if [ "$exists" = 1 ]; then
    relations=$(sql "SELECT count(*) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')")
    if [ "$relations" != 0 ]; then
        [ -n "$force" ] ||
            die "database $target is not empty ($relations tables, views and sequences): refusing to restore over it. --force drops and recreates it."
        say "--force: dropping database $target ($relations tables, views and sequences)"
        on_maintenance 'DROP DATABASE :"target" WITH (FORCE)'
        exists=0
    fi
fi

created=""
cleanup() {
    if [ -n "$created" ]; then
        say "restore failed: dropping the database $target it had created"
        on_maintenance 'DROP DATABASE IF EXISTS :"target" WITH (FORCE)' || true
    fi
}
trap cleanup EXIT

if [ "$exists" = 0 ]; then
    say "creating database $target"
    on_maintenance "CREATE DATABASE :\"target\" TEMPLATE template0 ENCODING 'UTF8'"
    created=1
    # The dumped database's own properties (owner, CONNECT grants, settings), which
    # pg_restore applies only with --create, under the dumped name: renamed to the target.
    quoted=$(on_maintenance "SELECT quote_ident(:'source')" -v source="$source_db")
    target_quoted=$(on_maintenance "SELECT quote_ident(:'target')")
    database_sql=$(pg_restore --create --schema-only --file=- "$dump" |
        awk -v from="DATABASE $quoted" -v to="DATABASE $target_quoted" -v owner="$owner" \
            -v no_acl="$no_acl" '
            /^ALTER DATABASE / || /^(GRANT|REVOKE) .* ON DATABASE / {
                if (no_acl != "" && /^(GRANT|REVOKE) /) next
                if (owner != "" && / OWNER TO /) next
                line = $0
                i = index(line, from " ")
                if (i == 0) i = index(line, from ";")
                if (i == 0) next
                print substr(line, 1, i - 1) to substr(line, i + length(from))
            }')
    if [ -n "$owner" ]; then
        database_sql+=$'\n'"ALTER DATABASE $target_quoted OWNER TO $(on_maintenance "SELECT quote_ident(:'role')" -v role="$owner");"
    fi
    if [ -n "$database_sql" ]; then
        PGDATABASE=$maintenance psql_bare <<<"$database_sql"
    fi
fi

restore_options=(--single-transaction --no-password --dbname="$target")
[ -z "$owner" ] || restore_options+=(--no-owner --role="$owner")
[ -z "$no_acl" ] || restore_options+=(--no-acl)
say "restoring $dump into $target on ${PGHOST:-the local socket} as ${PGUSER:-$(id -un)}"
if ! pg_restore "${restore_options[@]}" "$dump"; then
    say "hint: a missing role? Create the roles first (docker/postgres-init.sh), or restore with --owner ROLE --no-acl"
    exit 1
fi
created=""
trap - EXIT

# pg_restore leaves the planner without statistics until autovacuum comes round.
sql "ANALYZE"
tables=$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")
say "restored $tables tables into $target"
