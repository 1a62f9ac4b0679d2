#!/usr/bin/env bash
# CPU per TCP probe, side by side with blackbox_exporter in one run.
#
#   VITALS_BIN=.build/release/vitals bench/probes.sh
#
# The target is a Python listener that accepts and closes (pinned to CPU 1). Vitals runs CHECKS tcp
# checks against it at a 1 s interval for DURATION s; blackbox_exporter's tcp_connect module is driven
# through /probe by wrk (CPU 1) for DURATION s, so its cost includes its HTTP handling, as Prometheus
# meets it. Both servers are pinned to CPU 0; CPU is utime+stime from /proc/PID/stat divided by the
# probes each made (Vitals: the rise of healthcheck_runs_total). Loopback only; stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-1000}
DURATION=${DURATION:-20}
VITALS_PORT=${VITALS_PORT:-19471}
BLACKBOX_PORT=${BLACKBOX_PORT:-19115}
TARGET_PORT=${TARGET_PORT:-19472}
BLACKBOX=${BLACKBOX:-/usr/bin/prometheus-blackbox-exporter}
if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi
command -v "$BLACKBOX" > /dev/null || { echo "needs $BLACKBOX (apt-get install prometheus-blackbox-exporter)" >&2; exit 2; }
command -v wrk > /dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

taskset -c 1 python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $TARGET_PORT)); s.listen(4096)
while True:
    c, _ = s.accept(); c.close()
" & pids+=($!)

{ echo "global: {interval: 1s, timeout: 500ms}"; echo "checks:"
  for i in $(seq 1 "$CHECKS"); do echo "  - {name: tcp_$i, type: tcp, address: \"127.0.0.1:$TARGET_PORT\"}"; done; } > "$work/vitals.yml"
printf 'modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 1s\n' > "$work/blackbox.yml"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
runs() { curl -s "http://127.0.0.1:$VITALS_PORT/metrics" | awk '/^healthcheck_runs_total/ {n += $2} END {print n}'; }
hz=$(getconf CLK_TCK)

taskset -c 0 "$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$VITALS_PORT" \
    --log.level error 2> "$work/vitals.log" & pids+=($!); vitals_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$VITALS_PORT/health" > /dev/null && break; sleep 0.1; done
sleep 3
before=$(ticks "$vitals_pid"); runs_before=$(runs)
sleep "$DURATION"
after=$(ticks "$vitals_pid"); runs_after=$(runs)
kill -TERM "$vitals_pid"; wait "$vitals_pid" 2> /dev/null || true
vitals=$(python3 -c "print('%.4f' % (($after - $before) * 1000 / $hz / ($runs_after - $runs_before)))")
echo "vitals          tcp checks=$CHECKS probes=$((runs_after - runs_before)) cpu_ms_per_probe=$vitals"

taskset -c 0 "$BLACKBOX" --config.file "$work/blackbox.yml" --web.listen-address "127.0.0.1:$BLACKBOX_PORT" \
    2> "$work/blackbox.log" & pids+=($!); blackbox_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$BLACKBOX_PORT/metrics" > /dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$BLACKBOX_PORT/probe?module=tcp_connect&target=127.0.0.1:$TARGET_PORT"
curl -s "$url" | grep -q '^probe_success 1' || { echo "blackbox probe does not succeed" >&2; exit 1; }
before=$(ticks "$blackbox_pid")
out=$(taskset -c 1 wrk -t 1 -c 4 -d "${DURATION}s" "$url")
after=$(ticks "$blackbox_pid")
probes=$(awk '/requests in/ {print $1}' <<< "$out")
blackbox=$(python3 -c "print('%.4f' % (($after - $before) * 1000 / $hz / $probes))")
echo "blackbox        tcp_connect probes=$probes cpu_ms_per_probe=$blackbox"
python3 -c "print('blackbox/vitals CPU per probe: %.2fx' % ($blackbox / $vitals))"
