#!/usr/bin/env bash
# CPU per TCP and per HTTP probe, side by side with blackbox_exporter in one run, and the scheduler's
# lateness at 1,000 runs a second.
#
#   VITALS_BIN=.build/release/vitals bench/probes.sh
#
# The targets are Python servers pinned to CPU 1: a listener that accepts and closes, and an HTTP/1.1
# server answering 200 "ok". Vitals runs CHECKS tcp (then http) checks against them at a 1 s interval
# for DURATION s; blackbox_exporter's tcp_connect (then http_2xx) module is driven through /probe by
# wrk (CPU 1) for DURATION s, so its cost includes its HTTP handling, as Prometheus meets it. Servers
# are pinned to CPU 0; CPU is utime+stime from /proc/PID/stat divided by the probes each made (Vitals:
# the rise of healthcheck_runs_total). Each figure is the median of ROUNDS rounds. Lateness p99 is read
# from vitals_scheduler_lateness_seconds over the tcp runs (a bucket's upper bound). Loopback only;
# stops what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-1000}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
VITALS_PORT=${VITALS_PORT:-19471}
BLACKBOX_PORT=${BLACKBOX_PORT:-19115}
TCP_PORT=${TCP_PORT:-19472}
HTTP_PORT=${HTTP_PORT:-19473}
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

taskset -c 1 python3 bench/targets.py --tcp "$TCP_PORT" --http "$HTTP_PORT" & pids+=($!)
printf 'modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 1s\n  http_2xx:\n    prober: http\n    timeout: 1s\n' \
    > "$work/blackbox.yml"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metrics() { curl -s "http://127.0.0.1:$VITALS_PORT/metrics"; }
hz=$(getconf CLK_TCK)
median() { python3 -c "import statistics, sys; print('%.4f' % statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }

vitals_probe() {  # type -> median ms CPU per run; leaves the lateness histogram delta in $work/lateness
    local type=$1 target before after runs_before runs_after results=()
    if [[ $type == tcp ]]; then target="address: \"127.0.0.1:$TCP_PORT\""; else target="url: \"http://127.0.0.1:$HTTP_PORT/\""; fi
    { echo "global: {interval: 1s, timeout: 500ms}"; echo "checks:"
      for i in $(seq 1 "$CHECKS"); do echo "  - {name: ${type}_$i, type: $type, $target}"; done; } > "$work/vitals.yml"
    taskset -c 0 "$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$VITALS_PORT" \
        --log.level error > "$work/vitals.log" 2>&1 & pids+=($!); local pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$VITALS_PORT/health" > /dev/null && break; sleep 0.1; done
    sleep 3
    metrics | grep '^vitals_scheduler_lateness_seconds_bucket' > "$work/lateness.before"
    for _ in $(seq "$ROUNDS"); do
        before=$(ticks "$pid"); runs_before=$(metrics | awk '/^healthcheck_runs_total/ {n += $2} END {print n}')
        sleep "$DURATION"
        after=$(ticks "$pid"); runs_after=$(metrics | awk '/^healthcheck_runs_total/ {n += $2} END {print n}')
        results+=("$(python3 -c "print(($after - $before) * 1000 / $hz / ($runs_after - $runs_before))")")
    done
    metrics | grep '^vitals_scheduler_lateness_seconds_bucket' > "$work/lateness.after"
    local failing; failing=$(metrics | grep -c '^healthcheck_success{.*} 0$' || true)
    kill -TERM "$pid"; wait "$pid" 2> /dev/null || true
    [[ $failing == 0 ]] || echo "warning: $failing $type checks failing at the end" >&2
    median "${results[@]}"
}

blackbox_probe() {  # module target -> median ms CPU per probe
    local module=$1 target=$2 before after out probes results=()
    taskset -c 0 "$BLACKBOX" --config.file "$work/blackbox.yml" --web.listen-address "127.0.0.1:$BLACKBOX_PORT" \
        > "$work/blackbox.log" 2>&1 & pids+=($!); local pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$BLACKBOX_PORT/metrics" > /dev/null && break; sleep 0.1; done
    local url="http://127.0.0.1:$BLACKBOX_PORT/probe?module=$module&target=$target"
    curl -s "$url" | grep -q '^probe_success 1' || { echo "blackbox $module probe does not succeed" >&2; kill -TERM "$pid"; exit 1; }
    for _ in $(seq "$ROUNDS"); do
        before=$(ticks "$pid")
        out=$(taskset -c 1 wrk -t 1 -c 4 -d "${DURATION}s" "$url")
        after=$(ticks "$pid")
        probes=$(awk '/requests in/ {print $1}' <<< "$out")
        results+=("$(python3 -c "print(($after - $before) * 1000 / $hz / $probes)")")
    done
    kill -TERM "$pid"; wait "$pid" 2> /dev/null || true
    median "${results[@]}"
}

verdict() { python3 -c "print('met' if $1 else 'NOT met')"; }
vitals_tcp=$(vitals_probe tcp)
p99=$(python3 - "$work/lateness.before" "$work/lateness.after" << 'PY'
import re, sys
def read(path):
    return {re.search(r'le="([^"]+)"', l).group(1): float(l.split()[-1]) for l in open(path)}
before, after = read(sys.argv[1]), read(sys.argv[2])
bounds = sorted(after, key=lambda b: float('inf') if b == '+Inf' else float(b))
total = after['+Inf'] - before.get('+Inf', 0)
print(next(b for b in bounds if after[b] - before.get(b, 0) >= 0.99 * total), int(total))
PY
)
read -r p99_bound lateness_runs <<< "$p99"
blackbox_tcp=$(blackbox_probe tcp_connect "127.0.0.1:$TCP_PORT")
vitals_http=$(vitals_probe http)
blackbox_http=$(blackbox_probe http_2xx "http://127.0.0.1:$HTTP_PORT/")
echo "goal 3, tcp probe: blackbox/vitals CPU >= 4x: $(python3 -c "print('%.2fx' % ($blackbox_tcp / $vitals_tcp))")" \
    "(vitals $vitals_tcp ms, blackbox $blackbox_tcp ms per probe) — $(verdict "$blackbox_tcp / $vitals_tcp >= 4")"
echo "goal 3, http probe: blackbox/vitals CPU >= 2.5x: $(python3 -c "print('%.2fx' % ($blackbox_http / $vitals_http))")" \
    "(vitals $vitals_http ms, blackbox $blackbox_http ms per probe) — $(verdict "$blackbox_http / $vitals_http >= 2.5")"
echo "goal 4, scheduler lateness p99 < 10 ms at $CHECKS runs/s: <= $(python3 -c "print('%g ms' % (float('$p99_bound') * 1000))")" \
    "(bucket bound, $lateness_runs runs) — $(verdict "float('$p99_bound') <= 0.010")"
