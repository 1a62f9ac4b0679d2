import Dispatch
import Foundation
import NIOPosix
import Synchronization
import Testing
import Vitals

@testable import VitalsProbes

struct DNSProbeTests {
    @Test func resolvesLocalhostToTheLoopbackAddress() async throws {
        #expect(try Self.localhostAddresses().contains("127.0.0.1"))
        let outcome = try await bounded { try await DNSProbe(query: "localhost", recordType: .a).run() }
        #expect(outcome.status == .pass)
        // The time is "in 0.4 ms", or "in 1.9 s" on a loaded machine: the unit is not the test's business.
        #expect(
            outcome.message.wholeMatch(of: #/resolved to 127\.0\.0\.1 in [0-9.]+ m?s/#) != nil,
            "\(outcome.message)"
        )
        #expect(outcome.observations.map(\.name) == ["addresses"])
    }

    /// `/etc/hosts` decides: with `::1 localhost` the lookup passes; without it, glibc maps no
    /// IPv4 entry to IPv6 and asks DNS, which has no `localhost` (as on this project's machines).
    @Test func resolvesLocalhostOverIPv6AsEtcHostsSays() async throws {
        let result = await Result {
            try await bounded { try await DNSProbe(query: "localhost", recordType: .aaaa).run() }
        }
        if try Self.localhostAddresses().contains("::1") {
            let outcome = try result.get()
            #expect(outcome.status == .pass)
            #expect(outcome.message.contains("::1"))
        } else {
            #expect(throws: CheckFailure.self) { try result.get() }
            guard case .failure(let error as CheckFailure) = result else { return }
            #expect(error.reason == .dns)
            #expect(error.detail.hasPrefix("cannot resolve localhost (AAAA): "))
        }
    }

    @Test(
        arguments: [
            (["127.0.0.1"], CheckStatus.pass, ""),
            (["127.0.0.1", "10.1.2.3"], .fail, ", missing 10.1.2.3"),
            (["10.1.2.3", "10.4.5.6"], .fail, ", missing 10.1.2.3, 10.4.5.6"),
            (["not-an-address"], .fail, ", missing not-an-address"),
        ] as [([String], CheckStatus, String)]
    )
    func checksThatEveryExpectedAddressIsAnswered(expect: [String], status: CheckStatus, suffix: String) async throws {
        let probe = DNSProbe(query: "localhost", recordType: .a, expect: expect)
        let outcome = try await bounded { try await probe.run() }
        #expect(outcome.status == status)
        #expect(outcome.reason == (status == .fail ? .dns : nil))
        #expect(outcome.message.hasPrefix("resolved to 127.0.0.1 in "))
        #expect(outcome.message.hasSuffix(suffix.isEmpty ? "s" : suffix))
        #expect(outcome.observations.map(\.name) == ["addresses"])
    }

    @Test func comparesAddressesInTheirCanonicalForm() async throws {
        let probe = Self.stub(.aaaa, answers: ["0:0:0:0:0:0:0:1"], expect: ["::1", "0::0:1"])
        let outcome = try await bounded { try await probe.run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("resolved to ::1 in "))
    }

    @Test(
        arguments: [
            (DNSProbe.RecordType.a, "127.0.0.1", "127.0.0.1"),
            (.aaaa, "0:0:0:0:0:0:0:1", "::1"),
            (.aaaa, "2001:DB8:0:0:0:0:0:A", "2001:db8::a"),
            (.aaaa, "::ffff:127.0.0.1", "::ffff:127.0.0.1"),
            (.a, "::1", nil),
            (.aaaa, "127.0.0.1", nil),
            (.a, "localhost", nil),
            (.a, "256.0.0.1", nil),
        ] as [(DNSProbe.RecordType, String, String?)]
    )
    func normalizesAddressesOfItsRecordTypeOnly(recordType: DNSProbe.RecordType, text: String, normalized: String?) {
        #expect(recordType.normalizedAddress(text) == normalized)
    }

