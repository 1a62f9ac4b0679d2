import Foundation
import Testing

/// The shipped Prometheus rules and Grafana dashboards, checked by the tools that consume them.
@Suite(.tags(.integration)) struct OpsKitTests {
    private static func path(_ relative: String) -> String {
        PrometheusTests.repositoryPath(relative)
    }

    @Test func rulesPassPromtoolCheck() async throws {
        let result = try await runProcess(
            "promtool",
            ["check", "rules", Self.path("deploy/prometheus/vitals.rules.yml")]
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("SUCCESS"))
    }

    /// Every alert is shown firing and not firing in vitals.rules.test.yml.
    @Test func ruleUnitTestsPass() async throws {
        let result = try await runProcess(
            "promtool",
            ["test", "rules", Self.path("deploy/prometheus/vitals.rules.test.yml")]
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func everyAlertIsUnitTestedAndHasARunbookSection() throws {
        let rules = try String(contentsOfFile: Self.path("deploy/prometheus/vitals.rules.yml"), encoding: .utf8)
        let tests = try String(contentsOfFile: Self.path("deploy/prometheus/vitals.rules.test.yml"), encoding: .utf8)
        let runbook = try String(contentsOfFile: Self.path("docs/alerts.md"), encoding: .utf8)
        let alerts = rules.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("- alert: ") ? String(trimmed.dropFirst("- alert: ".count)) : nil
        }
        #expect(alerts.count >= 11)
        for alert in alerts {
            #expect(tests.contains("alertname: \(alert)\n"), "\(alert) has no promtool test")
            #expect(runbook.contains("\n## \(alert)\n"), "docs/alerts.md has no section for \(alert)")
            #expect(rules.contains("alerts.md#\(alert.lowercased())\n"), "\(alert) has no runbook_url")
        }
        for key in ["summary:", "description:", "runbook_url:"] {
            #expect(rules.components(separatedBy: key).count - 1 == alerts.count, "every alert needs \(key)")
        }
    }

    @Test func examplePrometheusConfigIsValid() async throws {
        let result = try await runProcess(
            "promtool",
            ["check", "config", Self.path("deploy/prometheus/prometheus.yml")]
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// The example the package installs as /etc/vitals/vitals.yml stays valid as keys are added.
    @Test func exampleVitalsConfigIsValid() async throws {
        let result = try await runVitals(["check-config", "--config.file", Self.path("deploy/vitals.yml")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// The committed JSON is what dashboards/generate.py builds with grafana-foundation-sdk.
    @Test func dashboardsAreRegeneratedFromCode() async throws {
        let result = try await runProcess(try venvPython(), [Self.path("dashboards/generate.py"), "--check"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Importable by Grafana 10 and later: they load through the SDK's model, with a stable uid, the
    /// `${datasource}` variable on every query, and no instance written into a query.
    @Test func dashboardsLoadThroughTheSDKModel() async throws {
        let script = """
            import json, sys
            from grafana_foundation_sdk.models.dashboard import Dashboard
            for path in sys.argv[1:]:
                raw = json.load(open(path))
                model = Dashboard.from_json(raw)
                assert model.uid in ("vitals-fleet", "vitals-check"), model.uid
                assert raw["templating"]["list"][0]["type"] == "datasource"
                for panel in raw["panels"]:
                    for target in panel.get("targets", []):
                        assert target["datasource"]["uid"] == "${datasource}", panel["title"]
                        assert "127.0.0.1" not in target["expr"] and "instance=~\\"$instance\\"" in target["expr"] \
                            or "instance=\\"$instance\\"" in target["expr"], (panel["title"], target["expr"])
                print(model.uid, len(model.panels))
            """
        let result = try await runProcess(
            try venvPython(),
            ["-c", script, Self.path("dashboards/vitals-fleet.json"), Self.path("dashboards/vitals-check.json")]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("vitals-fleet"))
        #expect(result.stdout.contains("vitals-check"))
    }

}
