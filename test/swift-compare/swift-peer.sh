#!/bin/bash
# A single-node OpenStack Swift (Debian's swift 2.30 packages) on loopback, for the
# differential suite (swift-compare.test.ts): tempauth, one replica, one directory as its
# device, one worker per server, no replicators or auditors.
#
#   SWIFT_PEER_DIR=/tmp/x test/swift-compare/swift-peer.sh start   # prints nothing else on success
#   SWIFT_PEER_DIR=/tmp/x test/swift-compare/swift-peer.sh stop    # stops what start started
#
# Ports: SWIFT_PEER_PORT (proxy, default 18080), then +1 account, +2 container, +3 object,
# +4 memcached. Writes only under $SWIFT_PEER_DIR, and Swift's own /etc/swift/swift.conf
# (the hash path prefix and suffix every Swift process reads from there).
set -euo pipefail

BASE=${SWIFT_PEER_DIR:?set SWIFT_PEER_DIR to a scratch directory}
ETC=$BASE/etc RUN=$BASE/run LOG=$BASE/log DEVROOT=$BASE/srv/node DEV=d1 CACHE=$BASE/cache
PY=/usr/bin/python3   # Debian's python (PATH may have another one first)
PROXY_PORT=${SWIFT_PEER_PORT:-18080}
ACCOUNT_PORT=$((PROXY_PORT + 1)) CONTAINER_PORT=$((PROXY_PORT + 2)) OBJECT_PORT=$((PROXY_PORT + 3)) MEMCACHE_PORT=$((PROXY_PORT + 4))

ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$2"; }

stop() {
  for name in proxy object container account memcached; do
    local pf=$RUN/$name.pid mf=$RUN/$name.match pid match
    [ -s "$pf" ] || continue
    pid=$(cat "$pf"); match=$(cat "$mf" 2>/dev/null || echo __none__)
    if ours "$pid" "$match"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do ours "$pid" "$match" || break; sleep 0.1; done
      ours "$pid" "$match" && kill -KILL "$pid" 2>/dev/null || true
      # Swift's servers setsid() and fork workers into their own group: end those too.
      for w in $(ps -e -o pid=,pgid= | awk -v g="$pid" '$2==g{print $1}'); do ours "$w" "$match" && kill -KILL "$w" 2>/dev/null || true; done
    fi
    rm -f "$pf" "$mf"
  done
}

start() {
  for b in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached; do
    command -v "$b" >/dev/null || { echo "missing $b (apt-get install swift swift-proxy swift-account swift-container swift-object memcached)" >&2; exit 3; }
  done
  stop
  mkdir -p "$ETC" "$RUN" "$LOG" "$DEVROOT/$DEV" "$CACHE" /etc/swift
  chmod 755 "$BASE"   # the servers drop to the swift user, who must read the configs
  chown swift:swift "$BASE/srv" "$DEVROOT" "$DEVROOT/$DEV" "$CACHE"
  cat > /etc/swift/swift.conf <<CONF
[swift-hash]
swift_hash_path_prefix = swiftpeerprefix
swift_hash_path_suffix = swiftpeersuffix

[storage-policy:0]
name = Policy-0
default = yes
CONF
  common() {  # $1 port
    printf '[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = %s\nworkers = 1\nuser = swift\nswift_dir = %s\ndevices = %s\nmount_check = false\nlog_level = INFO\nrecon_cache_path = %s\neventlet_debug = false\n\n' "$1" "$ETC" "$DEVROOT" "$CACHE"
  }
  { common "$PROXY_PORT"; cat <<CONF
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
token_life = 86400

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHE_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
CONF
  } > "$ETC/proxy-server.conf"
  for spec in object:$OBJECT_PORT container:$CONTAINER_PORT account:$ACCOUNT_PORT; do
    local ring=${spec%%:*} port=${spec##*:}
    { common "$port"; printf '[pipeline:main]\npipeline = %s-server\n\n[app:%s-server]\nuse = egg:swift#%s\n' "$ring" "$ring" "$ring"; } > "$ETC/$ring-server.conf"
    if [ ! -s "$ETC/$ring.ring.gz" ]; then
      rm -f "$ETC/$ring.builder"
      swift-ring-builder "$ETC/$ring.builder" create 10 1 1 >/dev/null
      swift-ring-builder "$ETC/$ring.builder" add --region 1 --zone 1 --ip 127.0.0.1 --port "$port" --device "$DEV" --weight 100 >/dev/null
      local rc=0; swift-ring-builder "$ETC/$ring.builder" rebalance >/dev/null || rc=$?
      [ $rc -le 1 ] || { echo "rebalance of the $ring ring failed ($rc)" >&2; exit 1; }
    fi
  done
  for p in $MEMCACHE_PORT $ACCOUNT_PORT $CONTAINER_PORT $OBJECT_PORT $PROXY_PORT; do
    if ss -Hltn "sport = :$p" | grep -q .; then echo "port $p is in use by a process this script did not start" >&2; exit 1; fi
  done
  launch() {  # $1 name, $2 string its command line contains, rest: the command
    local name=$1 match=$2; shift 2
    echo "$match" > "$RUN/$name.match"
    setsid nohup "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
    echo $! > "$RUN/$name.pid"
  }
  launch memcached "memcached -l 127.0.0.1 -p $MEMCACHE_PORT" memcached -l 127.0.0.1 -p "$MEMCACHE_PORT" -U 0 -m 64 -u memcache
  for s in account container object proxy; do launch $s "$ETC/$s-server.conf" $PY /usr/bin/swift-$s-server "$ETC/$s-server.conf" -v; done
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "http://127.0.0.1:$PROXY_PORT/auth/v1.0" 2>/dev/null \
      && curl -fsS -o /dev/null "http://127.0.0.1:$PROXY_PORT/healthcheck" 2>/dev/null; then
      echo "http://127.0.0.1:$PROXY_PORT"; exit 0
    fi
    for n in memcached account container object proxy; do
      ours "$(cat "$RUN/$n.pid")" "$(cat "$RUN/$n.match")" || { echo "$n died; see $LOG/$n.log" >&2; tail -20 "$LOG/$n.log" >&2; exit 1; }
    done
    sleep 0.25
  done
  echo "Swift did not answer within 60 s; logs in $LOG" >&2; exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
