import NIOCore
public import NIOPosix
import Synchronization
public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a name, with the system resolver or by asking a DNS server, and checks the answer.
///
/// **The system resolver** (`getaddrinfo`) answers A and AAAA queries when no `server` is given and
/// no wire-level option is set (`expectRcode`, `transport: .tcp`, `recursionDesired: false`); it
/// follows `/etc/nsswitch.conf`, `/etc/hosts` and `/etc/resolv.conf` as the other programs on the
/// host do. A name that does not resolve, or has no address of the record type, fails with reason
/// `dns` and the resolver's message. Observation: `addresses`, the number of distinct addresses.
///
/// **A DNS server** is asked otherwise: `server`, or the first `nameserver` of `/etc/resolv.conf`.
/// The query goes over UDP and again over TCP when the answer is truncated (or over TCP only); the
/// response code must be `expectRcode` (NOERROR by default) and, for NOERROR, the answer must hold
/// at least one record of the type. Observations: `answers` (records of the type) and, for A and
/// AAAA, `addresses`.
///
/// Either way, every entry of `expect` must match a record: an address in its canonical form, any
/// other value as ``DNSRecordData/text`` writes it (`10 mail.example.com` for MX; names in any
/// case; TXT as its text), or, written between slashes (`/^v=spf1 /`), a regular expression that
/// must match somewhere in one record's value.
///
/// ```swift
/// let api = DNSProbe(query: "api.internal", recordType: .a, expect: ["10.0.0.7"])
/// let mail = DNSProbe(query: "example.com", recordType: .mx, expect: ["/ mx1\\.example\\.com$/"],
///                     server: DNSProbe.Server("127.0.0.53"))
/// ```
///
/// `getaddrinfo` cannot be interrupted, so it runs on a thread of `threadPool`. A cancelled
/// run (its timeout) returns at once; the lookup goes on until the resolver gives up (see
/// `options timeout:` in `resolv.conf`), holding that thread, and its answer is dropped. A query to
/// a server needs no thread: a cancelled run closes its socket.
public struct DNSProbe: HealthCheck {
    /// The kind of record looked up.
    public enum RecordType: String, Sendable, Hashable, CaseIterable {
        /// IPv4 addresses.
        case a = "A"
        /// IPv6 addresses.
        case aaaa = "AAAA"
        /// An alias's canonical name.
        case cname = "CNAME"
        /// Mail exchangers.
        case mx = "MX"
        /// Text.
        case txt = "TXT"
        /// Name servers.
        case ns = "NS"
        /// Services.
        case srv = "SRV"
        /// The zone's start of authority.
        case soa = "SOA"
        /// An address's name.
        case ptr = "PTR"
        /// Certification authority authorization.
        case caa = "CAA"

        /// The type's number in DNS messages.
        public var code: UInt16 {
            switch self {
            case .a: 1
            case .ns: 2
            case .cname: 5
            case .soa: 6
            case .ptr: 12
            case .mx: 15
            case .txt: 16
            case .aaaa: 28
            case .srv: 33
            case .caa: 257
            }
        }

        /// The type whose number is `code`, or nil for one not listed here.
        public init?(code: UInt16) {
            guard let type = Self.allCases.first(where: { $0.code == code }) else { return nil }
            self = type
        }

        /// `A` for 4 bytes, `AAAA` for 16.
        init?(addressLength: Int) {
            switch addressLength {
            case 4: self = .a
            case 16: self = .aaaa
            default: return nil
            }
        }

        /// A and AAAA: the types `getaddrinfo` can answer.
        public var isAddress: Bool { self == .a || self == .aaaa }

        /// The canonical text of an address of this type, such as `::1` for `0:0:0:0:0:0:0:1`;
        /// `nil` when `text` is not one, or this is not an address type.
        public func normalizedAddress(_ text: String) -> String? {
            bytes(of: text).map(self.text(of:))
        }

