import Testing
import Vitals

@testable import VitalsProbes

struct PerfDataTests {
    @Test(
        arguments: [
            ("time=0.003s;1;2;0;10", [Observation("time", 0.003, unit: "s")]),
            ("users=4;5;10", [Observation("users", 4)]),
            ("'load 1'=0.52;4;8;0 load5=0.58", [Observation("load 1", 0.52), Observation("load5", 0.58)]),
            ("'it''s'=1c", [Observation("it's", 1, unit: "c")]),
            ("  a=1   b=-2.5e3ms  ", [Observation("a", 1), Observation("b", -2500, unit: "ms")]),
            ("size=12events", [Observation("size", 12, unit: "events")]),
            ("pct=99,5%", [Observation("pct", 99.5, unit: "%")]),
            (
                "disk=10KB;;;0;100 '/var'=51%",
                [Observation("disk", 10, unit: "KB"), Observation("/var", 51, unit: "%")]
            ),
            ("unknown=U;1;2 ok=1", [Observation("ok", 1)]),
            ("novalue= x=y 'unterminated=3 =4", []),
            ("", []),
        ] as [(String, [Observation])]
    )
    func parsesPerfData(text: String, expected: [Observation]) {
        #expect(PerfData.parse(text[...]) == expected)
    }
}
