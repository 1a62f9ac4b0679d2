import Testing
import Vitals
import VitalsSystemd
import VitalsTesting

@Suite struct ReadinessServiceTests {
    private func snapshot(_ outcomes: [(String, CheckOutcome)]) -> Snapshot {
        let store = ResultStore(wallClock: WallClock { 0 })
        store.replace(with: outcomes.map { CheckDefinition(name: $0.0, type: "t", check: FixedCheck($0.1)) })
        store.recordFixedOutcomes(finished: 1, duration: 0)
        return store.snapshot()
    }

    @Test func summaryCountsPassingChecks() {
        #expect(ReadinessService.summary(of: snapshot([("a", .pass("")), ("b", .warn(""))])) == "2/2 checks passing")
    }

    @Test func summaryNamesTheFailingChecks() {
        let line = ReadinessService.summary(of: snapshot([("a", .pass("")), ("db", .fail("")), ("api", .fail(""))]))
        #expect(line == "1/3 checks passing; failing: api, db")
    }

    @Test func summaryShortensALongList() {
        let line = ReadinessService.summary(of: snapshot((1...8).map { ("c\($0)", CheckOutcome.fail("")) }))
        #expect(line == "0/8 checks passing; failing: c1, c2, c3, c4, c5 and 3 more")
    }
}
