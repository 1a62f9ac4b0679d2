import Testing

@testable import Vitals

private let day: Int64 = 86_400

private let parsedDurations: [(String, Duration)] = [
    ("0", Duration.zero),
    ("0s", .zero),
    ("250ms", .milliseconds(250)),
    ("10s", .seconds(10)),
    ("5m", .seconds(300)),
    ("1h30m", .seconds(5400)),
    ("1m30s", .seconds(90)),
    ("2d", .seconds(172_800)),
    ("1w", .seconds(604_800)),
    ("1y", .seconds(31_536_000)),
    ("1y2w3d4h5m6s7ms", .seconds((365 + 14 + 3) * day + 4 * 3600 + 5 * 60 + 6) + .milliseconds(7)),
    ("90s", .seconds(90)),
]

@Suite struct PrometheusDurationTests {
    @Test(arguments: parsedDurations)
    func parsesDuration(_ text: String, _ expected: Duration) {
        #expect(parseDuration(text) == expected)
    }

    @Test(arguments: [
        "", "1.5s", "10", "-1s", "+1s", "1s1m", "1m1m", "1 s", " 1s", "s", "1S", "1h 30m", "ms", "1sec", "1us",
        "99999999999999999999s", "300y", "1e3s",
    ])
    func rejectsDuration(_ text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test(arguments: [
        (Duration.zero, "0s"),
        (.milliseconds(250), "250ms"),
        (.seconds(10), "10s"),
        (.seconds(90), "1m30s"),
        (.seconds(5400), "1h30m"),
        (.milliseconds(1500), "1s500ms"),
        (.seconds(86_400 * 90), "90d"),
        (.seconds(86_400 * 14), "2w"),
        (.seconds(86_400 * 365), "1y"),
        (.seconds(-90), "-1m30s"),
        (.microseconds(1500), "1ms"),
    ])
    func formatsDuration(_ duration: Duration, _ expected: String) {
        #expect(duration.shortDescription == expected)
    }

    @Test func formatsHugeDurationsWithoutTrapping() {
        #expect(Duration.seconds(Int64.max).shortDescription == Duration.seconds(Int64.max / 1_000).shortDescription)
        #expect(Duration.seconds(Int64.min).shortDescription.hasPrefix("-"))
    }

    @Test(arguments: ["250ms", "10s", "1h30m", "2w", "90d", "1y", "1d2h3m4s5ms"])
    func formattingIsTheInverseOfParsing(_ text: String) throws {
        let duration = try #require(parseDuration(text))
        #expect(duration.shortDescription == text)
        #expect(parseDuration(duration.shortDescription) == duration)
    }
}
