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

/// Resolves a name with the system resolver and, optionally, checks the addresses it answers.
///
/// The lookup is `getaddrinfo`, so it follows `/etc/nsswitch.conf`, `/etc/hosts` and
/// `/etc/resolv.conf` as the other programs on the host do. A name that does not resolve,
/// or has no address of the record type, fails with reason `dns` and the resolver's message;
/// so does an answer that lacks an address of `expect`. Observation: `addresses`, the number
/// of distinct addresses.
///
/// ```swift
/// let api = DNSProbe(query: "api.internal", recordType: .a, expect: ["10.0.0.7"])
/// ```
///
/// `getaddrinfo` cannot be interrupted, so it runs on a thread of `threadPool`. A cancelled
/// run (its timeout) returns at once; the lookup goes on until the resolver gives up (see
/// `options timeout:` in `resolv.conf`), holding that thread, and its answer is dropped.
public struct DNSProbe: HealthCheck {
    /// The kind of address looked up.
    public enum RecordType: String, Sendable, Hashable, CaseIterable {
        /// IPv4 addresses.
        case a = "A"
        /// IPv6 addresses.
        case aaaa = "AAAA"

        /// The canonical text of an address of this type, such as `::1` for `0:0:0:0:0:0:0:1`;
        /// `nil` when `text` is not one.
        public func normalizedAddress(_ text: String) -> String? {
            bytes(of: text).map(self.text(of:))
        }

        var family: Int32 {
            switch self {
            case .a: AF_INET
            case .aaaa: AF_INET6
            }
        }

        /// The address in network byte order, or `nil` when `text` is not an address of this type.
        func bytes(of text: String) -> [UInt8]? {
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

    /// A lookup: the addresses of a name as text, or why there are none.
    typealias Resolver = @Sendable (_ query: String, _ recordType: RecordType) -> Result<[String], CheckFailure>

    /// The most addresses named in the message.
    static let shownAddresses = 5

    /// The name to resolve.
    public var query: String
    /// The kind of address to look up.
    public var recordType: RecordType
    /// Addresses that must all be among the answers; empty not to check.
    public var expect: [String]
    /// The threads that lookups block.
    public var threadPool: NIOThreadPool
    /// Does the lookup; `getaddrinfo` except in tests.
    let resolver: Resolver

    /// Creates a DNS probe.
    /// - Parameters:
    ///   - query: The name to resolve.
    ///   - recordType: Whether to look up IPv4 (`A`) or IPv6 (`AAAA`) addresses.
    ///   - expect: Addresses, of `recordType`, that must all be among the answers; compared in
    ///     their canonical form, so `0:0:0:0:0:0:0:1` matches `::1`. Check them with
    ///     ``RecordType/normalizedAddress(_:)``: one that is not an address never matches.
    ///   - threadPool: The threads that lookups block; one is busy for each lookup in progress.
    public init(query: String, recordType: RecordType, expect: [String] = [], threadPool: NIOThreadPool = .singleton) {
        self.init(query: query, recordType: recordType, expect: expect, threadPool: threadPool, resolver: Self.lookUp)
    }

    init(
        query: String,
        recordType: RecordType,
        expect: [String],
        threadPool: NIOThreadPool,
        resolver: @escaping Resolver
    ) {
        self.query = query
        self.recordType = recordType
        self.expect = expect
        self.threadPool = threadPool
        self.resolver = resolver
    }

    public func run() async throws -> CheckOutcome {
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
        var shown = addresses.prefix(Self.shownAddresses).joined(separator: ", ")
        if addresses.count > Self.shownAddresses {
            shown += " and \(addresses.count - Self.shownAddresses) more"
        }
        let message = "resolved to \(shown) in \(ProbeSupport.duration(elapsed))"
        let missing = expect.filter { expected in
            recordType.normalizedAddress(expected).map { !addresses.contains($0) } ?? true
        }
        guard missing.isEmpty else {
            return .fail(
                "\(message), missing \(missing.joined(separator: ", "))",
                reason: .dns,
                observations: observations
            )
        }
        return .pass(message, observations: observations)
    }

    /// Runs the resolver on the thread pool and waits for it, or only until the task is cancelled.
    private func resolveOffThread() async throws -> [String] {
        let answer = PendingAnswer<[String]>()
        let (query, recordType, resolver) = (query, recordType, resolver)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Already cancelled: the continuation has been resumed, so do not start a lookup.
                guard answer.wait(with: continuation) else { return }
                threadPool.submit { state in
                    guard state == .active else {
                        answer.deliver(.failure(CheckFailure(.error, "the resolver's thread pool is not running")))
                        return
                    }
                    answer.deliver(resolver(query, recordType).mapError { $0 })
                }
            }
        } onCancel: {
            answer.deliver(.failure(CancellationError()))
        }
    }

    /// Looks up `query` with `getaddrinfo`. Blocks.
    static func lookUp(_ query: String, _ recordType: RecordType) -> Result<[String], CheckFailure> {
        var hints = addrinfo()
        hints.ai_family = recordType.family
        // One socket type, or each address comes back once per type.
        hints.ai_socktype = streamSocketType
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(query, nil, &hints, &list)
        guard code == 0 else {
            let cause = code == EAI_SYSTEM ? ProbeSupport.errnoDescription(errno) : String(cString: gai_strerror(code))
            return .failure(CheckFailure(.dns, "cannot resolve \(query) (\(recordType.rawValue)): \(cause)"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let info = entry?.pointee {
            if info.ai_family == recordType.family, let address = info.ai_addr {
                addresses.append(recordType.text(of: Self.bytes(of: address, family: info.ai_family)))
            }
            entry = info.ai_next
        }
        return .success(addresses)
    }

    /// The address of a `sockaddr_in` or `sockaddr_in6`, in network byte order.
    private static func bytes(of address: UnsafeMutablePointer<sockaddr>, family: Int32) -> [UInt8] {
        let raw = UnsafeRawPointer(address)
        if family == AF_INET {
            let ipv4 = raw.load(as: sockaddr_in.self).sin_addr
            return withUnsafeBytes(of: ipv4) { Array($0) }
        }
        let ipv6 = raw.load(as: sockaddr_in6.self).sin6_addr
        return withUnsafeBytes(of: ipv6) { Array($0) }
    }

    #if canImport(Glibc)
    private static let streamSocketType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamSocketType = SOCK_STREAM
    #endif
}
