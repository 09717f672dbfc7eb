#!/usr/bin/env bash
# The restore drill: back a database up with ops/backup.sh, restore the dump with
# ops/restore.sh into a scratch database, and compare the two. Prints a table; exits
# non-zero on any difference; drops the scratch database (unless --keep).
# docs/operations.md, "Backup and restore".
#
#   ops/verify-backup.sh [--keep] [--scratch NAME] [SOURCE_URL [ADMIN_URL]]
#
# SOURCE_URL   (or DATABASE_BACKUP_URL, DATABASE_URL) the database to back up, as the role
#              backups are taken with (the owner, or a read-only backup role).
# ADMIN_URL    (or DATABASE_ADMIN_URL; default SOURCE_URL) a role on the same server that
#              may create the scratch database and restore ownership: the superuser.
# --scratch    the scratch database's name (default: <source>_verify_<time>); it must not
#              exist.
#
# Compared, source against restored copy:
#   - every table: its number of rows and a fingerprint of their content (the sum of a
#     hash of every row, so the order of the rows does not matter);
#   - the access log's latest row: its id and a hash of the row;
#   - owners and grants of the database, its schemas, tables, sequences and functions,
#     the default privileges, and the triggers (the role split of docs/security.md);
# and in the restored copy: every sequence is at or beyond the ids its column holds, and
# the access log's trigger refuses an UPDATE.
# The source is read in the snapshot the dump was taken in (pg_export_snapshot), so a
# database in use, whose access log grows while the drill runs, still compares equal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=ops/_lib.sh
. "$here/_lib.sh"

usage() {
    sed -n '7p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

keep=""
scratch=""
args=()
while [ $# -gt 0 ]; do
    case $1 in
    --keep) keep=1 ;;
    --scratch)
        [ $# -ge 2 ] || usage
        scratch=$2
        shift
        ;;
    -h | --help) usage ;;
    -*) die "unknown option $1" ;;
    *) args+=("$1") ;;
    esac
    shift
