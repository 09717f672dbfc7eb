# shellcheck shell=bash
# Shared by the scripts in ops/ (sourced, not run): messages, and a database URL turned
# into libpq's PG* environment variables.
#
# Why the environment and not the URL on the command line: a process's arguments are
# visible to every user of the machine (ps, /proc/*/cmdline); its environment only to its
# own user. pg_dump, pg_restore and psql read PGHOST, PGPASSWORD, ... by themselves.

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

say() {
    echo "${0##*/}: $*" >&2
}

require_commands() {
    local missing=() command
    for command in "$@"; do
        command -v "$command" >/dev/null 2>&1 || missing+=("$command")
    done
    [ ${#missing[@]} -eq 0 ] || die "not found on PATH: ${missing[*]} (Debian: apt-get install postgresql-client)"
}

url_decode() {
    local value=${1//+/%2B}
    printf '%b' "${value//%/\\x}"
}

# pg_use_url URL: export PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE (and the
# supported query parameters) from a postgres:// URL as Django's DATABASE_URL spells it,
# clearing any that the URL leaves out. Call it in a subshell to keep two connections apart.
pg_use_url() {
    local url=$1
    local pattern='^(postgres|postgresql|pgsql)://(([^:@/?]*)(:([^@/?]*))?@)?(\[[^]/?]*\]|[^:/?]*)(:([0-9]+))?(/([^?]*))?(\?(.*))?$'
    [[ $url =~ $pattern ]] || die "not a postgres:// URL (postgres://user:password@host:5432/database)"
    local user=${BASH_REMATCH[3]} password=${BASH_REMATCH[5]} host=${BASH_REMATCH[6]}
    local port=${BASH_REMATCH[8]} database=${BASH_REMATCH[10]} query=${BASH_REMATCH[12]}
    host=${host#[}
    host=${host%]}
    unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSSLMODE \
        PGSSLROOTCERT PGSSLCERT PGSSLKEY PGCONNECT_TIMEOUT PGAPPNAME PGTARGETSESSIONATTRS
    [ -n "$database" ] || die "the URL names no database"
    [ -z "$host" ] || PGHOST=$(url_decode "$host")
    [ -z "$port" ] || PGPORT=$port
    [ -z "$user" ] || PGUSER=$(url_decode "$user")
    [ -z "$password" ] || PGPASSWORD=$(url_decode "$password")
    PGDATABASE=$(url_decode "$database")
    export PGDATABASE
    [ -z "$host" ] || export PGHOST
    [ -z "$port" ] || export PGPORT
    [ -z "$user" ] || export PGUSER
    [ -z "$password" ] || export PGPASSWORD
    local pair key value
    local -a pairs=()
    [ -z "$query" ] || IFS='&' read -r -a pairs <<<"$query"
    for pair in "${pairs[@]}"; do
        key=${pair%%=*}
        value=$(url_decode "${pair#*=}")
        case $key in
        sslmode) export PGSSLMODE="$value" ;;
        sslrootcert) export PGSSLROOTCERT="$value" ;;
        sslcert) export PGSSLCERT="$value" ;;
        sslkey) export PGSSLKEY="$value" ;;
        connect_timeout) export PGCONNECT_TIMEOUT="$value" ;;
        application_name) export PGAPPNAME="$value" ;;
        target_session_attrs) export PGTARGETSESSIONATTRS="$value" ;;
        *) die "unsupported parameter in the database URL: $key" ;;
        esac
    done
}

# url_with_database URL NAME: the same server and credentials, another database.
url_with_database() {
    local url=$1 name=$2 base query=""
    base=${url%%\?*}
    [ "$base" = "$url" ] || query="?${url#*\?}"
    [[ $base =~ ^[a-z]+://[^/]*/[^/]*$ ]] || die "the URL names no database: cannot derive another one"
    printf '%s/%s%s\n' "${base%/*}" "$name" "$query"
}

# psql that stops at the first error, reads no ~/.psqlrc, and prints bare values.
psql_bare() {
    psql --no-psqlrc --no-password --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 "$@"
}

# sql STATEMENT [psql options such as -v name=value]: the statement goes in on stdin, so
# psql fills in its variables, quoted (:'name' a literal, :"name" an identifier); with
# `psql -c` they would reach the server unreplaced.
sql() {
    local statement=$1
    shift
    psql_bare "$@" <<<"$statement"
}

# The major version of a PostgreSQL client program (pg_dump --version: "pg_dump (PostgreSQL) 16.4").
client_major() {
    "$1" --version | awk '{ print $3 }' | sed -E 's/^([0-9]+).*/\1/'
}
