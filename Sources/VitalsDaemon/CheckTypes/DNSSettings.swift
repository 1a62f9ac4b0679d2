import Vitals
import VitalsProbes
import Yams

/// `dns`: resolves a name with the system resolver or asks a DNS server, and checks the answer.
struct DNSSettings: NetworkCheckSettings {
    static let typeName = "dns"
    static let summary =
        "Resolves a name with the system resolver or asks a DNS server; checks the response code and the records."

    var query = ""
    var recordType = DNSProbe.RecordType.a
    var server: DNSProbe.Server?
    var transport = DNSProbe.Transport.udp
    /// Values, or `/regex/`s already checked to compile, that must each match a record.
    var expect: [String] = []
    var expectRcode: DNSProbe.ResponseCode?
    var recursionDesired = true

    var warnAfter: Duration?

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "query",
                \.query,
                ValueReader.string.checked("domain name: no spaces, `/` or `:`, labels of 1–63 bytes") { query in
                    if query.contains(where: { $0.isWhitespace || $0 == "/" || $0 == ":" }) {
                        return "must be a domain name like example.com"
                    }
                    let labels = (query.hasSuffix(".") ? String(query.dropLast()) : query).split(
                        separator: ".",
                        omittingEmptySubsequences: false
                    )
                    guard query != ".", labels.allSatisfy({ (1...63).contains($0.utf8.count) }),
                        query.utf8.count <= 253
                    else { return "must be a domain name of labels of 1 to 63 bytes, at most 253 bytes" }
                    return nil
                },
                required: true,
                "The name to resolve."
            ),
            .key("record_type", \.recordType, .oneOf(ignoringCase: true), "The record type."),
            .key(
                "server",
                \.server,
                .dnsServer,
                "The DNS server to ask; without it A and AAAA use the system resolver, other types `resolv.conf`'s first `nameserver`."
            ),
            .key("transport", \.transport, .oneOf(), "Queries to a server: UDP (TCP again when truncated) or TCP."),
            .key(
                "expect",
                \.expect,
                .stringList,
                "Values that must each match a record: `10 mail.example.com` for MX, or `/regex/`."
            ),
            .key(
                "expect_rcode",
                \.expectRcode,
                .oneOf(ignoringCase: true),
                "The response code to require instead of NOERROR with a record."
            ),
            .key("recursion_desired", \.recursionDesired, .bool, "Whether to ask the server to recurse (RD)."),
            warnAfterKey,
        ]
    }

    func validate(_ rules: inout KeyRules) {
        guard rules.isValid("record_type"), rules.isValid("expect") else { return }
        for (index, (value, node)) in zip(expect, rules.items(of: "expect")).enumerated() {
            if let source = ExpectedValue.regexSource(value) {
                do {
                    _ = try Regex(source)
                } catch {
                    rules.report(at: node, "expect[\(index)]", "must be a valid regular expression: \(error)")
                }
            } else if recordType.isAddress {
                let family: IPAddressFamily = recordType == .a ? .v4 : .v6
                if !family.accepts(value) {
                    rules.report(at: node, "expect[\(index)]", "must be an \(family.name) address or /regex/")
                }
            }
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        DNSProbe(
            query: query,
            recordType: recordType,
            expect: expect,
            server: server,
            transport: transport,
            expectRcode: expectRcode,
            recursionDesired: recursionDesired,
            threadPool: context.resolverThreadPool
        )
    }
}

extension ValueReader where Value == DNSProbe.Server {
    /// A DNS server's IP address, with an optional port.
    fileprivate static var dnsServer: ValueReader {
        ValueReader(
            kind: "IP address, optionally `:PORT` (53); IPv6 in brackets with a port: `[::1]:5353`",
            read: { validator, node, keyPath in
                guard let text = validator.nonEmptyString(node, at: keyPath) else { return nil }
                guard let server = DNSProbe.Server(text) else {
                    validator.report(
                        "\(keyPath): must be an IP address with an optional port, like 192.0.2.53, 127.0.0.1:5353 or [::1]:5353",
                        at: node.mark
                    )
                    return nil
                }
                return server
            },
            show: { .string($0.description) }
        )
    }
}
