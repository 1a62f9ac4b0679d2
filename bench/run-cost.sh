#!/usr/bin/env bash
# CPU per run of the scheduler and a check, Vitals alone: CHECKS checks of KIND (`file`, `tcp` or
# `http`) at a 1 s interval, Vitals pinned to CPU 0 (the targets on CPU 1: for tcp a Python listener
# that accepts and closes, for http a Python HTTP/1.1 server answering 200 "ok", as in probes.sh).
# After WARMUP s, utime+stime from /proc/PID/stat over DURATION s divided by the rise of
# healthcheck_runs_total; also prints the share of runs that started within 5 ms of their due time.
# PERF=1 records a profile of the span to perf-KIND.data.
#
#   VITALS_BIN=.build/release/vitals bench/run-cost.sh file
#   VITALS_BIN=.build/release/vitals bench/run-cost.sh tcp
#   VITALS_BIN=.build/release/vitals bench/run-cost.sh http
#
# Loopback only; stops what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:-tcp}
CHECKS=${CHECKS:-1000}
WARMUP=${WARMUP:-8}
DURATION=${DURATION:-10}
VITALS_PORT=${VITALS_PORT:-19571}
TCP_PORT=${TCP_PORT:-19572}
if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi
[[ "$KIND" == file || "$KIND" == tcp || "$KIND" == http ]] || { echo "usage: run-cost.sh file|tcp|http" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if [[ "$KIND" != file ]]; then
    taskset -c 1 python3 bench/targets.py "--$KIND" "$TCP_PORT" & pids+=($!)
fi
{
    echo "checks:"
    for i in $(seq 1 "$CHECKS"); do
        if [[ "$KIND" == tcp ]]; then
            echo "  - {name: c$i, type: tcp, address: \"127.0.0.1:$TCP_PORT\", interval: 1s, timeout: 1s}"
        elif [[ "$KIND" == http ]]; then
            echo "  - {name: c$i, type: http, url: \"http://127.0.0.1:$TCP_PORT/\", interval: 1s, timeout: 1s}"
        else
            echo "  - {name: c$i, type: file, path: /etc/hostname, interval: 1s, timeout: 1s}"
        fi
    done
} > "$work/vitals.yml"
taskset -c 0 "$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$VITALS_PORT" \
    > "$work/vitals.log" 2>&1 & vitals=$!
pids+=("$vitals")
sleep "$WARMUP"

cpu() { awk '{print $14 + $15}' "/proc/$vitals/stat"; }
runs() { curl -sf "127.0.0.1:$VITALS_PORT/metrics" | awk '/^healthcheck_runs_total/ {sum += $2} END {printf "%d", sum}'; }
ticks=$(getconf CLK_TCK)
cpu1=$(cpu); runs1=$(runs)
if [[ -n "${PERF:-}" ]]; then
    perf record -F 1999 -g -p "$vitals" -o "perf-$KIND.data" -- sleep "$DURATION" > /dev/null 2>&1
else
    sleep "$DURATION"
fi
cpu2=$(cpu); runs2=$(runs)
late=$(curl -sf "127.0.0.1:$VITALS_PORT/metrics" | awk '
    /^vitals_scheduler_lateness_seconds_bucket\{le="0.005"\}/ {fast = $2}
    /^vitals_scheduler_lateness_seconds_bucket\{le="\+Inf"\}/ {all = $2}
    END {printf "%.1f", all ? 100 * fast / all : 0}')
awk -v kind="$KIND" -v c=$((cpu2 - cpu1)) -v r=$((runs2 - runs1)) -v hz="$ticks" -v late="$late" \
    'BEGIN {printf "%s: %.4f ms CPU per run (%d runs in the span), %s %% of runs started within 5 ms\n", kind, 1000 * c / hz / r, r, late}'
failing=$(curl -sf "127.0.0.1:$VITALS_PORT/metrics" | grep -c '^healthcheck_success{.*} 0$' || true)
[[ $failing == 0 ]] || echo "warning: $failing $KIND checks failing at the end: the figure is not of passing runs" >&2
