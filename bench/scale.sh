#!/usr/bin/env bash
# Cold-scrape cost, side by side with node_exporter in one run (method: ../shared/FACTS.md).
#
#   VITALS_BIN=.build/release/vitals bench/scale.sh
#
# Vitals runs CHECKS heartbeat checks (cheap: no I/O, so their own cost does not drown the scrape's) at a
# 1 s interval, so every scrape (spaced SPACING s apart) finds
# new results and renders and compresses the whole document, as a real Prometheus scrape does.
# Both servers are pinned to CPU 0. Each gets SCRAPES scrapes with Prometheus' Accept header and
# Accept-Encoding: gzip. Server CPU is utime+stime from /proc/PID/stat over the scrape span, minus the
# same span's background use measured without scrapes. Loopback only; stops what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-1000}
SCRAPES=${SCRAPES:-30}
SPACING=${SPACING:-1.5}
VITALS_PORT=${VITALS_PORT:-19470}
NODE_PORT=${NODE_PORT:-19100}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi
command -v "$NODE_EXPORTER" >/dev/null || { echo "needs $NODE_EXPORTER (apt-get install prometheus-node-exporter)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

{ echo "global: {interval: 1s, timeout: 500ms}"; echo "checks:"
  for i in $(seq 1 "$CHECKS"); do echo "  - {name: hb_$i, type: heartbeat, ttl: 1h}"; done; } > "$work/vitals.yml"
taskset -c 0 "$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$VITALS_PORT" \
    --log.level error 2> "$work/vitals.log" & pids+=($!); vitals_pid=$!
taskset -c 0 "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NODE_PORT" 2> "$work/node.log" & pids+=($!); node_pid=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$VITALS_PORT/health" >/dev/null && curl -sf "http://127.0.0.1:$NODE_PORT/metrics" >/dev/null && break
    sleep 0.1
done
sleep 3  # every check has run once

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
span() {  # seconds the scrape loop takes
    python3 -c "print($SCRAPES * $SPACING)"
}
measure() {  # name pid url -> prints "name cpu_ms_per_scrape bytes"
    local name=$1 pid=$2 url=$3 before after idle_before idle_after bytes
    idle_before=$(ticks "$pid"); sleep "$(span)"; idle_after=$(ticks "$pid")
    before=$(ticks "$pid")
    for _ in $(seq "$SCRAPES"); do
        bytes=$(taskset -c 1 curl -s -o /dev/null -w '%{size_download}' -H "Accept: $ACCEPT" -H 'Accept-Encoding: gzip' "$url")
        sleep "$SPACING"
    done
    after=$(ticks "$pid")
    python3 -c "
busy=($after-$before)-($idle_after-$idle_before)
span=$SCRAPES*$SPACING
print('$name', 'scrape_cpu_ms=%.1f' % (busy*1000/$hz/$SCRAPES), 'background_cpu_ms_per_s=%.1f' % (($idle_after-$idle_before)*1000/$hz/span), 'gzip_bytes=$bytes')"
}
echo "checks=$CHECKS scrapes=$SCRAPES spacing=${SPACING}s "
measure vitals "$vitals_pid" "http://127.0.0.1:$VITALS_PORT/metrics"
measure node_exporter "$node_pid" "http://127.0.0.1:$NODE_PORT/metrics"
