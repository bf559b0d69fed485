#!/usr/bin/env bash
# The systemd units of deploy/systemd (docs/operations.md):
#  1. every service binary (services/*/: add_executable(piket-X main.cpp)) has a
#     unit piket-X.service, and this test was given its built binary;
#  2. every unit carries the hardening every piket unit must have;
#  3. `systemd-analyze verify` of every unit, with /opt/piket/bin pointed at the
#     built binaries, exits 0 and prints nothing (a warning fails too).
# Usage: systemd_units_test.sh SOURCE_DIR piket-ingest=/path/to/piket-ingest …
set -euo pipefail
src=$1
shift
units_src="$src/deploy/systemd"
fail=0
problem() { echo "FAIL: $*" >&2; fail=1; }

command -v systemd-analyze >/dev/null ||
  { echo "FAIL: systemd-analyze is missing (package systemd; deploy/install-deps installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/units"
declare -A given=()
for pair in "$@"; do
  name=${pair%%=*}
  path=${pair#*=}
  [[ -x "$path" ]] || problem "$name: $path is not an executable (build it first)"
  ln -s "$path" "$tmp/bin/$name"
  given[$name]=1
done
ln -s "$units_src/piket-healthcheck" "$tmp/bin/piket-healthcheck"
ln -s "$src/deploy/backup" "$tmp/bin/piket-backup"

# 1. A unit per service binary.
services=()
for cm in "$src"/services/*/CMakeLists.txt; do
  while read -r exe; do services+=("$exe"); done < <(
    sed -nE 's/^[[:space:]]*add_executable\((piket-[a-z]+)[[:space:]]+main\.cpp\).*/\1/p' "$cm")
done
((${#services[@]} >= 6)) || problem "found only ${#services[@]} service binaries in services/*/CMakeLists.txt"
for exe in "${services[@]}"; do
  [[ -f "$units_src/$exe.service" ]] || problem "$exe has no unit deploy/systemd/$exe.service"
  [[ -n "${given[$exe]:-}" ]] || problem "$exe: the test is not given its binary (tests/deploy/CMakeLists.txt)"
  grep -q "^ExecStart=/opt/piket/bin/$exe --config /etc/piket/piket.toml$" "$units_src/$exe.service" 2>/dev/null ||
    problem "$exe.service does not start /opt/piket/bin/$exe --config /etc/piket/piket.toml"
done

# 2. The hardening of every long-running unit.
required=(
  "Restart=always" "User=piket" "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes"
  "PrivateTmp=yes" "PrivateDevices=yes" "ProtectKernelTunables=yes" "ProtectKernelModules=yes"
  "ProtectKernelLogs=yes" "ProtectControlGroups=yes" "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"
  "CapabilityBoundingSet=" "SystemCallFilter=@system-service" "LimitNOFILE=" "UMask=0077"
)
long_running=("${services[@]/%/.service}" piket-redis.service piket-sentinel.service
  piket-bearerbox.service piket-smsbox.service)
for unit in "${long_running[@]}"; do
  f="$units_src/$unit"
  [[ -f "$f" ]] || { problem "missing unit $unit"; continue; }
  for line in "${required[@]}"; do
    grep -qxF "$line" "$f" || grep -q "^${line}[0-9]" "$f" || problem "$unit lacks '$line'"
  done
done
for exe in "${services[@]}"; do
  grep -q "^ExecStartPost=/opt/piket/bin/piket-healthcheck --wait [0-9]* ${exe#piket-} " \
    "$units_src/$exe.service" || problem "$exe.service has no health check at start"
  grep -q "^Wants=.*piket-health@${exe#piket-}.timer" "$units_src/$exe.service" ||
    problem "$exe.service does not want its health timer"
done

# 3. systemd-analyze verify, paths rewritten to the built binaries.
for f in "$units_src"/*.service "$units_src"/*.timer "$units_src"/*.target; do
  sed "s|/opt/piket/bin/|$tmp/bin/|g" "$f" > "$tmp/units/$(basename "$f")"
done
cd "$tmp/units"
to_verify=(*.service *.target)
for t in *.timer; do [[ "$t" == *@.timer ]] || to_verify+=("$t"); done
for exe in "${services[@]}"; do
  s=${exe#piket-}
  to_verify+=("piket-health@$s.timer" "piket-health@$s.service" "piket-restart@$s.service")
done
set +e
out=$(systemd-analyze verify --man=no "${to_verify[@]}" 2>&1)
rc=$?
set -e
if ((rc != 0)) || [[ -n "$out" ]]; then
  problem "systemd-analyze verify (exit $rc):"
  echo "$out" >&2
fi

if ((fail)); then exit 1; fi
echo "OK: ${#to_verify[@]} units verified; ${#services[@]} services, each with a unit"
