import Vitals
import VitalsProbes

/// `dns`: resolves a name and, optionally, compares the addresses.
struct DNSSettings: CheckSettings {
    static let typeName = "dns"
    static let summary = "Resolves a name with the system resolver; optionally requires given addresses."

    var query = ""
    var recordType = DNSProbe.RecordType.a
    /// Addresses of the record type's family; empty: any answer passes.
    var expect: [String] = []

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "query",
                \.query,
                ValueReader.string.checked("domain name: no spaces, `/` or `:`") { query in
                    query.contains { $0.isWhitespace || $0 == "/" || $0 == ":" }
                        ? "must be a domain name like example.com" : nil
                },
                required: true,
                "The name to resolve."
            ),
            .key("record_type", \.recordType, .oneOf(ignoringCase: true), "The record type."),
            .key("expect", \.expect, .stringList, "Addresses that must all be in the answer."),
        ]
    }

    func validate(_ rules: inout KeyRules) {
        guard rules.isValid("record_type"), rules.isValid("expect") else { return }
        let family: IPAddressFamily = recordType == .a ? .v4 : .v6
        for (index, (address, node)) in zip(expect, rules.items(of: "expect")).enumerated()
        where !family.accepts(address) {
            rules.report(at: node, "expect[\(index)]", "must be an \(family.name) address")
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        DNSProbe(query: query, recordType: recordType, expect: expect, threadPool: context.resolverThreadPool)
    }
}
