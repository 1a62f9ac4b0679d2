import Foundation
import Testing
import Vitals

@testable import VitalsDaemon

/// The registry of check types: what the file accepts, what `/environment` shows and what the
/// documentation lists all derive from it.
@Suite struct CheckTypesTests {
    @Test func typeNamesAreUniqueAndLowercase() {
        let names = CheckTypes.names
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { !$0.isEmpty && $0 == $0.lowercased() })
        for name in names {
            #expect(CheckTypes.named(name)?.typeName == name)
        }
        #expect(CheckTypes.named("ftp") == nil)
    }

    @Test(arguments: CheckTypes.names)
    func keysAreUniqueAndApartFromTheCommonOnes(_ name: String) throws {
        let type = try #require(CheckTypes.named(name))
        let keys = type.keyNames
        #expect(!keys.isEmpty)
        #expect(Set(keys).count == keys.count)
        #expect(Set(keys).isDisjoint(with: ConfigValidator.commonCheckKeys))
    }

    @Test(arguments: CheckTypes.names)
    func everyKeyOfATypeIsAcceptedAndEveryOtherRejected(_ name: String) throws {
        let type = try #require(CheckTypes.named(name))
        let yaml = "checks:\n  - {name: a, type: \(name), not_a_key: 1}\n"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: yaml, path: "t.yml") }
        let messages = error?.diagnostics.map(\.message) ?? []
        #expect(messages.contains("checks[0] (a): unknown key \"not_a_key\""))
        // No message calls one of the type's own keys unknown.
        for key in type.keyNames {
            #expect(!messages.contains { $0.contains("unknown key \"\(key)\"") })
        }
    }

    @Test func environmentDumpShowsEveryKeyOfTheCheckType() throws {
        let yaml = """
            checks:
              - {name: site, type: tls, address: "example.com:443"}
            """
        let configuration = try ConfigLoader.parse(yaml: yaml, path: "t.yml")
        guard case .object(let sections) = configuration.environmentValue,
            case .array(let checks)? = sections.first(where: { $0.key == "checks" })?.value,
            case .object(let members)? = checks.first
        else {
            Issue.record("the dump has no checks")
            return
        }
        #expect(members.map(\.key) == ConfigValidator.commonCheckKeys + TLSSettings.keyNames)
        #expect(members.first { $0.key == "server_name" }?.value == .string("example.com"))
        #expect(sections.map(\.key) == ["global", "web", "environment", "watchdog", "metrics", "checks"])
    }

    /// `docs/checks.md` shows each type's key table between `<!-- keys:TYPE -->` and `<!-- /keys -->`.
    /// `make golden` (VITALS_UPDATE_GOLDEN=1) writes them from the registry.
    @Test func documentationListsTheKeysOfEveryType() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/checks.md")
        var text = try String(contentsOf: url, encoding: .utf8)
        let update = ProcessInfo.processInfo.environment["VITALS_UPDATE_GOLDEN"] == "1"
        for (type, table) in CheckTypes.documentedKeyTables {
            let begin = "<!-- keys:\(type) -->\n"
            let end = "<!-- /keys -->"
            guard let start = text.range(of: begin),
                let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
            else {
                Issue.record("docs/checks.md has no key table for \(type) (\(begin)…\(end))")
                continue
            }
            if update {
                text.replaceSubrange(start.upperBound..<stop.lowerBound, with: table)
            } else {
                #expect(String(text[start.upperBound..<stop.lowerBound]) == table, "key table of \(type)")
            }
        }
        if update { try text.write(to: url, atomically: true, encoding: .utf8) }
    }
}
