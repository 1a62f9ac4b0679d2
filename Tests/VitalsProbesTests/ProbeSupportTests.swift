import Testing

@testable import VitalsProbes

struct ProbeSupportTests {
    @Test(
        arguments: [
            (0.0004, "0.4 ms"), (0.0031, "3.1 ms"), (3.21, "3.2 s"), (252, "4m 12s"),
            (12_000, "3h 20m"), (183_600, "2d 3h"),
        ] as [(Double, String)]
    )
    func formatsSecondsForPeople(seconds: Double, text: String) {
        #expect(ProbeSupport.seconds(seconds) == text)
    }

    @Test(
        arguments: [
            (512, "512 B"), (1536, "1.5 KiB"), (5.1 * 1024 * 1024 * 1024, "5.1 GiB"),
            (40 * 1024 * 1024 * 1024, "40 GiB"),
        ] as [(Double, String)]
    )
    func formatsBytesInBinaryUnits(bytes: Double, text: String) {
        #expect(ProbeSupport.bytes(bytes) == text)
    }

    @Test(arguments: [(12, "12%"), (9.54, "9.5%"), (0.04, "0%"), (100, "100%")] as [(Double, String)])
    func formatsPercentages(value: Double, text: String) {
        #expect(ProbeSupport.percent(value) == text)
    }

    @Test(
        arguments: [
            ("see http://app:" + String(repeating: "p", count: 80) + "@db/x", "see http://app:********@db/x"),
            (#"{"password": ""# + String(repeating: "s", count: 80) + #""}"#, #"{"password": "********"}"#),
            (String(repeating: "x", count: 70), String(repeating: "x", count: 64) + "…"),
        ] as [(String, String)]
    )
    func masksSecretsBeforeCuttingTheText(body: String, shown: String) {
        #expect(ProbeSupport.printable(Array(body.utf8)) == shown)
    }

    @Test func formatsDecimalsWithoutTrailingZeros() {
        #expect(ProbeSupport.decimal(0.26, digits: 2) == "0.26")
        #expect(ProbeSupport.decimal(2.5, digits: 2) == "2.5")
        #expect(ProbeSupport.decimal(-1.25, digits: 1) == "-1.3")
        #expect(ProbeSupport.decimal(-0.01, digits: 1) == "0")
        #expect(ProbeSupport.decimal(0.0051, digits: 3) == "0.005")
        #expect(ProbeSupport.decimal(99.96, digits: 1) == "100")
        #expect(ProbeSupport.decimal(12.7, digits: 0) == "13")
        #expect(ProbeSupport.decimal(1_234_567.25, digits: 2) == "1234567.25")
    }

    @Test func formatsValuesTooLargeForDecimalsWithoutTrapping() {
        #expect(ProbeSupport.decimal(1e30) == "1e+30")
        #expect(ProbeSupport.decimal(-1e19, digits: 2) == "-1e+19")
        #expect(ProbeSupport.decimal(.infinity) == "inf")
        #expect(ProbeSupport.seconds(1e300) == "1e+300 s")
    }
}
