#!/usr/bin/env bash
# Soak: 1,000 checks, a quarter of them hanging, for DURATION seconds (default 10 minutes), scraped
# every second and reloaded every 30 s. Reports RSS at start, after the first minute and at the end,
# scheduler lateness (p50/p99 from vitals_scheduler_lateness_seconds), skipped runs, and errors
# (failed scrapes, failed reloads, error log lines, plugins left behind after stop).
#
#   VITALS_BIN=.build/release/vitals bench/soak.sh
#   DURATION=120 VITALS_BIN=.build/release/vitals bench/soak.sh     # a short run
#
# The mix, 1,000 checks at a 10 s interval (about 100 runs a second): 250 `exec` plugins that hang
# (`sleep 3600`, cut off at their 2 s timeout), 250 `exec` that pass (`/bin/true`) or fail
# (`/bin/false`), 250 `tcp` checks that pass (vitals' own port) or are refused (a closed port), and
# 250 `http` checks of vitals' own `/health`. Every reload changes one check's interval, so each
# reload really replaces a check. Loopback only; stops what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-600}
PORT=${PORT:-19480}
CLOSED_PORT=${CLOSED_PORT:-19481}
if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi

work=$(mktemp -d)
vitals_pid=""
cleanup() {
    [[ -n "$vitals_pid" ]] && kill -KILL "$vitals_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
marker="3600.$RANDOM"

write_config() { # $1: the interval of the check that reloads change
    {
        echo "global: {interval: 10s, timeout: 2s}"
        echo "checks:"
        echo "  - {name: changing, type: tcp, address: \"127.0.0.1:$PORT\", interval: $1}"
        for i in $(seq 1 250); do echo "  - {name: hang_$i, type: exec, command: [sleep, \"$marker\"], critical: false}"; done
        for i in $(seq 1 125); do echo "  - {name: true_$i, type: exec, command: [/bin/true]}"; done
        for i in $(seq 1 125); do echo "  - {name: false_$i, type: exec, command: [/bin/false], critical: false}"; done
        for i in $(seq 1 125); do echo "  - {name: tcp_$i, type: tcp, address: \"127.0.0.1:$PORT\"}"; done
        for i in $(seq 1 124); do echo "  - {name: refused_$i, type: tcp, address: \"127.0.0.1:$CLOSED_PORT\", critical: false}"; done
        for i in $(seq 1 250); do echo "  - {name: http_$i, type: http, url: \"http://127.0.0.1:$PORT/health\", critical: false}"; done
    } > "$work/vitals.yml.new"
    mv "$work/vitals.yml.new" "$work/vitals.yml"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$vitals_pid/status"; }
metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

write_config 10s
"$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$PORT" \
    --log.level warning 2> "$work/vitals.log" &
vitals_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.1; done
sleep 5
rss_start=$(rss_kb)
start=$(date +%s)
scrapes=0 scrape_errors=0 reloads=0 reload_errors=0 rss_minute="" rss_max=0 toggle=0 rss_by_minute=
while (( $(date +%s) - start < DURATION )); do
    elapsed=$(( $(date +%s) - start ))
    if curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/metrics"; then
        scrapes=$((scrapes + 1))
    else
        scrape_errors=$((scrape_errors + 1))
    fi
    if (( elapsed > 0 && elapsed % 30 == 0 && elapsed / 30 > reloads )); then
        toggle=$((1 - toggle))
        write_config "$([[ $toggle == 1 ]] && echo 5s || echo 10s)"
        kill -HUP "$vitals_pid"
        reloads=$((reloads + 1))
        sleep 1
        [[ "$(metric vitals_config_last_reload_successful)" == "1" ]] || reload_errors=$((reload_errors + 1))
    fi
    rss=$(rss_kb)
    (( rss > rss_max )) && rss_max=$rss
    [[ -z "$rss_minute" && $elapsed -ge 60 ]] && rss_minute=$rss
    if (( elapsed / 60 >= $(wc -w <<< "$rss_by_minute") )); then rss_by_minute+="$((rss / 1024)) "; fi
    sleep 1
done
rss_end=$(rss_kb)
body=$(curl -sf "http://127.0.0.1:$PORT/metrics")
percentile() { # $1: fraction; the upper bound of the bucket that holds it
    awk -v q="$1" '
        BEGIN { n = 0 }
        /^vitals_scheduler_lateness_seconds_bucket/ { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); b[n] = le; c[n++] = $2 }
        /^vitals_scheduler_lateness_seconds_count/ { total = $2 }
        END { for (i = 0; i < n; i++) if (c[i] >= q * total) { print "<= " b[i] " s"; exit } }' <<< "$body"
}
runs=$(awk '/^healthcheck_runs_total/ {s += $2} END {print s}' <<< "$body")
skipped=$(awk '/^healthcheck_skipped_runs_total/ {s += $2} END {print s}' <<< "$body")
started=$(awk '/^vitals_scheduler_lateness_seconds_count/ {print $2}' <<< "$body")
late_sum=$(awk '/^vitals_scheduler_lateness_seconds_sum/ {print $2}' <<< "$body")
stop_start=$(date +%s.%N)
kill -TERM "$vitals_pid"
wait "$vitals_pid" && stop_status=0 || stop_status=$?
stop_seconds=$(echo "$(date +%s.%N) - $stop_start" | bc)
vitals_pid=""
sleep 0.5
left=$(pgrep -c -f "sleep $marker" || true)
errors_logged=$(grep -c "level=error" "$work/vitals.log" || true)

echo "soak: $DURATION s, 1,000 checks (250 hanging), $(nproc) cores, $("$VITALS_BIN" --version 2>/dev/null | head -1)"
echo "RSS: start $((rss_start / 1024)) MiB, after 1 min $((${rss_minute:-0} / 1024)) MiB, end $((rss_end / 1024)) MiB, max $((rss_max / 1024)) MiB"
echo "RSS each minute (MiB): $rss_by_minute"
echo "runs: $runs finished, $started started, $skipped skipped; lateness mean $(echo "scale=4; $late_sum / $started" | bc) s, p50 $(percentile 0.5), p99 $(percentile 0.99)"
echo "scrapes: $scrapes ok, $scrape_errors failed; reloads: $reloads, $reload_errors failed; error log lines: $errors_logged"
echo "stop: exit $stop_status in $stop_seconds s; plugins left: $left"