        /// The address family of A (and of every non-address type) or AAAA.
        var family: Int32 { self == .aaaa ? AF_INET6 : AF_INET }

        /// The address in network byte order, or `nil` when `text` is not an address of this type.
        func bytes(of text: String) -> [UInt8]? {
            guard isAddress else { return nil }
            var bytes = [UInt8](repeating: 0, count: self == .a ? 4 : 16)
            guard inet_pton(family, text, &bytes) == 1 else { return nil }
            return bytes
        }

        /// The canonical text of an address in network byte order.
        func text(of bytes: [UInt8]) -> String {
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return "?" }
            return String(decoding: text.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
        }
    }

    /// A response code a server may answer with.
    public enum ResponseCode: String, Sendable, Hashable, CaseIterable {
        /// The query succeeded (possibly without records).
        case noError = "NOERROR"
        /// The server could not understand the query.
        case formErr = "FORMERR"
        /// The server failed, e.g. an upstream did not answer.
        case servFail = "SERVFAIL"
        /// The name does not exist.
        case nxDomain = "NXDOMAIN"
        /// The server does not implement the query.
        case notImp = "NOTIMP"
        /// The server refuses to answer.
        case refused = "REFUSED"

        /// The code's number in DNS messages.
        public var code: UInt16 {
            switch self {
            case .noError: 0
            case .formErr: 1
            case .servFail: 2
            case .nxDomain: 3
            case .notImp: 4
            case .refused: 5
            }
        }

        /// `NXDOMAIN` for 3; `RCODE9` for a code without a name here.
        static func name(of code: UInt16) -> String {
            allCases.first { $0.code == code }?.rawValue ?? "RCODE\(code)"
        }
    }

    /// How a query travels.
    public enum Transport: String, Sendable, Hashable, CaseIterable {
        /// UDP, and TCP again when the answer is truncated.
        case udp
        /// TCP only.
        case tcp
    }

    /// A DNS server: an IP address and a port.
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        /// The IP address, without brackets.
        public var host: String
        /// The port, 53 unless given.
        public var port: Int

