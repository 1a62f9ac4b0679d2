#!/usr/bin/env bash
# RSS of a long-running daemon: CHECKS `file` checks at INTERVAL, pinned to CPU 0, read (VmRSS and
# RssAnon from /proc/PID/status) at each step of a day in its life:
#   young      15 s after start (every check has run a few times)
#   scraped    after 3 cold scrapes 1.2 s apart (Prometheus' Accept header and gzip)
#   full       WAIT s later, when every check has run more than 100 times (its history is full)
#   cold       after 10 more cold scrapes
#   text       after one scrape in the classic text format (a curl by hand)
#   concurrent after 5 bursts of 16 concurrent scrapers
#   cold-again after 5 more cold scrapes
#
#   VITALS_BIN=.build/release/vitals bench/memory.sh      # about 4.5 minutes
#
# bench/scale.sh reads RSS about a minute after start, before histories fill; this is the steady state.
# Loopback only; stops what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-10000}
INTERVAL=${INTERVAL:-2s}
WAIT=${WAIT:-205}
VITALS_PORT=${VITALS_PORT:-19472}
ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

touch "$work/target"
{ echo "global: {interval: $INTERVAL, timeout: 2s}"; echo "checks:"
  for i in $(seq 1 "$CHECKS"); do echo "  - {name: file_$i, type: file, path: $work/target}"; done; } > "$work/vitals.yml"
taskset -c 0 "$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$VITALS_PORT" \
    --log.level error > "$work/vitals.log" 2>&1 & pids+=($!); pid=$!
url="http://127.0.0.1:$VITALS_PORT/metrics"
rss() { awk -v step="$1" '/^VmRSS/ {rss = $2} /^RssAnon/ {anon = $2} END {
    printf "%-11s RSS %6.1f MiB (heap %5.1f MiB)\n", step, rss / 1024, anon / 1024 }' "/proc/$pid/status"; }
cold() { for _ in $(seq "$1"); do taskset -c 1 curl -s -o /dev/null -H "Accept: $ACCEPT" -H 'Accept-Encoding: gzip' "$url"; sleep 1.2; done; }

echo "checks=$CHECKS interval=$INTERVAL"
sleep 15; rss young
cold 3; rss scraped
sleep "$WAIT"; rss full
cold 10; rss cold
taskset -c 1 curl -s -o /dev/null -H 'Accept: text/plain' "$url"; rss text
for _ in 1 2 3 4 5; do
    burst=()
    for _ in $(seq 16); do taskset -c 1 curl -s -o /dev/null -H "Accept: $ACCEPT" -H 'Accept-Encoding: gzip' "$url" & burst+=($!); done
    wait "${burst[@]}"
done
rss concurrent
cold 5; rss cold-again
