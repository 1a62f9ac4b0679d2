import Testing

@testable import Vitals

@Suite struct NagiosRendererTests {
    private func line(_ checks: [CheckSnapshot]) -> String {
        String(decoding: NagiosRenderer.render(checks), as: UTF8.self)
    }

    @Test func okWhenEveryCheckPasses() {
        let checks = recordedChecks([
            Run(name: "api", outcome: .pass("ok"), duration: 0.003),
            Run(name: "db", outcome: .pass("ok"), duration: 0.01),
        ])
        #expect(line(checks) == "VITALS OK - 2 checks passing | 'api'=0.003s;;;0 'db'=0.010s;;;0\n")
        #expect(NagiosRenderer.exitCode(for: checks) == 0)
    }

    @Test func warningForAWarningOrANonCriticalFailure() {
        let checks = recordedChecks(
            [
                Run(name: "api", outcome: .pass("ok")),
                Run(name: "cache", outcome: .fail("down")),
                Run(name: "disk", outcome: .warn("15% free")),
            ],
            nonCritical: ["cache"]
        )
        #expect(
            line(checks)
                == "VITALS WARNING - 2 of 3 warning: cache, disk | 'api'=0.003s;;;0 'cache'=0.003s;;;0 'disk'=0.003s;;;0\n"
        )
        #expect(NagiosRenderer.exitCode(for: checks) == 1)
    }

    @Test func criticalWhenACriticalCheckFails() {
        let checks = recordedChecks(
            [
                Run(name: "api", outcome: .pass("ok")),
                Run(name: "db", outcome: .fail("refused", reason: .refused), duration: 1.5),
                Run(name: "disk", outcome: .warn("15% free")),
            ]
        )
        #expect(
            line(checks)
                == "VITALS CRITICAL - 1 of 3 failing: db | 'api'=0.003s;;;0 'db'=1.500s;;;0 'disk'=0.003s;;;0\n"
        )
        #expect(NagiosRenderer.exitCode(for: checks) == 2)
    }

    @Test func doublesQuotesInLabelsAndSkipsChecksThatNeverRan() {
        let checks = recordedChecks([Run(name: "it's", outcome: .pass("ok"))], pending: ["new"])
        #expect(line(checks) == "VITALS CRITICAL - 1 of 2 failing: new | 'it''s'=0.003s;;;0\n")
    }

    @Test func unknownLineStaysOnOneLine() {
        let text = String(decoding: NagiosRenderer.renderUnknown("bad config\nline 2 | x"), as: UTF8.self)
        #expect(text == "VITALS UNKNOWN - bad config line 2 / x\n")
    }
}
