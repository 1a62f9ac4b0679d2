#!/usr/bin/env bash
# Checks deploy/kubernetes offline: the manifests against Kubernetes' schemas (kubernetes-validate,
# strict, for the version below), the PrometheusRule against the rules file it is generated from, the
# security context the DaemonSet promises, and the ConfigMaps' configurations with `vitals check-config`.
#
#   VITALS_BINARY=.build/debug/vitals VITALS_VENV_PYTHON=.venv/bin/python scripts/check-kubernetes.sh
set -euo pipefail

readonly KUBERNETES_VERSION="1.30.0"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifests="$repo_root/deploy/kubernetes"
python="${VITALS_VENV_PYTHON:-$repo_root/.venv/bin/python}"
vitals="${VITALS_BINARY:?set VITALS_BINARY to the vitals binary}"
validate="$(dirname "$python")/kubernetes-validate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "check-kubernetes: $*" >&2; exit 1; }

# The built-in kinds, strictly: an unknown or misspelt field is an error.
for file in configmap daemonset service sidecar-example; do
    "$validate" --strict --quiet -k "$KUBERNETES_VERSION" "$manifests/$file.yaml" \
        || fail "$file.yaml does not validate against Kubernetes $KUBERNETES_VERSION"
done

# The PrometheusRule carries the rules file unchanged.
cp "$manifests/prometheusrule.yaml" "$work/committed.yaml"
"$python" "$manifests/generate.py"
if ! cmp -s "$work/committed.yaml" "$manifests/prometheusrule.yaml"; then
    cp "$work/committed.yaml" "$manifests/prometheusrule.yaml"
    fail "prometheusrule.yaml differs from deploy/prometheus/vitals.rules.yml; run $manifests/generate.py"
fi

# The operator objects' shape, the DaemonSet's security context, and the configurations.
"$python" - "$manifests" "$work" <<'PYTHON'
import pathlib
import sys

import yaml

manifests, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
problems = []

def load(name):
    return list(yaml.safe_load_all((manifests / name).read_text()))

monitor = load("servicemonitor.yaml")[0]
service = load("service.yaml")[0]
if monitor["kind"] != "ServiceMonitor" or monitor["apiVersion"] != "monitoring.coreos.com/v1":
    problems.append("servicemonitor.yaml is not a monitoring.coreos.com/v1 ServiceMonitor")
if monitor["spec"]["selector"]["matchLabels"] != service["metadata"]["labels"]:
    problems.append("the ServiceMonitor does not select the Service")
ports = {port["name"] for port in service["spec"]["ports"]}
if any(endpoint["port"] not in ports for endpoint in monitor["spec"]["endpoints"]):
    problems.append("the ServiceMonitor scrapes a port the Service does not have")
if service["metadata"]["name"] != "vitals":
    problems.append("the Service must be named vitals: the rules select job=\"vitals\"")

daemonset = load("daemonset.yaml")[0]
pod = daemonset["spec"]["template"]["spec"]
container = pod["containers"][0]
context = container["securityContext"]
expected = {
    "pod runAsNonRoot": pod["securityContext"].get("runAsNonRoot") is True,
    "pod seccompProfile RuntimeDefault": pod["securityContext"].get("seccompProfile", {}).get("type") == "RuntimeDefault",
    "allowPrivilegeEscalation false": context.get("allowPrivilegeEscalation") is False,
    "readOnlyRootFilesystem true": context.get("readOnlyRootFilesystem") is True,
    "privileged false": context.get("privileged") is False,
    "capabilities drop ALL": context.get("capabilities", {}).get("drop") == ["ALL"],
    "no capabilities added": not context.get("capabilities", {}).get("add"),
    "resource requests": {"cpu", "memory"} <= set(container["resources"].get("requests", {})),
    "resource limits": {"cpu", "memory"} <= set(container["resources"].get("limits", {})),
    "every volume mounted read-only": all(mount.get("readOnly") is True for mount in container["volumeMounts"]),
    "no service account token": pod.get("automountServiceAccountToken") is False,
    "liveness on /livez": container["livenessProbe"]["httpGet"]["path"] == "/livez",
}
problems += [f"daemonset.yaml: {name}" for name, holds in expected.items() if not holds]

for name in ["configmap.yaml", "sidecar-example.yaml"]:
    for document in load(name):
        if document["kind"] == "ConfigMap":
            target = work / f"{document['metadata']['name']}.yml"
            target.write_text(document["data"]["vitals.yml"])

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
PYTHON
for config in "$work"/*.yml; do
    "$vitals" check-config --config.file "$config" >/dev/null || fail "the ConfigMap's $(basename "$config") is invalid"
done
echo "check-kubernetes: deploy/kubernetes OK (Kubernetes $KUBERNETES_VERSION)"
