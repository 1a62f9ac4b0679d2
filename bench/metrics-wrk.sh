#!/usr/bin/env bash
# Load test of /metrics: `vitals serve` with 1,000 cheap checks on loopback, hit by wrk.
#
#   bench/metrics-wrk.sh               # builds the release binary first (~6 min on 2 cores, once)
#   VITALS_BIN=path/to/vitals bench/metrics-wrk.sh
#
# Runs wrk twice (identity, gzip), DURATION each.
# Environment: CHECKS (1000), PORT (19469), DURATION (10s), THREADS (2), CONNECTIONS (16).
# Needs curl and wrk. Listens on 127.0.0.1 only; stops the daemon it started, by PID.
set -euo pipefail

cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-1000}
PORT=${PORT:-19469}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}

if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi

work=$(mktemp -d)
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# 1,000 `file` checks on one existing file, every 30 s (spread over the interval by the scheduler).
touch "$work/target"
{
    echo "global:"
    echo "  interval: 30s"
    echo "checks:"
    for i in $(seq 1 "$CHECKS"); do
        printf '  - name: file-%04d\n    type: file\n    path: %s\n' "$i" "$work/target"
    done
} > "$work/vitals.yml"

"$VITALS_BIN" check-config --config.file "$work/vitals.yml" > /dev/null
"$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$PORT" \
    --log.level warn > "$work/vitals.log" 2>&1 &
pid=$!

# Ready once /health answers at all (200 or 503); give up after 30 s.
for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health" || true)
    [[ "$code" != "000" ]] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$work/vitals.log" >&2
        echo "vitals exited before it was ready" >&2
        exit 1
    fi
    sleep 0.1
done
[[ "$code" == "000" ]] && { echo "vitals not ready after 30 s" >&2; exit 1; }

bytes=$(curl -s "http://127.0.0.1:$PORT/metrics" | wc -c)
echo "vitals ready: $CHECKS checks, /metrics is $bytes bytes uncompressed"

# Uncompressed, then as Prometheus asks (gzip): both are served from the per-version cache.
for encoding in identity gzip; do
    echo "== Accept-Encoding: $encoding"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Accept-Encoding: $encoding" \
        "http://127.0.0.1:$PORT/metrics" | tee "$work/wrk-$encoding.txt"
    echo "requests/s ($encoding): $(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-$encoding.txt")"
done
