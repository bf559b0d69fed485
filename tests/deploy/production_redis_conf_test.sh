#!/usr/bin/env bash
# The example deployment's redis.conf and sentinel.conf (deploy/production/redis)
# are accepted by the real redis-server and Sentinel: each is started with the
# per-machine lines pointed at 127.0.0.1, free ports and a temporary directory,
# and must answer — Redis PING, Sentinel naming the primary it monitors.
# Label redis. Usage: production_redis_conf_test.sh SOURCE_DIR
set -euo pipefail
src=$1/deploy/production/redis
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Wait for them: a Redis still writing its files on shutdown made rm fail
  # ("Directory not empty") and with it a test whose checks had passed.
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp" || true
}
trap cleanup EXIT
# Below the kernel's ephemeral range (ip_local_port_range, 32768 and up here):
# a port picked there could be taken by any test's outgoing connection before
# redis-server binds it (seen in CI: "Failed listening on port … aborting").
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 12000))
    (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "no free port" >&2; exit 1
}
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.log; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }
redis_port=$(free_port)
sentinel_port=$(free_port)
while [[ "$sentinel_port" == "$redis_port" ]]; do sentinel_port=$(free_port); done
mkdir -m 700 "$tmp/data" "$tmp/sentinel"
echo "user default on nopass ~* &* +@all" > "$tmp/users.acl"

# Started again on another port if its port was taken meanwhile.
for _ in 1 2 3 4 5; do
  sed -e 's|^bind .*|bind 127.0.0.1|' -e 's|^replica-announce-ip .*|replica-announce-ip 127.0.0.1|' \
      -e "s|^aclfile .*|aclfile $tmp/users.acl|" -e "s|^dir .*|dir $tmp/data|" \
      -e "s|^port .*|port $redis_port|" -e 's|^supervised systemd|supervised no|' \
      "$src/redis.conf" > "$tmp/redis.conf"
  : > "$tmp/redis.log"
  redis-server "$tmp/redis.conf" --logfile "$tmp/redis.log" &
  pid=$!
  for _ in $(seq 1 50); do
    [[ "$(redis-cli -p "$redis_port" PING 2>/dev/null)" == PONG ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then pids+=("$pid"); break; fi
  grep -q "Failed listening on port" "$tmp/redis.log" || break
  redis_port=$(free_port)
  while [[ "$sentinel_port" == "$redis_port" ]]; do redis_port=$(free_port); done
done
sed -e 's|^bind .*|bind 127.0.0.1|' -e 's|announce-ip .*|announce-ip 127.0.0.1|' \
    -e "s|^dir .*|dir \"$tmp/sentinel\"|" -e "s|^port .*|port $sentinel_port|" \
    -e 's|^supervised systemd|supervised no|' -e "s|10.20.0.11 6390|127.0.0.1 $redis_port|" \
    "$src/sentinel.conf" > "$tmp/sentinel/sentinel.conf"
redis-server "$tmp/sentinel/sentinel.conf" --sentinel --logfile "$tmp/sentinel.log" &
pids+=($!)

for _ in $(seq 1 100); do
  [[ "$(redis-cli -p "$redis_port" PING 2>/dev/null)" == PONG ]] && break
  sleep 0.1
done
[[ "$(redis-cli -p "$redis_port" PING 2>/dev/null)" == PONG ]] || fail "redis-server did not start on the example redis.conf"
[[ "$(redis-cli -p "$redis_port" CONFIG GET appendfsync | sed -n 2p)" == always ]] || fail "appendfsync is not always"
[[ "$(redis-cli -p "$redis_port" CONFIG GET maxmemory-policy | sed -n 2p)" == noeviction ]] || fail "maxmemory-policy"
[[ "$(redis-cli -p "$redis_port" CONFIG GET min-replicas-to-write | sed -n 2p)" == 1 ]] || fail "min-replicas-to-write"
[[ "$(redis-cli -p "$redis_port" CONFIG GET latency-monitor-threshold | sed -n 2p)" == 20 ]] || fail "latency-monitor-threshold"
export REDISCLI_AUTH=@SENTINEL_PASSWORD@
master=
for _ in $(seq 1 100); do
  master=$(redis-cli -p "$sentinel_port" SENTINEL get-master-addr-by-name piket 2>/dev/null | tr '\n' ' ')
  [[ "$master" == "127.0.0.1 $redis_port " ]] && break
  sleep 0.1
done
[[ "$master" == "127.0.0.1 $redis_port " ]] || fail "Sentinel did not start on the example sentinel.conf (got '$master')"
unset REDISCLI_AUTH
[[ "$(redis-cli -p "$sentinel_port" PING 2>&1)" == *NOAUTH* ]] || fail "Sentinel answers without its password"
echo "OK: redis.conf and sentinel.conf accepted"
