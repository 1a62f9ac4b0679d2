#!/usr/bin/env bash
# Checks --web.systemd-socket with a socket passed the way systemd passes it (LISTEN_FDS, LISTEN_PID,
# descriptor 3): systemd-socket-activate binds a loopback port and starts the built `vitals` on the
# first connection. Run by `make test` before swift test, in a process of its own: a child of the
# test runner that execs into a long-running server upsets Foundation's reaping of the runner's other
# children. Needs VITALS_BINARY, curl and systemd-socket-activate (systemd).
set -euo pipefail

binary="${VITALS_BINARY:?VITALS_BINARY must name the built vitals binary}"
work="$(mktemp -d)"
pid=""
trap '[[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
printf 'checks: [{name: mem, type: memory}]\n' > "$work/vitals.yml"

fail() {
    echo "check-socket-activation: $*" >&2
    cat "$work/out" >&2 || true
    exit 1
}

for attempt in 1 2 3 4 5; do
    # A free port now; if another process takes it before the activator binds it, try another.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    systemd-socket-activate -l "127.0.0.1:$port" -- "$binary" serve --config.file "$work/vitals.yml" \
        --web.systemd-socket --log.level info > "$work/out" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        grep -q "Listening on 127.0.0.1:$port" "$work/out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "Listening on 127.0.0.1:$port" "$work/out" && break
    pid=""
    [[ $attempt == 5 ]] && fail "systemd-socket-activate did not bind a free port"
done

# The first connection starts Vitals; it waits in the socket's backlog meanwhile.
code=$(curl -sS -m 10 -o "$work/metrics" -w '%{http_code}' "http://127.0.0.1:$port/metrics") || fail "no answer"
[[ "$code" == 200 ]] || fail "/metrics answered $code"
grep -q '^healthcheck_success{check="mem"' "$work/metrics" || fail "/metrics has no healthcheck_success for mem"
grep -q "msg=Listening address=127.0.0.1:$port" "$work/out" || fail "Vitals did not log the passed socket"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[[ $status == 0 ]] || fail "vitals exited $status on SIGTERM"
grep -q "msg=Stopped" "$work/out" || fail "Vitals did not stop cleanly"

# Without a passed socket the flag is an error, exit 2.
status=0
"$binary" serve --web.systemd-socket > /dev/null 2> "$work/err" || status=$?
[[ $status == 2 ]] && grep -q "systemd passed no listening socket" "$work/err" || fail "no clear error without a socket"
echo "check-socket-activation: served on the socket systemd-socket-activate passed, stopped with 0"
