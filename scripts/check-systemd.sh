#!/usr/bin/env bash
# Checks deploy/systemd/vitals.service (and vitals.socket beside it) offline:
#   systemd-analyze verify   must print nothing at all (it exits 0 on unknown keys and bad values,
#                            so any output is a failure); ExecStart points at the built binary
#   systemd-analyze security must rate the unit 2.0 or lower
# Needs VITALS_BINARY (make test sets it).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unit="$repo_root/deploy/systemd/vitals.service"
binary="${VITALS_BINARY:?VITALS_BINARY must name the built vitals binary}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/local/bin/vitals |ExecStart=$binary |" "$unit" >"$work/vitals.service"
cp "$repo_root/deploy/systemd/vitals.socket" "$work/vitals.socket"

if ! output="$(systemd-analyze verify "$work/vitals.service" "$work/vitals.socket" 2>&1)" || [[ -n "$output" ]]; then
    echo "check-systemd: systemd-analyze verify reported problems:" >&2
    echo "$output" >&2
    exit 1
fi

if ! output="$(systemd-analyze security --offline=true --threshold=20 "$work/vitals.service" 2>&1)"; then
    echo "check-systemd: systemd-analyze security rates the unit above 2.0:" >&2
    echo "$output" >&2
    exit 1
fi
score="$(grep -o 'Overall exposure level for vitals.service: [0-9.]*' <<<"$output" || true)"
echo "check-systemd: verify clean; ${score:-security check passed}"
