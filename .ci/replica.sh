#!/usr/bin/env bash
# A real PostgreSQL streaming replica of the local server, for the replica tests and the bench (issue #20).
#
#   .ci/replica.sh start    base backup of the primary (pg_basebackup -R, its own replication slot) into
#                           REPLICA_DIR, started on REPLICA_PORT as the postgres OS user; prints its URL
#   .ci/replica.sh stop     stops it, deletes its directory and drops its slot on the primary
#   .ci/replica.sh status   "running on 127.0.0.1:<port>, replay lag <n> s" or "stopped" (exit 3)
#   .ci/replica.sh down|up  stops / starts the replica's server only, keeping its data (the test of a
#                           replica that goes away under the pages)
#
# Environment: PRIMARY_HOST/PRIMARY_PORT (127.0.0.1:5432), REPLICA_PORT (5433),
# REPLICA_DIR (/tmp/certtrack-replica-<port>), PG_BIN (/usr/lib/postgresql/<newest>/bin).
# The primary needs wal_level=replica (the default) and a pg_hba.conf line letting the postgres role
# replicate from 127.0.0.1; `start` adds `host replication postgres 127.0.0.1/32 trust` and reloads when
# no line allows it (CI's throwaway server; on a shared server add it yourself).
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/certtrack-replica-$REPLICA_PORT}
SLOT=certtrack_replica_$REPLICA_PORT
if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -1)/bin
fi
DATA=$REPLICA_DIR/data
LOG=$REPLICA_DIR/postgres.log

# The server refuses to run as root: run its binaries as the postgres OS user when we are root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
primary_sql() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -tAqc "$1"; }
replica_sql() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -tAqc "$1"; }

allow_replication() {
  # A replication connection is refused unless a line names "replication" in its database column.
  if pg_basebackup_probe; then return; fi
  local hba
  hba=$(primary_sql "SHOW hba_file")
  echo "adding 'host replication postgres 127.0.0.1/32 trust' to $hba"
  echo "host replication postgres 127.0.0.1/32 trust  # certtrack .ci/replica.sh" >>"$hba"
  primary_sql "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  pg_basebackup_probe || { echo "the primary still refuses replication connections from 127.0.0.1" >&2; exit 1; }
}

pg_basebackup_probe() {
  psql "host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres replication=true dbname=postgres" \
    -tAqc "IDENTIFY_SYSTEM" >/dev/null 2>&1
}

start() {
  if status >/dev/null 2>&1; then
    echo "replica already running on 127.0.0.1:$REPLICA_PORT"
    return
  fi
  allow_replication
  stop_quietly
  install -d -o postgres -g postgres -m 0700 "$REPLICA_DIR"
  # A slot keeps the WAL the replica has not received yet; `stop` drops it, or the primary would keep WAL forever.
  primary_sql "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
  echo "base backup of $PRIMARY_HOST:$PRIMARY_PORT into $DATA"
  as_postgres "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" \
    -R -X stream -C -S "$SLOT" --checkpoint=fast
  # Debian keeps the configuration outside the data directory: give the replica its own. A hot standby
  # needs these limits at least as high as its primary's.
  local limits=""
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    limits+="$name = $(primary_sql "SHOW $name")"$'\n'
  done
  as_postgres tee "$DATA/postgresql.conf" >/dev/null <<EOF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hba_file = '$DATA/pg_hba.conf'
ident_file = '$DATA/pg_ident.conf'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 64MB
fsync = off
$limits
EOF
  as_postgres tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres touch "$DATA/pg_ident.conf"
  as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  for _ in $(seq 60); do
    [ "$(replica_sql "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ] && break
    sleep 1
  done
  status
  echo "REPLICA_TEST_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
}

stop_quietly() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$REPLICA_DIR"
  primary_sql "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" \
    >/dev/null 2>&1 || true
}

stop() {
  stop_quietly
  echo "replica on 127.0.0.1:$REPLICA_PORT stopped"
}

status() {
  local lag
  if ! lag=$(replica_sql "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
      ELSE round(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::numeric, 1) END
      FROM (SELECT pg_is_in_recovery() AS standby) AS s WHERE standby" 2>/dev/null) || [ -z "$lag" ]; then
    echo "stopped"
    return 3
  fi
  echo "running on 127.0.0.1:$REPLICA_PORT, replay lag $lag s"
}

down() {
  as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  echo "replica server on 127.0.0.1:$REPLICA_PORT stopped (data kept: '$0 up' starts it)"
}

up() {
  if status >/dev/null 2>&1; then status; return; fi
  as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  status
}

case "${1:-}" in
  start) start ;;
  down) down ;;
  up) up ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status|down|up" >&2; exit 2 ;;
esac
