import Foundation
import Testing
import VitalsTesting

@testable import Vitals

/// One recorded run for ``recordedChecks(_:nonCritical:pending:)``.
struct Run: Sendable {
    var name: String
    var outcome: CheckOutcome
    var at: Double = 1_700_000_001.5
    var duration: Double = 0.003
}

/// The checks of a store after recording `runs` in order; `pending` checks never ran.
func recordedChecks(_ runs: [Run], nonCritical: Set<String> = [], pending: [String] = []) -> [CheckSnapshot] {
    let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
    var names: [String] = []
    for name in runs.map(\.name) + pending where !names.contains(name) {
        names.append(name)
    }
    let slots = store.replace(
        with: names.map { name in
            CheckDefinition(
                name: name,
                type: "tcp",
                policy: CheckPolicy(critical: !nonCritical.contains(name)),
                check: FixedCheck(.pass(""))
            )
        }
    )
    for run in runs {
        let slot = slots.first { $0.definition.name == run.name }!
        store.record(
            CheckResult(outcome: run.outcome, finished: run.at, duration: run.duration),
            for: slot,
            expires: nil
        )
    }
    return store.snapshot().checks
}

@Suite struct HealthPlusJSONRendererTests {
    private func document(_ checks: [CheckSnapshot]) throws -> [String: Any] {
        let bytes = HealthPlusJSONRenderer.render(checks, description: "Vitals on web-1", version: "1.2.0")
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func usesTheFieldNamesOfTheDraft() throws {
        let document = try document(sampleSnapshot().checks)
        #expect(document["status"] as? String == "warn")
        #expect(document["description"] as? String == "Vitals on web-1")
        #expect(document["version"] as? String == "1.2.0")
        let checks = try #require(document["checks"] as? [String: [[String: Any]]])
        #expect(Set(checks.keys) == ["api:responseTime", "disk:responseTime", "db \"main\":responseTime"])
        let api = try #require(checks["api:responseTime"]?.first)
        #expect(api["componentId"] as? String == "api")
        #expect(api["componentType"] as? String == "http")
        #expect(api["observedValue"] as? Double == 0.003)
        #expect(api["observedUnit"] as? String == "s")
        #expect(api["status"] as? String == "pass")
        #expect(api["time"] as? String == "2023-11-14T22:13:21.500Z")
        #expect(api["output"] == nil, "a passing check has no output")
        let disk = try #require(checks["disk:responseTime"]?.first)
        #expect(disk["status"] as? String == "warn")
        #expect(disk["output"] as? String == "15% free")
        let db = try #require(checks["db \"main\":responseTime"]?.first)
        #expect(db["output"] as? String == "connection refused\nat 127.0.0.1")
    }

    @Test func addsOneEntryPerObservation() throws {
        let outcome = CheckOutcome.warn("15% free", observations: [Observation("free_percent", 15, unit: "%")])
        let document = try document(recordedChecks([Run(name: "disk", outcome: outcome)]))
        let checks = try #require(document["checks"] as? [String: [[String: Any]]])
        let free = try #require(checks["disk:free_percent"])
        #expect(free.count == 1)
        #expect(free[0]["observedValue"] as? Double == 15)
        #expect(free[0]["observedUnit"] as? String == "percent")
        #expect(free[0]["status"] as? String == "warn")
        #expect(free[0]["componentId"] as? String == "disk")
    }

    @Test func pendingCheckFailsWithoutValueOrTime() throws {
        let document = try document(recordedChecks([], pending: ["new"]))
        #expect(document["status"] as? String == "fail")
        let checks = try #require(document["checks"] as? [String: [[String: Any]]])
        let entry = try #require(checks["new:responseTime"]?.first)
        #expect(entry["status"] as? String == "fail")
        #expect(entry["output"] as? String == "pending")
        #expect(entry["observedValue"] == nil)
        #expect(entry["time"] == nil)
    }

    @Test func replacesColonsInKeyParts() throws {
        let outcome = CheckOutcome.pass("ok", observations: [Observation("a:b", 1)])
        let document = try document(recordedChecks([Run(name: "x:y", outcome: outcome)]))
        let checks = try #require(document["checks"] as? [String: [[String: Any]]])
        #expect(Set(checks.keys) == ["x_y:responseTime", "x_y:a_b"])
        #expect(checks["x_y:a_b"]?.first?["componentId"] as? String == "x:y")
    }

    @Test(arguments: [
        ([CheckStatus](), [Bool](), CheckStatus.pass),
        ([.pass, .pass], [true, true], .pass),
        ([.pass, .warn], [true, true], .warn),
        ([.pass, .fail], [true, false], .warn),
        ([.warn, .fail], [false, true], .fail),
        ([.fail, .pass], [true, true], .fail),
    ])
    func statusFollowsTheRules(statuses: [CheckStatus], critical: [Bool], expected: CheckStatus) throws {
        let runs = statuses.enumerated().map { index, status in
            Run(name: "c\(index)", outcome: CheckOutcome(status: status, message: status.rawValue))
        }
        let nonCritical = Set(critical.enumerated().filter { !$0.element }.map { "c\($0.offset)" })
        let checks = recordedChecks(runs, nonCritical: nonCritical)
        #expect(checks.overallStatus == expected)
        #expect(try document(checks)["status"] as? String == expected.rawValue)
    }
}
