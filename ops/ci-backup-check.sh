#!/usr/bin/env bash
# CI's backup check (.ci/run): a database set up as a deployment has it, backed up,
# restored and compared by ops/verify-backup.sh. About 30 seconds.
#
# The database gets the three roles of docs/security.md, "Database roles", created by
# the deployment's own docker/postgres-init.sh: an owner that migrates, the application's
# role that writes the demo data and the access log, plus a read-only backup role
# (pg_read_all_data) that takes the backup. The superuser restores, so the restored copy
# must come back with the same owners, grants and trigger.
#
# BACKUP_CHECK_ADMIN_URL  a superuser on the server (default postgres://postgres@127.0.0.1:5432/postgres)
# BACKUP_CHECK_DB         the database, dropped and created afresh (default voorzorg_backup_check);
#                         the roles are named after it (<db>_owner, <db>_app, <db>_backup)
#                         and dropped again at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=ops/_lib.sh
. ops/_lib.sh

admin_url=${BACKUP_CHECK_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=${BACKUP_CHECK_DB:-voorzorg_backup_check}
[[ $db =~ ^[a-z_][a-z0-9_]{0,40}$ ]] || die "BACKUP_CHECK_DB: lower-case letters, digits and _ only, at most 41"
owner=${db}_owner
app=${db}_app
reader=${db}_backup
python=.venv/bin/python
[ -x "$python" ] || die "no $python: run make install first"

password() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
owner_password=$(password)
app_password=$(password)
reader_password=$(password)
db_url() { url_with_database "$(sed -E "s#://[^@/]*@#://$1:$2@#" <<<"$admin_url")" "$db"; }
owner_url=$(db_url "$owner" "$owner_password")
app_url=$(db_url "$app" "$app_password")
reader_url=$(db_url "$reader" "$reader_password")
[[ $owner_url == *"$owner:"* ]] || die "BACKUP_CHECK_ADMIN_URL must name its user (postgres://user@host:port/postgres)"

on_admin() { (pg_use_url "$admin_url" && sql "$@"); }

clean_up() {
    on_admin '
        SET client_min_messages = warning;
        DROP DATABASE IF EXISTS :"db" WITH (FORCE);
        DROP ROLE IF EXISTS :"owner", :"app", :"reader";' \
        -v db="$db" -v owner="$owner" -v app="$app" -v reader="$reader"
}
clean_up
trap clean_up EXIT

echo "database $db with its owner, application and backup roles (docker/postgres-init.sh)"
on_admin 'CREATE DATABASE :"db"' -v db="$db"
(
    pg_use_url "$admin_url"
    POSTGRES_USER=$PGUSER POSTGRES_DB=$db \
        DB_OWNER_USER=$owner DB_OWNER_PASSWORD=$owner_password \
        DB_APP_USER=$app DB_APP_PASSWORD=$app_password \
        sh docker/postgres-init.sh >/dev/null
)
# The read-only backup role of docs/operations.md, "Backup and restore".
on_admin '
    CREATE ROLE :"reader" LOGIN PASSWORD :'"'"'password'"'"' IN ROLE pg_read_all_data;
    GRANT CONNECT ON DATABASE :"db" TO :"reader";' \
    -v db="$db" -v reader="$reader" -v password="$reader_password"

echo "migrate as the owner, demo data as the application's role"
# Development settings; no Redis (tasks run in-process), so nothing is left queued.
export DJANGO_SETTINGS_MODULE=voorzorg.settings.base REDIS_URL=""
DATABASE_URL=$app_url DATABASE_MIGRATE_URL=$owner_url "$python" manage.py migrate --noinput -v 0
DATABASE_URL=$app_url "$python" manage.py seed_demo >/dev/null
# A few more access-log rows, written as the application writes them, with addresses.
DATABASE_URL=$app_url "$python" manage.py shell -c '
from voorzorg.audit.models import AuditAction
from voorzorg.audit.services import audit_log
for n in range(5):
    audit_log(actor=None, action=AuditAction.READ, event="backup check", access_granted=n % 2 == 0,
              client_address=f"192.0.2.{n + 1}")
' >/dev/null
rows=$(pg_use_url "$app_url" && sql "SELECT count(*) FROM audit_accesslog")
[ "$rows" -gt 0 ] || die "the access log is empty: the check would prove nothing about it"
echo "the access log holds $rows rows"

echo "back up as the read-only role, restore as the superuser, compare"
DATABASE_ADMIN_URL=$admin_url ops/verify-backup.sh "$reader_url"
