import NIOCore
public import NIOPosix
public import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The IP version a check's connections use (the `ip_family` key of the network checks).
public enum IPFamily: String, Sendable, Hashable, CaseIterable {
    /// Whatever the name resolves to; both families are tried (Happy Eyeballs).
    case any
    /// IPv4 only.
    case ip4
    /// IPv6 only.
    case ip6

    /// The `getaddrinfo` family.
    var addressFamily: Int32 {
        switch self {
        case .any: AF_UNSPEC
        case .ip4: AF_INET
        case .ip6: AF_INET6
        }
    }

    /// `IPv4`, `IPv6`, `IP`, for messages.
    var label: String {
        switch self {
        case .any: "IP"
        case .ip4: "IPv4"
        case .ip6: "IPv6"
        }
    }
}

/// Runs another check against the addresses of a host name it connects to: only those of one IP
/// family, and, with `allAddresses`, against each address in turn (the `ip_family` and
/// `all_addresses` keys of the network checks).
///
/// With `allAddresses`, the name is resolved first and the wrapped check runs once per address, all
/// at once; the worst run is the result, and its message names the address:
/// `::1: connection refused (1 of 2 addresses failed)`. The runs keep the host name for everything
/// but the connection itself: TLS still verifies the certificate for the name and HTTP still sends
/// it as `Host`. A name with no address of the family fails with reason `dns`.
///
/// ```swift
/// let web = AddressSelection(TCPProbe(host: "www.internal", port: 443), host: "www.internal",
///                            family: .ip6, allAddresses: true)
/// ```
///
/// The wrapped check must connect through the probes' own connections (`tcp`, `tls`, `http`,
/// `smtp`, `redis`, `memcached`, `postgres`); connections to other hosts (a redirect elsewhere)
/// keep only the family.
public struct AddressSelection: HealthCheck {
    /// The check whose connections are steered.
    public var check: any HealthCheck
    /// The host name the check connects to.
    public var host: String
    /// The IP family its connections use.
    public var family: IPFamily
    /// Whether the check runs once against each address of `host`.
    public var allAddresses: Bool
    /// The threads that `getaddrinfo` blocks.
    public var threadPool: NIOThreadPool
    /// Resolves a name; `getaddrinfo` except in tests.
    let resolve: AddressResolver.Lookup

    /// - Parameters:
    ///   - check: The check whose connections are steered.
    ///   - host: The host name (or address) it connects to.
    ///   - family: The IP family its connections use.
    ///   - allAddresses: Run the check once against each address of `host`; all must pass.
    ///   - threadPool: The threads that `getaddrinfo` blocks, one per lookup in progress.
    public init(
        _ check: any HealthCheck,
        host: String,
        family: IPFamily = .any,
        allAddresses: Bool = false,
        threadPool: NIOThreadPool = .singleton
    ) {
        self.init(
            check,
            host: host,
            family: family,
            allAddresses: allAddresses,
            threadPool: threadPool,
            resolve: { AddressResolver.lookUp($0, family: $1) }
        )
    }

    init(
        _ check: any HealthCheck,
        host: String,
        family: IPFamily,
        allAddresses: Bool,
        threadPool: NIOThreadPool,
        resolve: @escaping AddressResolver.Lookup
    ) {
        self.check = check
        self.host = host
        self.family = family
        self.allAddresses = allAddresses
        self.threadPool = threadPool
        self.resolve = resolve
    }

