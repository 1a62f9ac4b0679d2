#!/usr/bin/env python3
"""Builds the Vitals Grafana dashboards with grafana-foundation-sdk and writes them beside this file.

    .venv/bin/python dashboards/generate.py          # rewrite vitals-fleet.json and vitals-check.json
    .venv/bin/python dashboards/generate.py --check  # exit 1 when a committed file differs

The dashboards are code so that both use the same selectors, units and colours; the JSON is
committed so that people import it without Python. A test regenerates it and compares.
"""

import json
import pathlib
import sys

from grafana_foundation_sdk.builders import (
    bargauge,
    common as common_builder,
    dashboard,
    heatmap,
    prometheus,
    stat,
    statetimeline,
    table,
    timeseries,
)
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common, dashboard as model, prometheus as prom

HERE = pathlib.Path(__file__).resolve().parent
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="${datasource}")

# Status as one number for state timelines and stats: 0 pass, 1 warn, 2 fail.
STATUS_MAPPINGS = [
    model.ValueMap(
        options={
            "0": model.ValueMappingResult(text="pass", color="green", index=0),
            "1": model.ValueMappingResult(text="warn", color="yellow", index=1),
            "2": model.ValueMappingResult(text="fail", color="red", index=2),
        }
    )
]


def status_expression(selector, by):
    """0 pass, 1 warn, 2 fail for each check matched by `selector`, grouped by `by`."""
    return (
        f'max by({by}) (healthcheck_status{{{selector},healthcheck_status="warn"}})'
        f' + 2 * max by({by}) (healthcheck_status{{{selector},healthcheck_status="fail"}})'
    )


def query(expr, legend=None, ref="A", instant=False, fmt=None):
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE)
    if legend:
        q = q.legend_format(legend)
    if instant:
        q = q.instant()
    else:
        q = q.range()
    if fmt:
        q = q.format(fmt)
    return q


def thresholds(*steps):
    return (
        dashboard.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=value, color=color) for value, color in steps])
    )


def merge_tables():
    """Joins the instant queries of a table on their labels into one row per series."""
    return model.DataTransformerConfig(id_val="merge", options={})


def organize(hidden, renamed=None):
    return model.DataTransformerConfig(
        id_val="organize",
        options={"excludeByName": {name: True for name in hidden}, "renameByName": renamed or {}},
    )


def datasource_variable():
    return dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus")


def query_variable(name, label, expr, multi=True):
    variable = (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query({"query": expr, "refId": f"{name}-variable"})
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
    )
    if multi:
        variable = variable.multi(True).include_all(True).all_value(".*")
    return variable


def two_state_timeline(title, description, expr, zero, one):
    """A state timeline of a 0/1 series per instance: `zero` in red, `one` in green."""
    return (
        statetimeline.Panel()
        .title(title)
        .description(description)
        .with_target(query(expr, legend="{{instance}}"))
        .mappings(
            [
                model.ValueMap(
                    options={
                        "0": model.ValueMappingResult(text=zero, color="red", index=0),
                        "1": model.ValueMappingResult(text=one, color="green", index=1),
                    }
                )
            ]
        )
        .show_value(common.VisibilityMode.NEVER)
        .height(6)
        .span(12)
    )


# The availability recording rules of deploy/prometheus/vitals.rules.yml: (suffix, query ref, label).
AVAILABILITY = [("1d", "D1", "1 day"), ("7d", "D7", "7 days"), ("30d", "D30", "30 days")]


def reduce_last():
    return common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False)


# MARK: Vitals / Fleet

FLEET = 'job=~"$job",instance=~"$instance",type=~"$type"'
EXPORTER = 'job=~"$job",instance=~"$instance"'
CRITICAL = 'and on(job, instance, check) healthcheck_info{critical=~"$critical"}'