done
[ ${#args[@]} -le 2 ] || usage
source_url=${args[0]:-${DATABASE_BACKUP_URL:-${DATABASE_URL:-}}}
[ -n "$source_url" ] || die "name the database: SOURCE_URL, DATABASE_BACKUP_URL or DATABASE_URL"
admin_url=${args[1]:-${DATABASE_ADMIN_URL:-$source_url}}
audit_table=${AUDIT_TABLE:-public.audit_accesslog}
[[ $audit_table =~ ^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$ ]] ||
    die "AUDIT_TABLE must be schema.table in lower case (not '$audit_table')"
require_commands pg_dump pg_restore psql sha256sum awk

source_db=$(pg_use_url "$source_url" && echo "$PGDATABASE")
scratch=${scratch:-${source_db:0:40}_verify_$(date -u +%Y%m%d%H%M%S)}
scratch_url=$(url_with_database "$admin_url" "$scratch")
exists=$(pg_use_url "$admin_url" && PGDATABASE=postgres sql \
    "SELECT count(*) FROM pg_database WHERE datname = :'name'" -v name="$scratch")
[ "$exists" = 0 ] || die "database $scratch exists already: choose another --scratch name"

work=$(mktemp -d)
snapshot_pid=""
scratch_made=""
# shellcheck disable=SC2317 # run by the trap
cleanup() {
    local status=$?
    [ -z "$snapshot_pid" ] || kill "$snapshot_pid" 2>/dev/null || true
    if [ -n "$scratch_made" ] && [ -z "$keep" ]; then
        (pg_use_url "$admin_url" && PGDATABASE=postgres sql \
            'DROP DATABASE IF EXISTS :"name" WITH (FORCE)' -v name="$scratch") ||
            say "could not drop the scratch database $scratch: drop it by hand"
    fi
    [ -z "$keep" ] || [ -z "$scratch_made" ] || say "kept the scratch database $scratch"
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# Everything compared, one fact a line: kind <TAB> name <TAB> value. Session settings fix
# how timestamps and numbers are written, so the same row reads the same on both sides.
read -r -d '' FACTS <<'SQL' || true
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;
SET bytea_output = 'hex';
\pset fieldsep '\t'
WITH rel AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind, c.relowner, c.relacl
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
), counted AS (
    SELECT format('%I.%I', nspname, relname) AS name,
           query_to_xml(format(
               'SELECT count(*) AS n, coalesce(sum(((''x'' || left(md5(t::text), 15))::bit(60))::bigint::numeric), 0) AS h FROM %I.%I t',
               nspname, relname), false, true, '') AS x
    FROM rel WHERE relkind IN ('r', 'p')
), latest AS (
    SELECT query_to_xml(CASE WHEN to_regclass(:'audit_table') IS NULL
        THEN 'SELECT NULL::bigint AS id, NULL::text AS h'
        ELSE format('SELECT id, md5(t::text) AS h FROM %s t ORDER BY id DESC LIMIT 1',
                    to_regclass(:'audit_table')) END, false, true, '') AS x
)
SELECT 'rows', name, (xpath('/row/n/text()', x))[1]::text || ' ' || (xpath('/row/h/text()', x))[1]::text
FROM counted
UNION ALL
SELECT 'latest access-log row', :'audit_table',
       coalesce((xpath('/row/id/text()', x))[1]::text || ' ' || (xpath('/row/h/text()', x))[1]::text, 'none')
FROM latest
UNION ALL
SELECT 'owners and grants', 'database', pg_get_userbyid(datdba) || ' ' || coalesce(datacl::text, '-')
FROM pg_database WHERE datname = current_database()
UNION ALL
SELECT 'owners and grants', 'schema ' || quote_ident(nspname), pg_get_userbyid(nspowner) || ' ' || coalesce(nspacl::text, '-')
FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
UNION ALL
SELECT 'owners and grants', relkind::text || ' ' || format('%I.%I', nspname, relname), pg_get_userbyid(relowner) || ' ' || coalesce(relacl::text, '-')
FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
SELECT 'owners and grants', 'function ' || p.oid::regprocedure::text,
       pg_get_userbyid(p.proowner) || ' ' || coalesce(p.proacl::text, '-') || ' ' || md5(p.prosrc)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'owners and grants', 'default privileges ' || pg_get_userbyid(defaclrole) || ' '
       || coalesce(defaclnamespace::regnamespace::text, '-') || ' ' || defaclobjtype::text, defaclacl::text
FROM pg_default_acl
UNION ALL
SELECT 'triggers', tgrelid::regclass::text || ' ' || tgname, tgenabled::text || ' ' || md5(pg_get_triggerdef(oid))
FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1, 2;
SQL

# The source's side: a session that exports its snapshot and stays open while pg_dump
# dumps as of it, then reads the facts in that same snapshot.
coproc SNAPSHOT { pg_use_url "$source_url" && psql_bare 2>&1; }
# shellcheck disable=SC2153 # SNAPSHOT_PID: set by coproc
snapshot_pid=$SNAPSHOT_PID
echo "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT pg_export_snapshot();" >&"${SNAPSHOT[1]}"
IFS= read -r -t 30 snapshot <&"${SNAPSHOT[0]}" || die "no snapshot from the source database"
[[ $snapshot =~ ^[0-9A-F-]+$ ]] || die "no snapshot from the source database: $snapshot"

dump=$(DATABASE_BACKUP_URL=$source_url BACKUP_DIR="$work" PG_DUMP_SNAPSHOT=$snapshot \
    BACKUP_KEEP_DAYS="" "$here/backup.sh" | tail -n 1)

{
    printf '\\set audit_table %s\n' "'$audit_table'"
    printf '%s\n' "$FACTS"
    echo "SELECT 'end-of-facts';"
} >&"${SNAPSHOT[1]}"
: >"$work/source.facts"
while true; do
    IFS= read -r -t 600 line <&"${SNAPSHOT[0]}" || die "the source database stopped answering"
    [ "$line" != "end-of-facts" ] || break
    [[ $line == *$'\t'* ]] || die "source database: $line"
    printf '%s\n' "$line" >>"$work/source.facts"
done
echo "COMMIT;" >&"${SNAPSHOT[1]}"
eval "exec ${SNAPSHOT[1]}>&-"
wait "$snapshot_pid" || true
snapshot_pid=""

scratch_made=1
"$here/restore.sh" "$dump" "$scratch_url"

(pg_use_url "$scratch_url" && sql "$FACTS" -v audit_table="$audit_table") >"$work/restored.facts"

# Checks on the restored copy alone.
sequences_behind=$(pg_use_url "$scratch_url" && sql "
    SELECT string_agg(format('%s (%s < %s)', s.seq, s.last, s.top), ', ')
    FROM (
        SELECT d.objid::regclass AS seq, coalesce(q.last_value, 0) AS last,
               (xpath('/row/m/text()', query_to_xml(format('SELECT max(%I) AS m FROM %s',
                   a.attname, d.refobjid::regclass), false, true, '')))[1]::text::bigint AS top
        FROM pg_depend d
        JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        JOIN pg_sequences q ON format('%I.%I', q.schemaname, q.sequencename)::regclass = d.objid
        WHERE d.deptype IN ('a', 'i') AND d.classid = 'pg_class'::regclass
    ) s
    WHERE s.top > s.last")
trigger_check=$( (pg_use_url "$scratch_url" && sql "
    SELECT to_regclass(:'audit_table') IS NOT NULL AND EXISTS (SELECT FROM $audit_table) AS ready
    \\gset
    \\if :ready
        BEGIN;
        UPDATE $audit_table SET id = id WHERE id = (SELECT max(id) FROM $audit_table);
        ROLLBACK;
        \\echo 'UPDATE went through'
    \\else
        \\echo 'no access-log rows to try'
    \\endif" -v audit_table="$audit_table") 2>&1 | tr '\n\t' '  ' || true)

# The checks on the restored copy alone: label <TAB> what was seen <TAB> ok or FAILED.
{
    if [ -z "$sequences_behind" ]; then
        printf 'sequences at or beyond their column\tall\tok\n'
    else
        printf 'sequences at or beyond their column\t%s\tFAILED\n' "behind: $sequences_behind"
    fi
    case $trigger_check in
    *append-only*) printf 'access log refuses UPDATE\trefused\tok\n' ;;
    "no access-log rows to try"*) printf 'access log refuses UPDATE\tno rows to try\tskipped\n' ;;
    *) printf 'access log refuses UPDATE\t%s\tFAILED\n' "$trigger_check" ;;
    esac
} >"$work/checks"

say "compared $source_db (as of the dump) with its restored copy $scratch:"
awk -F'\t' -f "$here/_compare.awk" "$work/source.facts" "$work/restored.facts" "$work/checks" && result=0 || result=$?

if [ "$result" = 0 ]; then
    say "the backup restores completely: every check passed"
else
    say "the restored copy differs from the source: see the lines above"
fi
exit "$result"
