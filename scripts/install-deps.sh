#!/usr/bin/env bash
# Installs what `make run` (and, with --test, `make test`) needs and is missing.
#
#   scripts/install-deps.sh          libsystemd-dev, pkg-config, zlib1g-dev, libdeflate-dev
#   scripts/install-deps.sh --deb    also lintian and binutils, for `make deb`
#   scripts/install-deps.sh --test   also what --deb installs, prometheus (promtool + server), python3-venv, curl,
#                                    postgresql, redis-server, memcached, dnsmasq-base, openssl, iproute2, and a .venv/ with
#                                    prometheus-client for the OpenMetrics checks and
#                                    grafana-foundation-sdk for the dashboards, bcrypt for test hashes,
#                                    dbus-next (and Debian's dbus-daemon) and grpcio-health-checking
#                                    for the systemd and grpc checks' tests, aiosmtpd for the smtp
#                                    check's, kubernetes-validate
#
# Idempotent and quiet: on a machine that already has everything it does no apt or pip work
# and prints nothing. Runs as root, or through sudo when that exists.
set -euo pipefail

readonly PROMETHEUS_CLIENT_VERSION="0.26.0"
# Builds dashboards/*.json (dashboards/generate.py) and loads them in the dashboard test. The
# release's schema is Grafana 10.1's, which Grafana 10 and later import.
readonly GRAFANA_SDK_VERSION="1769699998!10.1.0"
# Makes the bcrypt hashes of the web configuration tests (independently of the code under test).
readonly BCRYPT_VERSION="5.0.0"
# The stand-in for systemd's D-Bus API in the systemd check's tests.
readonly DBUS_NEXT_VERSION="0.2.3"
# A real gRPC server with the standard health service, for the grpc check's tests.
readonly GRPC_HEALTH_VERSION="1.85.1"
# An SMTP server with STARTTLS and AUTH, for the smtp check's tests.
readonly AIOSMTPD_VERSION="1.4.6"
# Validates deploy/kubernetes against Kubernetes' schemas offline (scripts/check-kubernetes.sh).
readonly KUBERNETES_VALIDATE_VERSION="1.37.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
with_test=false
with_deb=false

for arg in "$@"; do
    case "$arg" in
        --test) with_test=true ;;
        --deb) with_deb=true ;;
        -h | --help)
            sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "install-deps: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

log() { echo "install-deps: $*" >&2; }

# True when the Debian package is installed (not merely known or half-removed).
deb_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# True when every command exists.
have_commands() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || return 1
    done
}

missing=()
deb_installed libsystemd-dev || missing+=(libsystemd-dev)
# pkg-config is also provided by pkgconf on newer systems: the command is what SwiftPM needs.
deb_installed pkg-config || have_commands pkg-config || missing+=(pkg-config)
deb_installed zlib1g-dev || missing+=(zlib1g-dev)
deb_installed libdeflate-dev || missing+=(libdeflate-dev)
if $with_deb || $with_test; then
    # make deb: dpkg-deb is essential; lintian checks the package, binutils strips the binary.
    deb_installed lintian || missing+=(lintian)
    have_commands strip readelf || missing+=(binutils)
fi
if $with_test; then
    deb_installed prometheus || have_commands prometheus promtool || missing+=(prometheus)
    deb_installed python3-venv || missing+=(python3-venv)
    deb_installed curl || have_commands curl || missing+=(curl)
    # Real peers for the check types: PostgreSQL and Redis servers, openssl for test certificates.
    deb_installed postgresql || missing+=(postgresql)
    deb_installed redis-server || have_commands redis-server || missing+=(redis-server)
    deb_installed memcached || have_commands memcached || missing+=(memcached)
    # dnsmasq-base: the dnsmasq binary without its system service, a DNS server for the dns check.
    deb_installed dnsmasq-base || have_commands dnsmasq || missing+=(dnsmasq-base)
    deb_installed openssl || have_commands openssl || missing+=(openssl)
    # Headless Chromium renders the status page in the browser test.
    deb_installed chromium || have_commands chromium || missing+=(chromium)
    # A private D-Bus for the systemd check's tests (with dbus-next in the .venv for the stand-in).
    have_commands dbus-daemon || missing+=(dbus-daemon)
    # ip and setpriv prepare the network namespaces of the icmp tests.
    have_commands ip || missing+=(iproute2)
    have_commands setpriv unshare || missing+=(util-linux)
    # systemd-analyze checks the unit offline (scripts/check-systemd.sh).
    have_commands systemd-analyze || missing+=(systemd)
fi

if ((${#missing[@]} > 0)); then
    if [[ "$(id -u)" -eq 0 ]]; then
        as_root=()
    elif have_commands sudo; then
        as_root=(sudo)
    else
        log "missing ${missing[*]}; run as root or install sudo, or install them yourself:"
        log "  apt-get install ${missing[*]}"
        exit 1
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # No recommends: `prometheus` would otherwise pull in prometheus-node-exporter.
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if $with_test; then
    venv="$repo_root/.venv"
    if ! "$venv/bin/python" -c 'import prometheus_client' >/dev/null 2>&1; then
        # Debian's interpreter is the one python3-venv provides ensurepip for.
        python=/usr/bin/python3
        [[ -x "$python" ]] || python="$(command -v python3)"
        if ! "$venv/bin/python" -c 'pass' >/dev/null 2>&1; then
            log "creating $venv"
            "$python" -m venv --clear "$venv"
        fi
        pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
        log "installing prometheus-client==$PROMETHEUS_CLIENT_VERSION into $venv"
        if ! "${pip[@]}" "prometheus-client==$PROMETHEUS_CLIENT_VERSION"; then
            log "prometheus-client==$PROMETHEUS_CLIENT_VERSION unavailable; installing the newest"
            "${pip[@]}" --upgrade prometheus-client
        fi
        "$venv/bin/python" -c 'import prometheus_client' >/dev/null
    fi
    if ! "$venv/bin/python" -c 'import grafana_foundation_sdk' >/dev/null 2>&1; then
        log "installing grafana-foundation-sdk==$GRAFANA_SDK_VERSION into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "grafana-foundation-sdk==$GRAFANA_SDK_VERSION"
    fi
    if ! "$venv/bin/python" -c 'import dbus_next' >/dev/null 2>&1; then
        log "installing dbus-next==$DBUS_NEXT_VERSION into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "dbus-next==$DBUS_NEXT_VERSION"
    fi
    if ! "$venv/bin/python" -c 'import grpc_health.v1.health' >/dev/null 2>&1; then
        log "installing grpcio-health-checking==$GRPC_HEALTH_VERSION into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "grpcio-health-checking==$GRPC_HEALTH_VERSION"
    fi
    if ! [[ -x "$venv/bin/kubernetes-validate" ]]; then
        log "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    fi
    if ! "$venv/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1; then
        log "installing aiosmtpd==$AIOSMTPD_VERSION into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
    fi
    if ! "$venv/bin/python" -c 'import bcrypt' >/dev/null 2>&1; then
        log "installing bcrypt==$BCRYPT_VERSION into $venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "bcrypt==$BCRYPT_VERSION"
    fi
fi
