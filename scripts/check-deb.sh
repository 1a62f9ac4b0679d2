#!/usr/bin/env bash
# Checks the Debian package: what it holds (dpkg-deb --contents, --info), that it installs into a
# throwaway root with dpkg and the installed binary accepts the installed configuration, and that
# lintian finds no error (its warnings are printed).
#
#   scripts/check-deb.sh PACKAGE.deb
set -euo pipefail

package="${1:?usage: check-deb.sh PACKAGE.deb}"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
fail() { echo "check-deb: $*" >&2; exit 1; }

contents="$(dpkg-deb --contents "$package")"
for path in ./usr/bin/vitals ./lib/systemd/system/vitals.service ./lib/systemd/system/vitals.socket \
    ./etc/vitals/vitals.yml ./usr/lib/sysusers.d/vitals.conf ./usr/share/vitals/dashboards/vitals-fleet.json \
    ./usr/share/vitals/prometheus/vitals.rules.yml ./usr/share/man/man1/vitals.1.gz \
    ./usr/share/doc/vitals/changelog.gz ./usr/share/doc/vitals/copyright; do
    grep -q " $path\$" <<<"$contents" || fail "the package lacks $path"
done
grep -q ' root/root ' <<<"$contents" || fail "files are not owned by root"
info="$(dpkg-deb --info "$package")"
grep -q '^ Package: vitals$' <<<"$info" || fail "the control file names another package"
grep -q '^ Depends: .*libsystemd0' <<<"$info" || fail "Depends lacks libsystemd0"
[[ "$(dpkg-deb --ctrl-tarfile "$package" | tar -xO ./conffiles)" == /etc/vitals/vitals.yml ]] \
    || fail "/etc/vitals/vitals.yml is not the one conffile"

# A throwaway root: dpkg's own database there, the maintainer scripts run outside it (DPKG_ROOT set).
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# The libraries of Depends are not in the throwaway root (the host's serve the binary): --force-depends.
dpkg --root="$root" --log=/dev/null --force-depends --force-script-chrootless -i "$package" >"$root.log" 2>&1 \
    || { cat "$root.log" >&2; fail "dpkg could not install the package"; }
rm -f "$root.log"
dpkg --root="$root" -s vitals | grep -q '^Status: install ok installed$' || fail "dpkg does not list vitals as installed"
grep -q '^ExecStart=/usr/bin/vitals ' "$root/lib/systemd/system/vitals.service" || fail "the unit does not start /usr/bin/vitals"
"$root/usr/bin/vitals" check-config --config.file "$root/etc/vitals/vitals.yml" \
    || fail "the installed binary rejects the installed configuration"

# Errors fail; warnings are listed for the record.
lintian --tag-display-limit 0 --fail-on error "$package" 2>/dev/null | sed 's/^/lintian: /' || fail "lintian reports errors"
echo "check-deb: $(basename "$package") OK"