    public func run() async throws -> CheckOutcome {
        let route = ConnectionRoute(family: family, host: host, address: nil, threadPool: threadPool, resolve: resolve)
        guard allAddresses else {
            return try await ConnectionRoute.$current.withValue(route) { try await check.run() }
        }
        let addresses = try await route.addresses(of: host, port: 0).map { $0.ipAddress ?? "\($0)" }
        let outcomes = await withTaskGroup(of: (Int, CheckOutcome).self) { group in
            for (index, address) in addresses.enumerated() {
                var pinned = route
                pinned.address = address
                group.addTask {
                    let outcome: CheckOutcome
                    do {
                        outcome = try await ConnectionRoute.$current.withValue(pinned) { try await check.run() }
                    } catch let failure as CheckFailure {
                        outcome = .fail(failure.detail, reason: failure.reason, observations: failure.observations)
                    } catch {
                        outcome = .fail("\(error)", reason: .error)
                    }
                    return (index, outcome)
                }
            }
            var outcomes: [(Int, CheckOutcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
        try Task.checkCancellation()
        return Self.combine(outcomes, addresses: addresses)
    }

    /// The worst outcome, its message led by its address; a pass names every address.
    static func combine(_ outcomes: [CheckOutcome], addresses: [String]) -> CheckOutcome {
        let worst = outcomes.indices.max { outcomes[$0].status.severity < outcomes[$1].status.severity } ?? 0
        let outcome = outcomes[worst]
        let address = addresses[worst]
        guard outcome.status != .pass else {
            let count = addresses.count == 1 ? "1 address" : "all \(addresses.count) addresses"
            return CheckOutcome(
                status: .pass,
                message: "\(count) passed (\(addresses.joined(separator: ", "))); \(address): \(outcome.message)",
                observations: outcome.observations
            )
        }
        let notPassing = outcomes.filter { $0.status == outcome.status }.count
        let word = outcome.status == .fail ? "failed" : "warned"
        return CheckOutcome(
            status: outcome.status,
            message: "\(address): \(outcome.message) (\(notPassing) of \(addresses.count) addresses \(word))",
            reason: outcome.reason,
            observations: outcome.observations
        )
    }
}

/// Where the probes' connections go during one run of an ``AddressSelection``: the family to
/// resolve names in, and the one address to use for its host.
struct ConnectionRoute: Sendable {
    /// The route of the run in progress; nil outside an ``AddressSelection``.
    @TaskLocal static var current: ConnectionRoute?

    var family: IPFamily
    /// The host name whose connections go to `address`.
    var host: String
    /// The one IP address to connect to for `host`; nil to resolve it.
    var address: String?
    var threadPool: NIOThreadPool
    var resolve: AddressResolver.Lookup

    /// Where to connect for `host`, or nil to leave resolution to NIO (Happy Eyeballs).
    /// - Parameter literal: `host` and `port` as an address, parsed once by the caller, if `host` is one.
    static func target(host: String, port: Int, literal: SocketAddress? = nil) async throws -> SocketAddress? {
        guard let route = current, route.family != .any || (host == route.host && route.address != nil) else {
            return literal ?? (try? SocketAddress(ipAddress: host, port: port))
        }
        return try await candidates(for: host, port: port, threadPool: route.threadPool)[0]
    }

    /// Where a probe that resolves names itself connects for `host`, best first: the run's pinned
    /// address, or the resolver's answer in the run's family (both families outside a selection).
    static func candidates(for host: String, port: Int, threadPool: NIOThreadPool) async throws -> [SocketAddress] {
        let route =
            current
            ?? ConnectionRoute(
                family: .any,
                host: host,
                address: nil,
                threadPool: threadPool,
                resolve: { AddressResolver.lookUp($0, family: $1) }
            )
        if host == route.host, let address = route.address {
            return [try SocketAddress(ipAddress: address, port: port)]
        }
        return try await route.addresses(of: host, port: port)
    }

    /// The addresses of `host` in the route's family; at least one.
    func addresses(of host: String, port: Int) async throws -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            guard family == .any || literal.protocol.rawValue == family.addressFamily else {
                throw CheckFailure(.dns, "\(host) is not an \(family.label) address")
            }
            return [literal]
        }
        let (resolve, family) = (resolve, family)
        let addresses = try await AddressResolver.offThread(threadPool) { resolve(host, family.addressFamily) }
        guard !addresses.isEmpty else {
            throw CheckFailure(.dns, "\(host) has no \(family.label) address")
        }
        return try addresses.map { try SocketAddress(ipAddress: $0.ipAddress ?? "", port: port) }
    }
}

/// The system resolver (`getaddrinfo`), which blocks its thread.
enum AddressResolver {
    typealias Lookup = @Sendable (_ host: String, _ family: Int32) -> Result<[SocketAddress], CheckFailure>

    /// The distinct addresses of `host` in `family` (`AF_UNSPEC` for both), in the resolver's
    /// order. Blocks.
    /// - Parameter label: how a failure names the host; `host` itself by default.
    static func lookUp(_ host: String, family: Int32, label: String? = nil) -> Result<[SocketAddress], CheckFailure> {
        var hints = addrinfo()
        hints.ai_family = family
        // One socket type, or each address comes back once per type.
        hints.ai_socktype = streamSocketType
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &list)
        guard code == 0 else {
            let cause = code == EAI_SYSTEM ? ProbeSupport.errnoDescription(errno) : String(cString: gai_strerror(code))
            return .failure(CheckFailure(.dns, "cannot resolve \(label ?? host): \(cause)"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let raw = info.ai_addr, family == AF_UNSPEC || info.ai_family == family else { continue }
            let address: SocketAddress
            switch info.ai_family {
            case AF_INET:
                address = SocketAddress(UnsafeRawPointer(raw).load(as: sockaddr_in.self), host: host)
            case AF_INET6:
                address = SocketAddress(UnsafeRawPointer(raw).load(as: sockaddr_in6.self), host: host)
            default:
                continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return .success(addresses)
    }

    /// Runs `work` on a thread of `pool` and waits for it, or only until the task is cancelled: the
    /// work then goes on, holding its thread, and its answer is dropped.
    static func offThread<Value: Sendable>(
        _ pool: NIOThreadPool,
        _ work: @escaping @Sendable () -> Result<Value, CheckFailure>
    ) async throws -> Value {
        let answer = PendingAnswer<Value>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Already cancelled: the continuation has been resumed, so do not start the work.
                guard answer.wait(with: continuation) else { return }
                pool.submit { state in
                    guard state == .active else {
                        answer.deliver(.failure(CheckFailure(.error, "the resolver's thread pool is not running")))
                        return
                    }
                    answer.deliver(work().mapError { $0 })
                }
            }
        } onCancel: {
            answer.deliver(.failure(CancellationError()))
        }
    }

    #if canImport(Glibc)
    private static let streamSocketType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamSocketType = SOCK_STREAM
    #endif
}
