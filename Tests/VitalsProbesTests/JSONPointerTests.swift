import Foundation
import Testing

@testable import VitalsProbes

/// JSON pointers on RFC 6901's own example document (§5), and how `expect_json` compares values.
struct JSONPointerTests {
    static let document = #"""
        {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}
        """#

    @Test(
        arguments: [
            ("/foo/0", "bar"), ("/", "0"), ("/a~1b", "1"), ("/c%d", "2"), ("/e^f", "3"), ("/g|h", "4"),
            (#"/i\j"#, "5"), (#"/k"l"#, "6"), ("/ ", "7"), ("/m~0n", "8"), ("/foo", "an array of 2"), ("", "an object"),
        ]
    )
    func findsWhatRFC6901Says(pointer: String, text: String) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(Self.document.utf8))
        #expect(value.value(at: pointer)?.text == text)
    }

    @Test(arguments: ["/foo/2", "/foo/01", "/foo/-1", "/nope", "/foo/0/x", "foo"])
    func findsNothingWhereThereIsNothing(pointer: String) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(Self.document.utf8))
        #expect(value.value(at: pointer) == nil)
    }

    @Test func comparesNumbersByValueAndTheRestByText() throws {
        let value = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(#"{"n": 12.5, "i": 3, "t": true, "z": null, "s": "12.50"}"#.utf8)
        )
        #expect(try value.value(at: "/n")?.matches("12.50") == true)
        #expect(try value.value(at: "/i")?.matches("3") == true)
        #expect(value.value(at: "/i")?.text == "3")
        #expect(try value.value(at: "/t")?.matches("true") == true)
        #expect(try value.value(at: "/z")?.matches("null") == true)
        #expect(try value.value(at: "/s")?.matches("12.5") == false)
        #expect(try value.value(at: "/s")?.matches("/^12\\./") == true)
        #expect(try value.matches("an object") == false)
    }
}