def fleet():
    count_stat = lambda title, expr, color: (  # noqa: E731
        stat.Panel()
        .title(title)
        .with_target(query(f"count(({expr}) {CRITICAL}) or vector(0)", instant=True))
        .reduce_options(reduce_last())
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .thresholds(thresholds((None, "green"), *([(1, color)] if color != "green" else [])))
        .height(4)
        .span(4)
    )
    builder = (
        dashboard.Dashboard("Vitals / Fleet")
        .uid("vitals-fleet")
        .description("Every Vitals instance and check: what fails now, since when and why, and how available each check has been.")
        .tags(["vitals", "healthcheck"])
        .editable()
        .time("now-6h", "now")
        .refresh("1m")
        .timezone("browser")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .with_variable(datasource_variable())
        .with_variable(query_variable("job", "Job", "label_values(healthcheck_info, job)"))
        .with_variable(query_variable("instance", "Instance", 'label_values(healthcheck_info{job=~"$job"}, instance)'))
        .with_variable(
            query_variable("type", "Type", 'label_values(healthcheck_info{job=~"$job",instance=~"$instance"}, type)')
        )
        .with_variable(
            dashboard.CustomVariable("critical")
            .label("Critical")
            .values("true,false")
            .multi(True)
            .include_all(True)
            .all_value(".*")
        )
        .link(
            dashboard.DashboardLink("Vitals / Check")
            .type(model.DashboardLinkType.LINK)
            .url("/d/vitals-check/vitals-check")
            .include_vars(True)
            .keep_time(True)
            .icon("dashboard")
        )
        .with_row(dashboard.Row("Now"))
        .with_panel(count_stat("Failing checks", f'healthcheck_success{{{FLEET}}} == 0', "red"))
        .with_panel(
            count_stat("Warning checks", f'healthcheck_status{{{FLEET},healthcheck_status="warn"}} == 1', "yellow")
        )
        .with_panel(
            count_stat("Passing checks", f'healthcheck_status{{{FLEET},healthcheck_status="pass"}} == 1', "green")
        )
        .with_panel(
            stat.Panel()
            .title("Instances up")
            .description("Vitals instances Prometheus scrapes successfully, of all it scrapes.")
            .with_target(query(f"sum(up{{{EXPORTER}}})", legend="up", instant=True))
            .with_target(query(f"count(up{{{EXPORTER}}})", legend="scraped", ref="B", instant=True))
            .reduce_options(reduce_last())
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(6)
        )
        .with_panel(
            stat.Panel()
            .title("Healthy instances")
            .description("Instances where no critical check fails (vitals_healthy).")
            .with_target(query(f"sum(vitals_healthy{{{EXPORTER}}})", instant=True))
            .reduce_options(reduce_last())
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(6)
        )
        .with_panel(
            table.Panel()
            .title("Failing checks")
            .description(
                "Every failing check across the fleet: since its last success and by the reason of its latest failures. "
                "The instance links to its status page, the check to its dashboard."
            )
            .with_target(
                query(
                    f"time() - max by(job, instance, check, type) (healthcheck_last_success_timestamp_seconds{{{FLEET}}})"
                    f" and on(job, instance, check) ((healthcheck_success{{{FLEET}}} == 0) {CRITICAL})",
                    ref="SINCE",
                    instant=True,
                    fmt=prom.PromQueryFormat.TABLE,
                )
            )
            .with_target(
                query(
                    f"topk by(job, instance, check) (1, increase(healthcheck_failures_total{{{FLEET}}}[1h]))"
                    f" and on(job, instance, check) ((healthcheck_success{{{FLEET}}} == 0) {CRITICAL})",
                    ref="REASON",
                    instant=True,
                    fmt=prom.PromQueryFormat.TABLE,
                )
            )
            .with_transformation(merge_tables())
            .with_transformation(
                organize(["Time", "job", "Value #REASON"], {"Value #SINCE": "failing since last success"})
            )
            .unit("s")
            .override_by_name(
                "instance",
                [
                    model.DynamicConfigValue(
                        id_val="links",
                        value=[{"title": "Status page", "url": "http://${__value.raw}/", "targetBlank": True}],
                    )
                ],
            )
            .override_by_name(
                "check",
                [
                    model.DynamicConfigValue(
                        id_val="links",
                        value=[
                            {
                                "title": "Check dashboard",
                                "url": "/d/vitals-check/vitals-check?${datasource:queryparam}"
                                "&var-instance=${__data.fields.instance}&var-check=${__value.raw}",
                            }
                        ],
                    )
                ],
            )
            .height(8)
            .span(24)
        )
        .with_panel(
            statetimeline.Panel()
            .title("Status over time")
            .description("Each check on each instance: green pass, yellow warn, red fail.")
            .with_target(
                query(
                    f"({status_expression(FLEET, 'job, instance, check')}) {CRITICAL}",
                    legend="{{instance}} {{check}}",
                )
            )
            .mappings(STATUS_MAPPINGS)
            .show_value(common.VisibilityMode.NEVER)
            .merge_values(True)
            .height(10)
            .span(24)
        )
        .with_row(dashboard.Row("Why and how fast"))
        .with_panel(
            timeseries.Panel()
            .title("Failures by reason")
            .description("Failed runs per second across the selected checks, by reason.")
            .with_target(
                query(
                    f"sum by(reason) (rate(healthcheck_failures_total{{{FLEET}}}[$__rate_interval]) {CRITICAL})",
                    legend="{{reason}}",
                )
            )
            .unit("ops")
            .height(8)
            .span(12)
        )
        .with_panel(
            bargauge.Panel()
            .title("Slowest checks")
            .description("The ten longest last runs (healthcheck_duration_seconds).")
            .with_target(
                query(
                    f"topk(10, max by(job, instance, check) (healthcheck_duration_seconds{{{FLEET}}}) {CRITICAL})",
                    legend="{{instance}} {{check}}",
                    instant=True,
                )
            )
            .unit("s")
            .display_mode(common.BarGaugeDisplayMode.GRADIENT)
            .orientation(common.VizOrientation.HORIZONTAL)
            .reduce_options(reduce_last())
            .height(8)
            .span(12)
        )
        .with_panel(
            table.Panel()
            .title("Certificates expiring soonest")
            .description("Time left on the earliest-expiring certificate each check saw.")
            .with_target(
                query(
                    f"bottomk(10, healthcheck_certificate_expiry_timestamp_seconds{{{FLEET}}} - time())",
                    instant=True,
                    fmt=prom.PromQueryFormat.TABLE,
                )
            )
            .with_transformation(organize(["Time", "job"], {"Value": "time left"}))
            .unit("s")
            .thresholds(thresholds((None, "red"), (3 * 86400, "orange"), (14 * 86400, "green")))
            .height(8)
            .span(12)
        )
        .with_panel(
            table.Panel()
            .title("Availability")
            .description(
                "Share of time each check passed or warned, from the recording rules in "
                "deploy/prometheus/vitals.rules.yml (instance_check:healthcheck_success:avg1d, avg7d, avg30d)."
            )
            .targets(
                [
                    query(
                        f"instance_check:healthcheck_success:avg{window}{{{FLEET}}} {CRITICAL}",
                        ref=ref,
                        instant=True,
                        fmt=prom.PromQueryFormat.TABLE,
                    )
                    for window, ref, _ in AVAILABILITY
                ]
            )
            .with_transformation(merge_tables())
            .with_transformation(
                organize(
                    ["Time", "job", "__name__"],
                    {f"Value #{ref}": label for _, ref, label in AVAILABILITY},
                )
            )
            .unit("percentunit")
            .decimals(3)
            .thresholds(thresholds((None, "red"), (0.99, "orange"), (0.999, "green")))
            .height(8)
            .span(12)
        )
        .with_row(dashboard.Row("Exporters"))
        .with_panel(
            two_state_timeline(
                "Scrapes",
                "up: whether Prometheus could scrape each Vitals instance.",
                f"up{{{EXPORTER}}}",
                "down",
                "up",
            )
        )
        .with_panel(
            two_state_timeline(
                "Last configuration reload",
                "Whether each instance's last reload succeeded; after a failure it runs the previous checks.",
                f"vitals_config_last_reload_successful{{{EXPORTER}}}",
                "failed",
                "ok",
            )
        )
        .with_panel(
            table.Panel()
            .title("Versions")
            .description("Instances per Vitals build.")
            .with_target(
                query(
                    f"count by(version, revision, swift_version) (vitals_build_info{{{EXPORTER}}})",
                    instant=True,
                    fmt=prom.PromQueryFormat.TABLE,
                )
            )
            .with_transformation(organize(["Time"], {"Value": "instances"}))
            .height(6)
            .span(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Scrape duration")
            .with_target(query(f"scrape_duration_seconds{{{EXPORTER}}}", legend="{{instance}}"))
            .unit("s")
            .height(6)
            .span(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Scheduler lateness (p99)")
            .description("How late check runs start after they are due; above the interval means checks queue.")
            .with_target(
                query(
                    "histogram_quantile(0.99, sum by(instance, le) "
                    f"(rate(vitals_scheduler_lateness_seconds_bucket{{{EXPORTER}}}[$__rate_interval])))",
                    legend="{{instance}}",
                )
            )
            .unit("s")
            .height(6)
            .span(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Runs in flight and skipped")
            .description("Check runs under way, and runs skipped because too many were (normally none).")
            .with_target(query(f"vitals_runs_in_flight{{{EXPORTER}}}", legend="{{instance}} in flight"))
            .with_target(
                query(
                    f"sum by(instance) (rate(healthcheck_skipped_runs_total{{{EXPORTER}}}[$__rate_interval]))",
                    legend="{{instance}} skipped/s",
                    ref="B",
                )
            )
            .height(6)
            .span(12)
        )
        .with_panel(
            timeseries.Panel()
            .title("Memory and CPU")
            .with_target(query(f"process_resident_memory_bytes{{{EXPORTER}}}", legend="{{instance}} resident"))
            .with_target(
                query(
                    f"rate(process_cpu_seconds_total{{{EXPORTER}}}[$__rate_interval])",
                    legend="{{instance}} CPU",
                    ref="B",
                )
            )
            .unit("bytes")
            .override_by_query("B", [model.DynamicConfigValue(id_val="unit", value="percentunit")])
            .height(6)
            .span(12)
        )
    )
    return builder.build()


# MARK: Vitals / Check

CHECK = 'job=~"$job",instance="$instance",check="$check"'


def check():
    builder = (
        dashboard.Dashboard("Vitals / Check")
        .uid("vitals-check")
        .description("One check on one instance: its status over time, latency, runs, failures and availability.")
        .tags(["vitals", "healthcheck"])
        .editable()
        .time("now-6h", "now")
        .refresh("1m")
        .timezone("browser")
        .with_variable(datasource_variable())
        .with_variable(query_variable("job", "Job", "label_values(healthcheck_info, job)"))
        .with_variable(
            query_variable("instance", "Instance", 'label_values(healthcheck_info{job=~"$job"}, instance)', multi=False)
        )
        .with_variable(
            query_variable(
                "check", "Check", 'label_values(healthcheck_info{job=~"$job",instance="$instance"}, check)', multi=False
            )
        )
        .link(
            dashboard.DashboardLink("Vitals / Fleet")
            .type(model.DashboardLinkType.LINK)
            .url("/d/vitals-fleet/vitals-fleet")
            .keep_time(True)
            .icon("dashboard")
        )
        .link(
            dashboard.DashboardLink("Status page")
            .type(model.DashboardLinkType.LINK)
            .url("http://${instance}/")
            .target_blank(True)
            .icon("external link")
        )
        .with_panel(
            stat.Panel()
            .title("Status")
            .with_target(query(status_expression(CHECK, "check"), instant=True))
            .mappings(STATUS_MAPPINGS)
            .reduce_options(reduce_last())
            .color_mode(common.BigValueColorMode.BACKGROUND)
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(4)
        )
        .with_panel(
            stat.Panel()
            .title("Last success")
            .description("When the last passing or warning run finished.")
            .with_target(query(f"healthcheck_last_success_timestamp_seconds{{{CHECK}}} * 1000", instant=True))
            .unit("dateTimeFromNow")
            .no_value("never")
            .reduce_options(reduce_last())
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(4)
        )
        .with_panel(
            stat.Panel()
            .title("Interval")
            .with_target(query(f"healthcheck_interval_seconds{{{CHECK}}}", instant=True))
            .unit("s")
            .reduce_options(reduce_last())
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(4)
        )
        .with_panel(
            stat.Panel()
            .title("Critical")
            .description("Whether a failure of this check fails /health.")
            .with_target(query(f"healthcheck_info{{{CHECK}}}", legend="{{critical}}", instant=True))
            .text_mode(common.BigValueTextMode.NAME)
            .reduce_options(reduce_last())
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(4)
        )
        .with_panel(
            stat.Panel()
            .title("Availability")
            .description("Share of time the check passed or warned (recording rules).")
            .targets(
                [
                    query(f"instance_check:healthcheck_success:avg{window}{{{CHECK}}}", legend=label, ref=ref, instant=True)
                    for (window, _, label), ref in zip(AVAILABILITY, "ABC")
                ]
            )
            .unit("percentunit")
            .decimals(3)
            .reduce_options(reduce_last())
            .graph_mode(common.BigValueGraphMode.NONE)
            .height(4)
            .span(8)
        )
        .with_panel(
            statetimeline.Panel()
            .title("Status over time")
            .with_target(query(status_expression(CHECK, "check"), legend="{{check}}"))
            .mappings(STATUS_MAPPINGS)
            .show_value(common.VisibilityMode.NEVER)
            .merge_values(True)
            .height(4)
            .span(24)
        )
        .with_panel(
            timeseries.Panel()
            .title("Latency")
            .description(
                "The duration of the last run, and quantiles when the check has latency buckets (metrics.latency_buckets)."
            )
            .with_target(query(f"healthcheck_duration_seconds{{{CHECK}}}", legend="last run"))
            .with_target(
                query(
                    "histogram_quantile(0.5, sum by(le) "
                    f"(rate(healthcheck_latency_seconds_bucket{{{CHECK}}}[$__rate_interval])))",
                    legend="p50",
                    ref="B",
                )
            )
            .with_target(
                query(
                    "histogram_quantile(0.99, sum by(le) "
                    f"(rate(healthcheck_latency_seconds_bucket{{{CHECK}}}[$__rate_interval])))",
                    legend="p99",
                    ref="C",
                )
            )
            .unit("s")
            .height(8)
            .span(12)
        )
        .with_panel(
            heatmap.Panel()
            .title("Latency distribution")
            .description("Runs per latency bucket; empty unless the check has latency buckets (metrics.latency_buckets).")
            .with_target(
                query(
                    f"sum by(le) (increase(healthcheck_latency_seconds_bucket{{{CHECK}}}[$__rate_interval]))",
                    legend="{{le}}",
                    fmt=prom.PromQueryFormat.HEATMAP,
                )
            )
            .calculate(False)
            .height(8)
            .span(12)
        )
        .with_panel(
            timeseries.Panel()
            .title("Runs and failures by reason")
            .with_target(query(f"rate(healthcheck_runs_total{{{CHECK}}}[$__rate_interval])", legend="runs"))
            .with_target(
                query(
                    f"sum by(reason) (rate(healthcheck_failures_total{{{CHECK}}}[$__rate_interval]))",
                    legend="failed: {{reason}}",
                    ref="B",
                )
            )
            .with_target(
                query(
                    f"rate(healthcheck_skipped_runs_total{{{CHECK}}}[$__rate_interval])",
                    legend="skipped",
                    ref="C",
                )
            )
            .unit("ops")
            .height(8)
            .span(12)
        )
        .with_panel(
            timeseries.Panel()
            .title("Certificate time left")
            .description("For checks that see a certificate (tls).")
            .with_target(
                query(f"healthcheck_certificate_expiry_timestamp_seconds{{{CHECK}}} - time()", legend="time left")
            )
            .unit("s")
            .thresholds(thresholds((None, "red"), (3 * 86400, "orange"), (14 * 86400, "green")))
            .height(8)
            .span(12)
        )
    )
    return builder.build()


def render(built):
    # Stable panel ids, in layout order: links and provisioning diff by them.
    for number, panel in enumerate(built.panels or [], start=1):
        panel.id_val = number
    return json.dumps(built, cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def main():
    check_only = "--check" in sys.argv[1:]
    stale = []
    for name, build in (("vitals-fleet.json", fleet), ("vitals-check.json", check)):
        path = HERE / name
        text = render(build())
        if check_only:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"out of date: {', '.join(stale)}; run .venv/bin/python dashboards/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
