import Foundation
import NIOCore
import NIOPosix
import Testing
import Vitals

@testable import VitalsProbes

/// `ip_family` and `all_addresses` around real connections on loopback. The names that resolve to
/// both families come from a stand-in resolver: this machine's `/etc/hosts` gives `localhost`
/// IPv4 only, and a test must not edit it.
@Suite(.tags(.integration))
struct AddressSelectionTests {
    /// A resolver that knows one name, `service.test`, with `addresses`, honouring the family asked for.
    static func resolver(_ addresses: [String]) -> AddressResolver.Lookup {
        { host, family in
            guard host == "service.test" else { return .failure(CheckFailure(.dns, "cannot resolve \(host)")) }
            let all = addresses.compactMap { try? SocketAddress(ipAddress: $0, port: 0) }
            return .success(all.filter { family == AF_UNSPEC || $0.protocol.rawValue == family })
        }
    }

    static func selection(
        _ check: any HealthCheck,
        family: IPFamily = .any,
        allAddresses: Bool,
        _ addresses: [String]
    ) -> AddressSelection {
        AddressSelection(
            check,
            host: "service.test",
            family: family,
            allAddresses: allAddresses,
            threadPool: .singleton,
            resolve: resolver(addresses)
        )
    }

    @Test func allAddressesFailsNamingTheAddressThatFails() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        // Listening on 127.0.0.1 only: the same port on ::1 refuses.
        let probe = Self.selection(
            TCPProbe(host: "service.test", port: server.port),
            allAddresses: true,
            ["127.0.0.1", "::1"]
        )
        let failure = try await failure(of: probe)
        #expect(failure.reason == .refused)
        #expect(failure.detail == "::1: connection refused (1 of 2 addresses failed)")
    }

    @Test func allAddressesPassesWhenEveryAddressPassesAndNamesThem() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let probe = AddressSelection(
            TCPProbe(host: "localhost", port: server.port),
            host: "localhost",
            allAddresses: true
        )
        let outcome = try await bounded { try await probe.run() }
        #expect(outcome.status == .pass)
        #expect(outcome.message.hasPrefix("1 address passed (127.0.0.1); 127.0.0.1: connected in "))
    }

    @Test func allAddressesCountsEveryFailingAddressAndNamesTheFirst() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let probe = Self.selection(
            TCPProbe(host: "service.test", port: server.port),
            allAddresses: true,
            ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        )
        let outcome = try await bounded { try await probe.run() }
        // 127.0.0.2 and .3 are loopback too, but the server listens on 127.0.0.1 only.
        #expect(outcome.status == .fail)
        #expect(outcome.message.hasPrefix("127.0.0.2: connection refused"), "\(outcome.message)")
        #expect(outcome.message.hasSuffix("(2 of 3 addresses failed)"))
    }

    @Test func ipFamilyChoosesTheAddressOfThatFamily() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        // Happy Eyeballs would reach 127.0.0.1 whatever came first; IPv6 only must not.
        let four = Self.selection(
            TCPProbe(host: "service.test", port: server.port),
            family: .ip4,
            allAddresses: false,
            ["::1", "127.0.0.1"]
        )
        #expect(try await bounded { try await four.run() }.status == .pass)
        let six = Self.selection(
            TCPProbe(host: "service.test", port: server.port),
            family: .ip6,
            allAddresses: false,
            ["::1", "127.0.0.1"]
        )
        let failure = try await failure(of: six)
        #expect(failure.reason == .refused)
    }

    @Test func aNameWithoutAnAddressOfTheFamilyFailsAsDNS() async throws {
        let probe = Self.selection(
            TCPProbe(host: "service.test", port: 9),
            family: .ip6,
            allAddresses: false,
            ["127.0.0.1"]
        )
        #expect(try await failure(of: probe) == CheckFailure(.dns, "service.test has no IPv6 address"))
    }

    @Test func anAddressOfTheOtherFamilyFailsAsDNS() async throws {
        let probe = AddressSelection(TCPProbe(host: "::1", port: 9), host: "::1", family: .ip4)
        #expect(try await failure(of: probe) == CheckFailure(.dns, "::1 is not an IPv4 address"))
    }

    @Test func theSystemResolverAnswersForTheFamily() async throws {
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let probe = AddressSelection(TCPProbe(host: "localhost", port: server.port), host: "localhost", family: .ip4)
        #expect(try await bounded { try await probe.run() }.status == .pass)
    }

    @Test func tlsKeepsVerifyingTheHostNameOnEachAddress() async throws {
        let authority = try await TLSTestServer.CertificateAuthority()
        let now = Date().timeIntervalSince1970
        let identity = try await authority.issue(
            "service",
            notBefore: now - 86400,
            notAfter: now + 90 * 86400,
            names: "DNS:service.test"
        )
        let server = try await TLSTestServer.start(identity)
        defer { Task { try await server.stop() } }
        let tls = TLSProbe(
            host: "service.test",
            port: server.port,
            serverName: "service.test",
            warnDays: 14,
            failDays: 3,
            trustRoots: authority.trustRoots
        )
        let outcome = try await bounded { try await Self.selection(tls, allAddresses: true, ["127.0.0.1"]).run() }
        #expect(outcome.status == .pass, "\(outcome.message)")
        #expect(outcome.message.hasPrefix("1 address passed (127.0.0.1); 127.0.0.1: "))
    }
}
