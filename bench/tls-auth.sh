#!/usr/bin/env bash
# What TLS and basic auth cost on /metrics: the release `vitals` with 1,000 checks served three
# ways in one run — plain HTTP, TLS, TLS + basic auth (bcrypt cost 10) — each hit by wrk with
# keep-alive connections (as Prometheus scrapes) and then with a new connection per request (a
# TLS handshake each time). Prints requests/s and the server's CPU per request.
#
#   bench/tls-auth.sh                       # builds the release binary first
#   VITALS_BIN=path/to/vitals bench/tls-auth.sh
#
# Environment: CHECKS (1000), PORT (19470), DURATION (10), CONNECTIONS (4). Needs openssl, wrk,
# curl and the .venv's bcrypt (scripts/install-deps.sh --test). Loopback only; stops what it
# started, by PID.
set -euo pipefail

cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-1000}
PORT=${PORT:-19470}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-4}

if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi

work=$(mktemp -d)
pid=""
stop() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    pid=""
}
trap 'stop; rm -rf "$work"' EXIT

touch "$work/target"
{
    echo "global: {interval: 30s}"
    echo "checks:"
    for i in $(seq 1 "$CHECKS"); do
        printf '  - {name: file-%04d, type: file, path: %s}\n' "$i" "$work/target"
    done
} > "$work/vitals.yml"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$work/server.key" -out "$work/server.pem" -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2> /dev/null
hash=$(.venv/bin/python -c 'import bcrypt; print(bcrypt.hashpw(b"bench", bcrypt.gensalt(rounds=10)).decode())')
printf 'tls_server_config: {cert_file: server.pem, key_file: server.key}\n' > "$work/tls.yml"
printf 'tls_server_config: {cert_file: server.pem, key_file: server.key}\nbasic_auth_users: {prometheus: "%s"}\n' \
    "$hash" > "$work/tls-auth.yml"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run NAME SCHEME WEB_CONFIG WRK_OPTIONS...
run() {
    local name=$1 scheme=$2 web=$3
    shift 3
    local args=(serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$PORT" --log.level warn)
    [[ -n "$web" ]] && args+=(--web.config.file "$work/$web")
    "$VITALS_BIN" "${args[@]}" > "$work/vitals.log" 2>&1 &
    pid=$!
    local auth=()
    [[ "$name" == *auth* ]] && auth=(-u prometheus:bench)
    for _ in $(seq 1 300); do
        code=$(curl -sk "${auth[@]}" -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$PORT/metrics" || true)
        [[ "$code" == "200" ]] && break
        sleep 0.1
    done
    [[ "$code" == "200" ]] || { cat "$work/vitals.log" >&2; echo "$name: not ready ($code)" >&2; exit 1; }
    local headers=()
    [[ "$name" == *auth* ]] && headers=(-H "Authorization: Basic $(printf 'prometheus:bench' | base64)")
    for mode in keep-alive close; do
        local extra=()
        [[ "$mode" == close ]] && extra=(-H "Connection: close")
        local before after hz
        hz=$(getconf CLK_TCK)
        before=$(cpu_ticks "$pid")
        out=$(wrk -t 1 -c "$CONNECTIONS" -d "${DURATION}s" "${headers[@]}" "${extra[@]}" "$@" \
            "$scheme://127.0.0.1:$PORT/metrics")
        after=$(cpu_ticks "$pid")
        rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
        total=$(awk '/requests in/ {print $1}' <<< "$out")
        non2xx=$(awk '/Non-2xx/ {print $5}' <<< "$out")
        awk -v n="$name" -v m="$mode" -v r="$rps" -v t="$total" -v c="$((after - before))" -v hz="$hz" -v e="${non2xx:-0}" \
            'BEGIN { printf "%-14s %-10s %10.0f req/s %8.3f ms CPU/request  (%d requests, %s non-2xx)\n", n, m, r, (c / hz * 1000) / t, t, e }'
    done
    stop
}

echo "vitals: $("$VITALS_BIN" --version); $CHECKS checks; wrk 1 thread, $CONNECTIONS connections, ${DURATION}s each"
run plain http ""
run tls https tls.yml
run tls+auth https tls-auth.yml
