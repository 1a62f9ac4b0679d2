#!/usr/bin/env bash
# Builds vitals_<version>_<arch>.deb from the release binary with dpkg-deb (`make deb` builds the binary
# first): the binary in /usr/bin, the systemd unit and socket, /etc/vitals/vitals.yml as a conffile, a
# `vitals` system user (sysusers.d), the dashboards and Prometheus rules under /usr/share/vitals, a man
# page made from the command line's help, and the changelog.
#
#   scripts/make-deb.sh BINARY OUTPUT_DIRECTORY
set -euo pipefail

binary="${1:?usage: make-deb.sh BINARY OUTPUT_DIRECTORY}"
output="${2:?usage: make-deb.sh BINARY OUTPUT_DIRECTORY}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# `vitals 0.1.0 (…)`: the second word.
version="$("$binary" --version | awk '{print $2; exit}')"
architecture="$(dpkg --print-architecture)"
package="vitals_${version}_${architecture}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$package"

install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" \
    "$root/etc/vitals" "$root/usr/share/vitals/dashboards" "$root/usr/share/vitals/prometheus" \
    "$root/usr/share/man/man1" "$root/usr/share/doc/vitals"

install -m 0755 "$binary" "$root/usr/bin/vitals"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/vitals"
sed 's|/usr/local/bin/vitals|/usr/bin/vitals|' "$repo_root/deploy/systemd/vitals.service" \
    >"$root/lib/systemd/system/vitals.service"
install -m 0644 "$repo_root/deploy/systemd/vitals.socket" "$root/lib/systemd/system/vitals.socket"
chmod 0644 "$root/lib/systemd/system/vitals.service"
install -m 0644 "$repo_root/deploy/vitals.yml" "$root/etc/vitals/vitals.yml"
install -m 0644 "$repo_root"/dashboards/*.json "$root/usr/share/vitals/dashboards/"
install -m 0644 "$repo_root"/deploy/prometheus/*.yml "$root/usr/share/vitals/prometheus/"
# The unit runs as a dynamic user; the static one owns /var/lib/vitals for tools run by hand.
printf 'u vitals - "Vitals health-check exporter" /var/lib/vitals\n' >"$root/usr/lib/sysusers.d/vitals.conf"
chmod 0644 "$root/usr/lib/sysusers.d/vitals.conf"

# The man page: the help of every subcommand, as it prints it.
{
    printf '.TH VITALS 1 "%s" "vitals %s" "User Commands"\n' "$(date -u +%Y-%m-%d)" "$version"
    printf '.SH NAME\nvitals \\- health-check exporter for Prometheus, load balancers and systemd\n'
    printf '.SH SYNOPSIS\n.B vitals\n[\\fIserve\\fR|\\fIcheck\\fR|\\fIcheck-config\\fR] [\\fIoptions\\fR]\n'
    printf '.SH DESCRIPTION\nRuns health checks on a schedule and serves them at /metrics, /health, /livez and /readyz.\n'
    for command in serve check check-config; do
        printf '.SH "VITALS %s"\n.nf\n' "$(echo "$command" | tr '[:lower:]' '[:upper:]')"
        "$binary" "$command" --help | sed -e 's/\\/\\e/g' -e 's/^[.'"'"']/\\\&&/'
        printf '.fi\n'
    done
    printf '.SH FILES\n.TP\n/etc/vitals/vitals.yml\nthe configuration\n'
    printf '.TP\n/usr/share/vitals\nGrafana dashboards and Prometheus rules\n'
    printf '.SH SEE ALSO\n.BR systemd.exec (5)\n'
} | gzip -9n >"$root/usr/share/man/man1/vitals.1.gz"

# A native package's changelog.gz is a Debian changelog; the project's own is beside it.
{
    printf 'vitals (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Release %s; the changes are in /usr/share/doc/vitals/CHANGELOG.md.gz.\n\n' "$version"
    printf ' -- Vitals maintainers <maintainers@vitals.invalid>  %s\n' "$(date -uR)"
} | gzip -9n >"$root/usr/share/doc/vitals/changelog.gz"
gzip -9n <"$repo_root/CHANGELOG.md" >"$root/usr/share/doc/vitals/CHANGELOG.md.gz"
# Justified exceptions, each with its reason (lintian prints them as overridden, not as errors).
install -d "$root/usr/share/lintian/overrides"
cat >"$root/usr/share/lintian/overrides/vitals" <<'OVERRIDES'
# Yams (the YAML parser) compiles its own copy of libyaml into the binary; it cannot use the system's.
vitals: embedded-library libyaml [usr/bin/vitals]
OVERRIDES
chmod 0644 "$root/usr/share/lintian/overrides/vitals"
cat >"$root/usr/share/doc/vitals/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vitals

Files: *
Copyright: 2026 The Vitals authors
License: all-rights-reserved
 No licence has been chosen for Vitals yet; all rights are reserved by its authors.
COPYRIGHT
chmod 0644 "$root/usr/share/doc/vitals/"*

# The shared libraries the binary names (NEEDED), as the packages that ship them; by file name, since
# with merged /usr the path may not be the one dpkg registered.
depends="$(for library in $(readelf -d "$root/usr/bin/vitals" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
    dpkg -S "*/$library" 2>/dev/null | cut -d: -f1 | tr ',' '\n' | sed 's/^ *//' || true
done | grep -v -- '-dev$' | sort -u | paste -sd, | sed 's/,/, /g')"
installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat >"$root/DEBIAN/control" <<CONTROL
Package: vitals
Version: $version
Architecture: $architecture
Maintainer: Vitals maintainers <maintainers@vitals.invalid>
Installed-Size: $installed_size
Depends: $depends
Section: admin
Priority: optional
Description: health-check exporter for Prometheus, load balancers and systemd
 Vitals runs health checks (TCP, HTTP, DNS, TLS, PostgreSQL, Redis, systemd
 units, gRPC and more) on a schedule and serves their results to Prometheus
 (/metrics), to load balancers and Kubernetes (/health, /livez, /readyz, gRPC
 health) and to systemd (sd_notify, watchdog).
CONTROL
echo /etc/vitals/vitals.yml >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
# Not inside another root (dpkg --root): systemd there is not ours to tell.
if [ "$1" = configure ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
    systemd-sysusers vitals.conf
    systemctl daemon-reload
fi
POSTINST
chmod 0755 "$root/DEBIAN/postinst"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$output"
dpkg-deb --root-owner-group -Zxz --build "$root" "$output/$package.deb" >/dev/null
echo "$output/$package.deb"
