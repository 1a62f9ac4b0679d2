#!/usr/bin/env python3
"""Runs every query of the Vitals Grafana dashboards against a live Prometheus, as Grafana would.

    check-dashboards.py --prometheus http://127.0.0.1:9090 --var job=vitals --var instance=127.0.0.1:9469 \
        dashboards/vitals-fleet.json [more dashboards]

Each dashboard is first loaded through grafana-foundation-sdk's model (Dashboard.from_json). Then
every panel target and every query variable is interpolated with the values given by --var (a
variable left out takes its "All" value), the way Grafana's Prometheus data source does it:
multi-value and include-all variables are regex-escaped, single-value ones are not, and
$__rate_interval is 1m (four times Grafana's default 15s scrape interval). Range targets go to
/api/v1/query_range over the last --range seconds, instant ones to /api/v1/query, variables to
/api/v1/series. Prints one JSON object per query:

    {"dashboard": "vitals-fleet", "panel": "Failing checks", "ref": "A", "expr": "…",
     "status": "ok" | "error", "error": "…", "series": 3}

Exits 2 when a dashboard cannot be loaded; query results are for the caller to judge.
"""

import argparse
import json
import re
import sys
import time
import urllib.parse
import urllib.request

from grafana_foundation_sdk.models.dashboard import Dashboard

REGEX_SPECIAL = re.compile(r"[\\^$*+?.()|\[\]{}]")


def regex_escape(value):
    # Grafana's prometheusSpecialRegexEscape: a backslash before each special character, doubled
    # because the value lands inside a PromQL string.
    return REGEX_SPECIAL.sub(lambda match: "\\\\" + match.group(0), value)


def interpolate(expr, variables, values):
    def replace(match):
        name = match.group(1) or match.group(2)
        if name == "__rate_interval":
            return "1m"
        variable = variables.get(name)
        if variable is None:
            return match.group(0)
        value = values.get(name)
        multi = variable.get("multi") or variable.get("includeAll")
        if value is None:
            if variable.get("includeAll"):
                return variable.get("allValue") or ".*"
            raise SystemExit(f"no value for variable {name} (it has no All option); pass --var {name}=…")
        return regex_escape(value) if multi else value

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, expr)


def get(prometheus, path, params):
    url = f"{prometheus}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)


def run(prometheus, kind, expr, seconds):
    now = time.time()
    if kind == "range":
        body = get(prometheus, "/api/v1/query_range", {"query": expr, "start": now - seconds, "end": now, "step": 1})
    elif kind == "instant":
        body = get(prometheus, "/api/v1/query", {"query": expr, "time": now})
    else:
        body = get(prometheus, "/api/v1/series", {"match[]": expr, "start": now - seconds, "end": now})
    if body.get("status") != "success":
        return {"status": "error", "error": body.get("error", "unknown error"), "series": 0}
    data = body["data"]
    count = len(data) if isinstance(data, list) else len(data.get("result", []))
    return {"status": "ok", "series": count}


def label_values_selector(query):
    """label_values(selector, label) → selector; label_values(label) → {label!=""}."""
    match = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query, re.S)
    if match:
        return match.group(1)
    match = re.fullmatch(r"\s*label_values\(\s*(\w+)\s*\)\s*", query)
    if match:
        return f'{{{match.group(1)}!=""}}'
    return query


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--var", action="append", default=[], help="NAME=VALUE")
    parser.add_argument("--range", type=int, default=120, help="seconds of history for range queries")
    parser.add_argument("dashboards", nargs="+")
    arguments = parser.parse_args()
    values = dict(item.split("=", 1) for item in arguments.var)

    for path in arguments.dashboards:
        with open(path) as file:
            raw = json.load(file)
        try:
            model = Dashboard.from_json(raw)
        except Exception as error:  # the SDK raises plain exceptions on a malformed dashboard
            print(f"{path}: grafana-foundation-sdk cannot load it: {error!r}", file=sys.stderr)
            return 2
        if not model.uid or not model.panels:
            print(f"{path}: no uid or no panels", file=sys.stderr)
            return 2
        variables = {variable["name"]: variable for variable in raw.get("templating", {}).get("list", [])}

        def report(panel, ref, kind, expr):
            result = run(arguments.prometheus, kind, interpolate(expr, variables, values), arguments.range)
            print(json.dumps({"dashboard": model.uid, "panel": panel, "ref": ref, "expr": expr, **result}))

        for name, variable in variables.items():
            if variable.get("type") != "query":
                continue
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            report(f"variable {name}", name, "series", label_values_selector(query))
        for panel in raw["panels"]:
            for target in panel.get("targets", []):
                kind = "instant" if target.get("instant") and not target.get("range") else "range"
                report(panel["title"], target["refId"], kind, target["expr"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