    @Test func sortsDistinctAddressesAndNamesAtMostFive() async throws {
        let answers = [
            "10.0.0.10", "10.0.0.9", "10.0.0.2", "10.0.0.9", "192.168.0.1", "10.0.0.100", "9.9.9.9", "10.0.0.3",
        ]
        let outcome = try await bounded { try await Self.stub(.a, answers: answers).run() }
        #expect(
            outcome.message.hasPrefix("resolved to 9.9.9.9, 10.0.0.2, 10.0.0.3, 10.0.0.9, 10.0.0.10 and 2 more in ")
        )
        #expect(outcome.observations == [Observation("addresses", 7)])
    }

    @Test func failsWithDNSWhenTheResolverFindsNothing() async throws {
        // A label longer than 63 bytes is not in /etc/hosts and cannot be put in a DNS query,
        // so glibc fails without asking the network.
        let name = String(repeating: "a", count: 64) + ".example"
        let result = await Result { try await bounded { try await DNSProbe(query: name, recordType: .a).run() } }
        #expect(throws: CheckFailure.self) { try result.get() }
        guard case .failure(let error as CheckFailure) = result else { return }
        #expect(error.reason == .dns)
        #expect(error.detail.hasPrefix("cannot resolve \(name) (A): "))
        #expect(error.detail.count > "cannot resolve \(name) (A): ".count)
    }

    @Test func reportsTheResolversFailureAsItIs() async throws {
        let failing = DNSProbe(query: "db.internal", recordType: .a, expect: [], threadPool: .singleton) { _, _ in
            .failure(CheckFailure(.dns, "cannot resolve db.internal (A): Name or service not known"))
        }
        await #expect(throws: CheckFailure(.dns, "cannot resolve db.internal (A): Name or service not known")) {
            try await bounded { try await failing.run() }
        }
    }

    @Test func returnsPromptlyWhenCancelledWhileTheLookupIsStillRunning() async throws {
        let lookup = BlockedLookup()
        defer { lookup.release() }
        let probe = DNSProbe(query: "slow.example", recordType: .a, expect: [], threadPool: .singleton) { _, _ in
            lookup.block()
        }
        let run = Task { try await probe.run() }
        try await waitUntil { lookup.hasStarted }
        run.cancel()
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
        // Prompt means before the lookup ends (it is blocked until released), not under a time limit.
        #expect(!lookup.hasFinished)
        // The late answer is dropped without resuming the finished run a second time.
        lookup.release()
        try await waitUntil { lookup.hasFinished }
    }

    @Test func doesNotStartALookupWhenAlreadyCancelled() async throws {
        let lookup = BlockedLookup()
        defer { lookup.release() }
        let probe = DNSProbe(query: "slow.example", recordType: .a, expect: [], threadPool: .singleton) { _, _ in
            lookup.block()
        }
        let run = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await probe.run()
        }
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(!lookup.hasStarted)
    }

    @Test func failsWithErrorWhenTheThreadPoolIsNotRunning() async throws {
        let stopped = NIOThreadPool(numberOfThreads: 1)
        let probe = DNSProbe(query: "localhost", recordType: .a, threadPool: stopped)
        await #expect(throws: CheckFailure(.error, "the resolver's thread pool is not running")) {
            try await bounded { try await probe.run() }
        }
    }

    /// A probe whose lookup answers `answers` at once.
    private static func stub(_ recordType: DNSProbe.RecordType, answers: [String], expect: [String] = []) -> DNSProbe {
        DNSProbe(query: "stub.example", recordType: recordType, expect: expect, threadPool: .singleton) { _, _ in
            .success(answers)
        }
    }

    /// The addresses `/etc/hosts` gives `localhost`.
    private static func localhostAddresses() throws -> [String] {
        let hosts = try String(contentsOfFile: "/etc/hosts", encoding: .utf8)
        return hosts.split(separator: "\n").compactMap { line in
            let fields = line.prefix { $0 != "#" }.split(whereSeparator: \.isWhitespace)
            guard fields.count > 1, fields.dropFirst().contains("localhost") else { return nil }
            return String(fields[0])
        }
    }
}

/// A lookup that blocks its thread until released (or 60 s have passed, so a failing test
/// never keeps a thread of the pool for good).
private final class BlockedLookup: Sendable {
    private let started = Mutex(false)
    private let finished = Mutex(false)
    private let gate = DispatchSemaphore(value: 0)

    var hasStarted: Bool { started.withLock { $0 } }
    var hasFinished: Bool { finished.withLock { $0 } }

    func block() -> Result<[String], CheckFailure> {
        started.withLock { $0 = true }
        _ = gate.wait(timeout: .now() + 60)
        finished.withLock { $0 = true }
        return .success(["127.0.0.1"])
    }

    func release() {
        gate.signal()
    }
}

/// How a query finds its server: the `server` key's forms, and `resolv.conf` when it is absent.
struct DNSServerTests {
    @Test(
        arguments: [
            ("192.0.2.1", "192.0.2.1:53"), ("192.0.2.1:5353", "192.0.2.1:5353"), ("2001:db8::1", "[2001:db8::1]:53"),
            ("[2001:db8::1]:5353", "[2001:db8::1]:5353"), ("[::1]", "[::1]:53"),
        ]
    )
    func readsAServerAddressWithAnOptionalPort(text: String, server: String) {
        #expect(DNSProbe.Server(text)?.description == server)
    }

    @Test(arguments: ["dns.example", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:", "[2001:db8::1]:x", "192.0.2"])
    func refusesAnythingElse(text: String) {
        #expect(DNSProbe.Server(text) == nil)
    }

    @Test func takesTheFirstUsableNameServerOfResolvConf() {
        let text = """
            # written by a DHCP client
            search example.com
            options timeout:2
            nameserver fe80::1%eth0
            nameserver 10.0.0.53
            nameserver 10.0.0.54
            """
        #expect(DNSProbe.nameServer(inResolvConf: text) == DNSProbe.Server("10.0.0.53"))
        #expect(DNSProbe.nameServer(inResolvConf: "search example.com\n") == nil)
    }

    /// Only A and AAAA with every wire-level option at its default go to `getaddrinfo`.
    @Test func asksTheSystemResolverOnlyForAddressesWithDefaultOptions() {
        let pool = NIOThreadPool.singleton
        #expect(DNSProbe(query: "example.com", recordType: .aaaa, threadPool: pool).usesSystemResolver)
        #expect(!DNSProbe(query: "example.com", recordType: .mx, threadPool: pool).usesSystemResolver)
        #expect(!DNSProbe(query: "example.com", recordType: .a, server: .init("127.0.0.1")).usesSystemResolver)
        #expect(!DNSProbe(query: "example.com", recordType: .a, transport: .tcp).usesSystemResolver)
        #expect(!DNSProbe(query: "example.com", recordType: .a, expectRcode: .nxDomain).usesSystemResolver)
        #expect(!DNSProbe(query: "example.com", recordType: .a, recursionDesired: false).usesSystemResolver)
    }
}