        /// Reads `192.0.2.1`, `192.0.2.1:5353`, `2001:db8::1` or `[2001:db8::1]:5353`; nil for
        /// anything else (a server is an address, as in `resolv.conf`, not a name to resolve first).
        public init?(_ text: String) {
            var host = text
            var port = 53
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = String(text[text.index(after: text.startIndex)..<close])
                let rest = text[text.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                    port = number
                }
            } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
                host = String(text[..<colon])
                guard let number = Int(text[text.index(after: colon)...]) else { return nil }
                port = number
            }
            guard (1...65535).contains(port),
                RecordType.a.bytes(of: host) != nil || RecordType.aaaa.bytes(of: host) != nil
            else { return nil }
            self.host = host
            self.port = port
        }

        /// `192.0.2.1:53`, `[2001:db8::1]:53`.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// A lookup: the addresses of a name as text, or why there are none.
    typealias Resolver = @Sendable (_ query: String, _ recordType: RecordType) -> Result<[String], CheckFailure>

    /// The most addresses named in the message.
    static let shownAddresses = 5

    /// The name to resolve.
    public var query: String
    /// The kind of record to look up.
    public var recordType: RecordType
    /// Values that must each match a record; empty not to check.
    public var expect: [String]
    /// The server to ask; nil for the system resolver (A, AAAA) or `resolv.conf`'s first name server.
    public var server: Server?
    /// How queries to a server travel.
    public var transport: Transport
    /// The response code a server must answer with; nil for NOERROR with at least one record.
    public var expectRcode: ResponseCode?
    /// Whether a query to a server asks it to recurse (RD).
    public var recursionDesired: Bool
    /// The threads that lookups block.
    public var threadPool: NIOThreadPool
    /// Does the lookup; `getaddrinfo` except in tests.
    let resolver: Resolver
    /// The name servers of `resolv.conf`, read for each run; a file in tests.
    let resolvConf: String

    /// Creates a DNS probe.
    /// - Parameters:
    ///   - query: The name to resolve.
    ///   - recordType: The record type to look up.
    ///   - expect: Values that must each match a record: addresses in canonical form (so
    ///     `0:0:0:0:0:0:0:1` matches `::1`), other values as ``DNSRecordData/text`` writes them
    ///     (names in any case), or `/regex/` to match part of one record's value.
    ///   - server: The server to ask. Nil: the system resolver for A and AAAA when the other
    ///     options keep their defaults, else the first `nameserver` of `/etc/resolv.conf`.
    ///   - transport: UDP (TCP after a truncated answer) or TCP only, for queries to a server.
    ///   - expectRcode: The response code to require; nil requires NOERROR and a record.
    ///   - recursionDesired: Whether to ask a server to recurse.
    ///   - threadPool: The threads that lookups block; one is busy for each lookup in progress.
    public init(
        query: String,
        recordType: RecordType,
        expect: [String] = [],
        server: Server? = nil,
        transport: Transport = .udp,
        expectRcode: ResponseCode? = nil,
        recursionDesired: Bool = true,
        threadPool: NIOThreadPool = .singleton
    ) {
        self.init(
            query: query,
            recordType: recordType,
            expect: expect,
            server: server,
            transport: transport,
            expectRcode: expectRcode,
            recursionDesired: recursionDesired,
            threadPool: threadPool,
            resolver: Self.lookUp,
            resolvConf: "/etc/resolv.conf"
        )
    }

    init(
        query: String,
        recordType: RecordType,
        expect: [String] = [],
        server: Server? = nil,
        transport: Transport = .udp,
        expectRcode: ResponseCode? = nil,
        recursionDesired: Bool = true,
        threadPool: NIOThreadPool,
        resolver: @escaping Resolver,
        resolvConf: String = "/etc/resolv.conf"
    ) {
        self.query = query
        self.recordType = recordType
        self.expect = expect
        self.server = server
        self.transport = transport
        self.expectRcode = expectRcode
        self.recursionDesired = recursionDesired
        self.threadPool = threadPool
        self.resolver = resolver
        self.resolvConf = resolvConf
    }

    /// Whether the run asks `getaddrinfo` rather than a server.
    var usesSystemResolver: Bool {
        server == nil && recordType.isAddress && transport == .udp && expectRcode == nil && recursionDesired
    }

    public func run() async throws -> CheckOutcome {
        usesSystemResolver ? try await runWithSystemResolver() : try await runAgainstServer()
    }

    private func runWithSystemResolver() async throws -> CheckOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let answers = try await resolveOffThread()
        let elapsed = start.duration(to: clock.now)
        let recordType = recordType
        let addresses = Set(answers.compactMap { recordType.bytes(of: $0) })
            .sorted { $0.lexicographicallyPrecedes($1) }
            .map { recordType.text(of: $0) }
        guard !addresses.isEmpty else {
            throw CheckFailure(.dns, "no \(recordType.rawValue) record for \(query)")
        }
        let observations = [Observation("addresses", Double(addresses.count))]
        let message = "resolved to \(Self.shown(addresses)) in \(ProbeSupport.duration(elapsed))"
        let missing = try unmatchedExpectations(addresses.map { .address(recordType.bytes(of: $0) ?? []) })
        guard missing.isEmpty else {
            return .fail(
                "\(message), missing \(missing.joined(separator: ", "))",
                reason: .dns,
                observations: observations
            )
        }
        return .pass(message, observations: observations)
    }

    private func runAgainstServer() async throws -> CheckOutcome {
        let server = try server ?? firstNameServer()
        let clock = ContinuousClock()
        let start = clock.now
        let response: DNSExchange.Response
        do {
            response = try await DNSExchange.ask(
                name: query,
                type: recordType.code,
                recursionDesired: recursionDesired,
                server: server,
                transport: transport
            )
        } catch let failure as CheckFailure where failure.reason == .refused {
            // Which server refused: `server` may have come from resolv.conf.
            throw CheckFailure(.refused, "\(server): \(failure.detail)")
        }
        let elapsed = ProbeSupport.duration(start.duration(to: clock.now))
        let message = response.message
        let via = response.overTCP && transport == .udp ? " (truncated over UDP, asked again over TCP)" : ""
        let rcode = ResponseCode.name(of: message.rcode)
        let wanted = expectRcode ?? .noError
        guard message.rcode == wanted.code else {
            throw CheckFailure(
                .dns,
                "\(server) answered \(rcode) for \(query) \(recordType.rawValue), expected \(wanted.rawValue)"
            )
        }
        let records = message.answers.filter { $0.type == recordType.code && $0.recordClass == 1 }
        var observations = [Observation("answers", Double(records.count))]
        if recordType.isAddress { observations.append(Observation("addresses", Double(records.count))) }
        if records.isEmpty {
            guard expectRcode != nil else {
                throw CheckFailure(.dns, "\(server) has no \(recordType.rawValue) record for \(query) (\(rcode))")
            }
        }
        let shownAnswers =
            records.isEmpty ? rcode : Self.shown(records.map { "\(recordType.rawValue) \($0.data.text)" })
        let text = "\(server) answered \(shownAnswers) in \(elapsed)\(via)"
        let missing = try unmatchedExpectations(records.map(\.data))
        guard missing.isEmpty else {
            return .fail(
                "\(text), missing \(missing.joined(separator: ", "))",
                reason: .dns,
                observations: observations
            )
        }
        return .pass(text, observations: observations)
    }

    /// The entries of `expect` that match no record.
    private func unmatchedExpectations(_ records: [DNSRecordData]) throws -> [String] {
        try expect.filter { expected in
            if let source = ExpectedValue.regexSource(expected) {
                let regex = try Regex(source)
                return !records.contains { $0.matchText.contains(regex) || $0.text.contains(regex) }
            }
            if recordType.isAddress {
                guard let bytes = recordType.bytes(of: expected) else { return true }
                return !records.contains(.address(bytes))
            }
            return !records.contains { $0.matches(expected) }
        }
    }

    /// At most ``shownAddresses`` items, then `and N more`.
    private static func shown(_ items: [String]) -> String {
        var shown = items.prefix(Self.shownAddresses).joined(separator: ", ")
        if items.count > Self.shownAddresses {
            shown += " and \(items.count - Self.shownAddresses) more"
        }
        return shown
    }

    /// The first name server of `resolv.conf`.
    private func firstNameServer() throws(CheckFailure) -> Server {
        guard let server = Self.nameServer(inResolvConf: try ProbeSupport.readSmallFile(resolvConf)) else {
            throw CheckFailure(.error, "\(resolvConf) names no name server; set server")
        }
        return server
    }

    /// The first `nameserver` line's address that a socket can use: a link-local IPv6 server with
    /// its interface (`fe80::1%eth0`) is passed over.
    static func nameServer(inResolvConf text: String) -> Server? {
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "nameserver" else { continue }
            // An address only: `Server` would read `10.0.0.1:53` too, which resolv.conf does not allow.
            if !words[1].contains("["), let server = Server(String(words[1])),
                server.host == String(words[1])
            {
                return server
            }
        }
        return nil
    }

    /// Runs the resolver on the thread pool and waits for it, or only until the task is cancelled.
    private func resolveOffThread() async throws -> [String] {
        let (query, recordType, resolver) = (query, recordType, resolver)
        return try await AddressResolver.offThread(threadPool) { resolver(query, recordType) }
    }

    /// Looks up `query` with `getaddrinfo`. Blocks.
    static func lookUp(_ query: String, _ recordType: RecordType) -> Result<[String], CheckFailure> {
        AddressResolver.lookUp(query, family: recordType.family, label: "\(query) (\(recordType.rawValue))")
            .map { $0.compactMap(\.ipAddress) }
    }
}
