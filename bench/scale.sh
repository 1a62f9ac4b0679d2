#!/usr/bin/env bash
# Vitals at fleet scale, side by side with node_exporter and blackbox_exporter in one run
# (method: ../shared/FACTS.md). Prints issue 13's four goals with their figures.
#
#   VITALS_BIN=.build/release/vitals bench/scale.sh          # or: make bench
#
# 1. Cold scrape: CHECKS `file` checks at INTERVAL; scrapes SPACING s apart (shorter than the interval,
#    so every scrape finds runs it has not seen, as Prometheus does) with Prometheus' Accept header and
#    gzip. node_exporter serves the same healthcheck_* series through its textfile collector (nothing
#    else enabled). Servers pinned to CPU 0, curl on CPU 1. CPU is utime+stime from /proc/PID/stat over
#    the scrapes minus the same span's background measured just before without scrapes; each figure is
#    the median of ROUNDS rounds.
# 2. RSS of that daemon after the cold scrapes and then 16 concurrent scrapers (VmRSS, and VmHWM: the
#    peak since start, config parsing included).
# 3. and 4. CPU per TCP and HTTP probe against blackbox_exporter, and the scheduler's lateness at 1,000
#    runs a second: bench/probes.sh (PROBES=0 skips it).
# Needs wrk, prometheus-node-exporter and prometheus-blackbox-exporter (Debian). Loopback only; stops
# what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS:-10000}
INTERVAL=${INTERVAL:-10s}
SCRAPES=${SCRAPES:-10}
SPACING=${SPACING:-1.2}
ROUNDS=${ROUNDS:-3}
VITALS_PORT=${VITALS_PORT:-19470}
NODE_PORT=${NODE_PORT:-19100}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
if [[ -z "${VITALS_BIN:-}" ]]; then
    swift build -c release --product vitals
    VITALS_BIN="$(swift build -c release --show-bin-path)/vitals"
fi
command -v "$NODE_EXPORTER" > /dev/null || { echo "needs $NODE_EXPORTER (apt-get install prometheus-node-exporter)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

touch "$work/target"
{ echo "global: {interval: $INTERVAL, timeout: 2s}"; echo "checks:"
  for i in $(seq 1 "$CHECKS"); do echo "  - {name: file_$i, type: file, path: $work/target}"; done; } > "$work/vitals.yml"
taskset -c 0 "$VITALS_BIN" serve --config.file "$work/vitals.yml" --web.listen-address "127.0.0.1:$VITALS_PORT" \
    --log.level error 2> "$work/vitals.log" & pids+=($!); vitals_pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$VITALS_PORT/health" > /dev/null && break; sleep 0.1; done
sleep "$(python3 -c "print(float('${INTERVAL%s}') + 2)")"  # every check has run once

# The same series for node_exporter's textfile collector (its own process_* would clash with ours).
mkdir "$work/textfile"
curl -s -H 'Accept: text/plain' "http://127.0.0.1:$VITALS_PORT/metrics" \
    | awk '/^# (HELP|TYPE) healthcheck_/ || /^healthcheck_/' > "$work/textfile/vitals.prom"
taskset -c 0 "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NODE_PORT" --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$work/textfile" 2> "$work/node.log" & pids+=($!); node_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$NODE_PORT/metrics" > /dev/null && break; sleep 0.1; done
series=$(grep -vc '^#' "$work/textfile/vitals.prom")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
span=$(python3 -c "print($SCRAPES * $SPACING)")
scrape() { taskset -c 1 curl -s -o /dev/null -w '%{size_download}' -H "Accept: $ACCEPT" -H 'Accept-Encoding: gzip' "$1"; }
measure() {  # pid url -> "cpu_ms_per_scrape background_ms_per_s bytes"
    local pid=$1 url=$2 idle_before idle_after before after bytes
    idle_before=$(ticks "$pid"); sleep "$span"; idle_after=$(ticks "$pid")
    before=$(ticks "$pid")
    for _ in $(seq "$SCRAPES"); do bytes=$(scrape "$url"); sleep "$SPACING"; done
    after=$(ticks "$pid")
    python3 -c "
busy = ($after - $before) - ($idle_after - $idle_before)
print('%.1f %.1f $bytes' % (busy * 1000 / $hz / $SCRAPES, ($idle_after - $idle_before) * 1000 / $hz / $span))"
}
median() { python3 -c "import statistics, sys; print('%.1f' % statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }

vitals_cpu=(); node_cpu=()
echo "checks=$CHECKS interval=$INTERVAL series=$series scrapes=$SCRAPES spacing=${SPACING}s rounds=$ROUNDS"
for round in $(seq "$ROUNDS"); do
    read -r v_cpu v_bg v_bytes <<< "$(measure "$vitals_pid" "http://127.0.0.1:$VITALS_PORT/metrics")"
    read -r n_cpu n_bg n_bytes <<< "$(measure "$node_pid" "http://127.0.0.1:$NODE_PORT/metrics")"
    echo "round $round: vitals ${v_cpu} ms/scrape (background ${v_bg} ms/s, ${v_bytes} B gzip)," \
        "node_exporter ${n_cpu} ms/scrape (${n_bytes} B gzip)"
    vitals_cpu+=("$v_cpu"); node_cpu+=("$n_cpu")
done
v=$(median "${vitals_cpu[@]}"); n=$(median "${node_cpu[@]}")

for _ in $(seq 5); do  # 16 concurrent scrapers, five times
    scrapers=()
    for _ in $(seq 16); do scrape "http://127.0.0.1:$VITALS_PORT/metrics" > /dev/null & scrapers+=($!); done
    for scraper in "${scrapers[@]}"; do wait "$scraper" || true; done
    sleep "$SPACING"
done
rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$vitals_pid/status")
hwm=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$vitals_pid/status")
anon=$(awk '/^RssAnon/ {printf "%.1f", $2 / 1024}' "/proc/$vitals_pid/status")
file=$(awk '/^RssFile/ {printf "%.1f", $2 / 1024}' "/proc/$vitals_pid/status")
kill -TERM "$node_pid" "$vitals_pid"

verdict() { python3 -c "print('met' if $1 else 'NOT met')"; }
echo
echo "goal 1, cold scrape: node_exporter/vitals CPU >= 30x: $(python3 -c "print('%.1fx' % ($n / $v))")" \
    "(vitals $v ms, node_exporter $n ms per scrape, medians of $ROUNDS) — $(verdict "$n / $v >= 30")"
echo "goal 2, RSS at $CHECKS checks after cold and 16 concurrent scrapes <= 64 MiB: $rss MiB" \
    "(heap $anon MiB + code and data of the binary and libraries $file MiB; peak since start $hwm MiB)" \
    "— $(verdict "$rss <= 64")"
[[ ${PROBES:-1} == 0 ]] || VITALS_BIN="$VITALS_BIN" ROUNDS="$ROUNDS" bench/probes.sh
