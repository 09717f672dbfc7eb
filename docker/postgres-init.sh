#!/bin/sh
# Voorzorg's two database roles (docs/security.md, "Database roles"). The postgres image
# runs this once, as POSTGRES_USER, when it creates an empty data directory; it is safe
# to run again by hand, e.g. to bring a database from before the split over:
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-voorzorg-roles.sh
#
#   DB_OWNER_USER  owns the database, its schema and every table; only `migrate` connects
#                  as it (DATABASE_MIGRATE_URL). Not a superuser.
#   DB_APP_USER    web, worker and beat (DATABASE_URL). Owns nothing; `migrate` grants it
#                  what the application needs (voorzorg/core/db_roles.py).
# No `set -e`/`exit` here: the image sources scripts that are not executable, and psql's
# ON_ERROR_STOP makes a failure fail the container's first start instead.
: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
: "${DB_OWNER_USER:?set DB_OWNER_USER}" "${DB_OWNER_PASSWORD:?set DB_OWNER_PASSWORD}"
: "${DB_APP_USER:?set DB_APP_USER}" "${DB_APP_PASSWORD:?set DB_APP_PASSWORD}"

# Passwords are read inside psql (\getenv), never put on a command line; psql quotes
# every name (:"var") and value (:'var') it interpolates.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv superuser POSTGRES_USER
\getenv dbname POSTGRES_DB
\getenv owner DB_OWNER_USER
\getenv owner_password DB_OWNER_PASSWORD
\getenv app DB_APP_USER
\getenv app_password DB_APP_PASSWORD

SELECT :'owner' IN (:'superuser', :'app') OR :'app' = :'superuser' AS same_names \gset
\if :same_names
  DO $$ BEGIN
    RAISE EXCEPTION 'DB_OWNER_USER, DB_APP_USER and POSTGRES_USER must be three roles';
  END $$;
\endif

SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (
    SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (
    SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" WITH LOGIN PASSWORD :'owner_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"app" WITH LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- The owner owns the database, so (PostgreSQL 15+) also its public schema: it may create
-- tables there, and nobody else may.
ALTER DATABASE :"dbname" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"dbname" TO :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- A database from before the split: its tables, sequences and functions belonged to the
-- superuser the application used to connect as. They go to the owner (a table takes its
-- own sequences along); `migrate` then grants the application's role.
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             ELSE 'TABLE' END,
              n.nspname, c.relname, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
   AND pg_get_userbyid(c.relowner) <> :'owner'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER SEQUENCE %I.%I OWNER TO %I', n.nspname, c.relname, :'owner')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind = 'S'
   AND pg_get_userbyid(c.relowner) <> :'owner'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec
SQL
