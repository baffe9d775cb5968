#!/usr/bin/env bash
# postgres.sh makes a throwaway PostgreSQL server for tests (the store
# conformance suite reads its DSN from TRUSTBRIDGE_TEST_POSTGRES).
#
#   scripts/postgres.sh start [DIR]     start (or reuse) a server whose files live
#                                       in DIR (default: a new temp directory) and
#                                       print its DSN on stdout
#   scripts/postgres.sh stop [--keep] DIR
#                                       stop the server; unless --keep, remove the
#                                       files start created in DIR (never anything
#                                       else), and DIR itself if start created it
#   scripts/postgres.sh dsn DIR         print the DSN of a running server
#
# On a fresh Debian machine run as root it installs Debian's postgresql
# package (non-interactively, without the package's default cluster). The
# server refuses to run as root, so as root everything runs as the postgres
# user. The server listens on 127.0.0.1 only, on a free port, with
# scram-sha-256 password authentication and a random password; the unix
# socket lives in DIR/run, private to the server's owner. Both commands are idempotent: start on a DIR whose
# server is running prints the same DSN again, stop on a stopped or missing
# server succeeds.
#
# Only the DSN goes to stdout; progress and errors go to stderr.
#
# Environment: PG_VERSION (default: the newest installed, preferring 15),
# PG_BINDIR (overrides the search for initdb/pg_ctl), PG_DATABASE (default
# trustbridge).
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

MARKER=.trustbridge-pg
DB_NAME=${PG_DATABASE:-trustbridge}

usage() {
  sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# find_bindir prints the directory holding initdb and pg_ctl, or nothing.
find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/initdb" ] && echo "$PG_BINDIR"
    return 0
  fi
  local want=${PG_VERSION:-}
  if [ -n "$want" ]; then
    [ -x "/usr/lib/postgresql/$want/bin/initdb" ] && echo "/usr/lib/postgresql/$want/bin"
    return 0
  fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo /usr/lib/postgresql/15/bin
    return 0
  fi
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && best=$d
  done
  if [ -n "$best" ]; then
    echo "$best"
    return 0
  fi
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
  fi
  return 0
}

install_postgres() {
  is_root || die "PostgreSQL binaries not found and not root: install Debian's postgresql package or set PG_BINDIR"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL binaries not found and apt-get is unavailable"
  log "installing Debian's postgresql package"
  # Do not let the package create and start its own cluster on port 5432.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  local pkg=postgresql
  [ -n "${PG_VERSION:-}" ] && pkg="postgresql-$PG_VERSION"
  apt-get install -y -qq --no-install-recommends --no-upgrade "$pkg" >&2
}

# as_pg runs a command as the server's owner: the postgres user when root,
# the current user otherwise.
as_pg() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      local q
      printf -v q '%q ' "$@"
      su -s /bin/sh postgres -c "$q"
    fi
  else
    "$@"
  fi
}

ensure_pg_user() {
  is_root || return 0
  if ! getent passwd postgres >/dev/null; then
    log "creating the postgres system user"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
}

# port_free reports whether nothing accepts TCP connections on 127.0.0.1:$1.
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local i p
  for i in $(seq 1 200); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free TCP port found"
}

# running reports whether the server of data directory $1 is up.
running() {
  [ -f "$1/postmaster.pid" ] || return 1
  as_pg "$BINDIR/pg_ctl" -D "$1" status >/dev/null 2>&1
}

print_dsn() {
  local dir=$1
  local port pass
  port=$(cat "$dir/port")
  pass=$(cat "$dir/password")
  printf 'postgres://postgres:%s@127.0.0.1:%s/%s?sslmode=disable\n' "$pass" "$port" "$DB_NAME"
}

cmd_start() {
  local dir=${1:-} created=0
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/trustbridge-pg.XXXXXX")
    created=1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)

  BINDIR=$(find_bindir)
  if [ -z "$BINDIR" ]; then
    install_postgres
    BINDIR=$(find_bindir)
    [ -n "$BINDIR" ] || die "PostgreSQL binaries still not found after installing"
  fi
  ensure_pg_user

  if [ ! -e "$dir/$MARKER" ]; then
    if [ -n "$(ls -A "$dir")" ]; then
      die "$dir is not empty and was not made by postgres.sh; refusing to use it"
    fi
    echo "created=$created" >"$dir/$MARKER"
  fi
  if is_root; then
    chown postgres: "$dir"
    chmod 0700 "$dir"
    as_pg test -w "$dir" || die "the postgres user cannot write $dir (is a parent directory private to root?)"
  fi

  local data=$dir/data
  if running "$data"; then
    log "server in $dir is already running"
    print_dsn "$dir"
    return 0
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    local pwfile=$dir/password
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$pwfile")
    is_root && chown postgres: "$pwfile"
    log "initializing a cluster in $data with $BINDIR/initdb"
    as_pg "$BINDIR/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  # The socket directory is private to the server's owner: local
  # connections are trusted.
  mkdir -p "$dir/run"
  chmod 0700 "$dir/run"
  is_root && chown postgres: "$dir/run"

  local attempt port=""
  for attempt in 1 2 3 4 5; do
    if [ -f "$dir/port" ] && port_free "$(cat "$dir/port")"; then
      port=$(cat "$dir/port")
    else
      port=$(pick_port)
    fi
    echo "$port" >"$dir/port"
    log "starting PostgreSQL on 127.0.0.1:$port"
    if as_pg "$BINDIR/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/run -c max_connections=300" start >&2; then
      break
    fi
    port=""
    rm -f "$dir/port"
    log "start failed (attempt $attempt); see $dir/postgres.log"
  done
  [ -n "$port" ] || die "could not start PostgreSQL"

  if ! as_pg "$BINDIR/psql" -h "$dir/run" -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    as_pg "$BINDIR/createdb" -h "$dir/run" -p "$port" -U postgres "$DB_NAME"
  fi
  log "ready; stop it with: $0 stop $dir"
  print_dsn "$dir"
}

cmd_stop() {
  local keep=0
  if [ "${1:-}" = "--keep" ]; then
    keep=1
    shift
  fi
  local dir=${1:-}
  [ -n "$dir" ] || usage
  if [ ! -d "$dir" ]; then
    log "$dir does not exist; nothing to stop"
    return 0
  fi
  if [ ! -e "$dir/$MARKER" ]; then
    # Already stopped and cleaned (stop is idempotent), or not ours.
    [ -z "$(ls -A "$dir")" ] && return 0
    die "$dir was not made by postgres.sh; refusing to touch it"
  fi
  BINDIR=$(find_bindir)
  if [ -n "$BINDIR" ] && running "$dir/data"; then
    log "stopping the server in $dir"
    as_pg "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
  fi
  if [ "$keep" -eq 0 ]; then
    local created
    created=$(sed -n 's/^created=//p' "$dir/$MARKER")
    rm -rf "$dir/data" "$dir/run"
    rm -f "$dir/port" "$dir/password" "$dir/postgres.log" "$dir/initdb.log" "$dir/$MARKER"
    if [ "$created" = 1 ]; then
      rmdir "$dir" 2>/dev/null || true
    fi
  fi
}

cmd_dsn() {
  local dir=${1:-}
  [ -n "$dir" ] || usage
  BINDIR=$(find_bindir)
  [ -n "$BINDIR" ] && running "$dir/data" || die "no running server in $dir"
  print_dsn "$dir"
}

case "${1:-}" in
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
dsn) shift; cmd_dsn "$@" ;;
*) usage ;;
esac
