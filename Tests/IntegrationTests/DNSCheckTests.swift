import Foundation
import NIOCore
import NIOPosix
import TestPeers
import Testing

/// A real DNS server (Debian's dnsmasq) on a free loopback port, serving a zone `vitals.test` with a
/// record of each type, stopped when released.
private final class DnsmasqServer: Sendable {
    let process: Process
    let port: Int

    /// The zone: every record type the check asks for, an NS and SOA as raw records (dnsmasq is not
    /// an authority here), and 40 A records for `big.vitals.test`, more than a 512-byte UDP answer holds.
    static let configuration: String = {
        var lines = [
            "no-resolv", "no-hosts", "local=/vitals.test/",
            "host-record=host.vitals.test,127.0.0.5,fd00::5",
            "cname=alias.vitals.test,host.vitals.test",
            "mx-host=vitals.test,mail.vitals.test,10",
            "mx-host=vitals.test,backup.vitals.test,20",
            #"txt-record=vitals.test,"v=spf1 -all""#,
            "srv-host=_http._tcp.vitals.test,host.vitals.test,8080,1,10",
            "ptr-record=5.0.0.127.in-addr.arpa,host.vitals.test",
            // CAA 0 issue "letsencrypt.org"; NS ns1.vitals.test; SOA, as their data's bytes.
            "dns-rr=vitals.test,257,000569737375656C657473656E63727970742E6F7267",
            "dns-rr=vitals.test,2,036e733106766974616c73047465737400",
            "dns-rr=vitals.test,6,036e733106766974616c730474657374000a686f73746d617374657206766974616c7304746573"
                + "740078c4240900000e1000000258000151800000012c",
        ]
        lines += (1...40).map { "host-record=big.vitals.test,10.0.0.\($0)" }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// A lost race for the free port makes dnsmasq exit at once; then it starts again elsewhere.
    init(in directory: TemporaryDirectory) async throws {
        let file = try directory.write("dnsmasq.conf", Self.configuration)
        var attempt = 0
        while true {
            attempt += 1
            let probe = try await TCPPeer()
            let port = probe.port
            await probe.close()
            let process = Process()
            // dnsmasq closes the descriptors it inherits, among them the one through which Foundation
            // learns that a child ended; Foundation then waits for dnsmasq's exit on the queue that
            // reaps every child, and no other process of the test run is seen to end. `timeout` keeps
            // that descriptor, and bounds a dnsmasq that a crashed test leaves behind.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            // --no-daemon: in the foreground, TCP answered in-process; no pid file, no system config.
            process.arguments = [
                "--kill-after=5", "600", "/usr/sbin/dnsmasq", "--no-daemon", "--conf-file=\(file)", "--port=\(port)",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var answered = false
            try await waitUntil("dnsmasq to answer on \(port) or exit") {
                // The receive blocks up to 200 ms: not on one of the few threads every test shares.
                answered = await onOwnThread { Self.answers(port: port) }
                return answered || !process.isRunning
            }
            if answered && process.isRunning {
                self.process = process
                self.port = port
                return
            }
            Self.kill(process)
            guard attempt < 5 else { throw TimedOut(what: "dnsmasq to start on a free port") }
        }
    }

    deinit {
        Self.kill(process)
    }

    func stop() async throws {
        Self.kill(process)
        let process = self.process
        try await waitUntil("dnsmasq to stop") { !process.isRunning }
    }

    /// SIGKILL to dnsmasq; `timeout` reaps it and exits. Children of the test runner start with
    /// SIGTERM blocked, so neither would act on a SIGTERM; a SIGKILL to `timeout` would orphan dnsmasq.
    private static func kill(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        let dnsmasq = children.split(separator: " ").compactMap { Int32($0) }
        for child in dnsmasq { Foundation.kill(child, SIGKILL) }
        if dnsmasq.isEmpty { Foundation.kill(pid, SIGKILL) }
    }

    /// Whether a UDP query for host.vitals.test gets an answer within 200 ms.
    private static func answers(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(socket) }
        var limit = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // id 0x1234, RD, one question: host.vitals.test A IN.
        let query: [UInt8] =
            [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 4] + Array("host".utf8) + [6] + Array("vitals".utf8)
            + [4] + Array("test".utf8) + [0, 0, 1, 0, 1]
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(socket, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { return false }
        var reply = [UInt8](repeating: 0, count: 512)
        return recv(socket, &reply, reply.count, 0) > 2 && reply[0] == 0x12 && reply[1] == 0x34
    }
}

@Suite(.tags(.integration)) struct DNSCheckTests {
    /// Runs `vitals check` on `checks` (YAML list items) and returns each result by name.
    private func results(_ checks: String, in directory: TemporaryDirectory) async throws -> [String: [String: Any]] {
        let config = try directory.write("dns.yml", "global: {interval: 10s, timeout: 3s}\nchecks:\n" + checks)
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]], "\(result.stdout) \(result.stderr)")
        return Dictionary(
            uniqueKeysWithValues: results.compactMap { item in
                (item["checker"] as? String).map { ($0, item) }
            }
        )
    }

    @Test func asksAServerForEachRecordType() async throws {
        let directory = try TemporaryDirectory()
        let dnsmasq = try await DnsmasqServer(in: directory)
        let server = "127.0.0.1:\(dnsmasq.port)"
        let results = try await results(
            """
              - {name: a, type: dns, query: host.vitals.test, server: "\(server)", expect: [127.0.0.5]}
              - {name: aaaa, type: dns, query: host.vitals.test, record_type: AAAA, server: "\(server)", expect: ["fd00:0::5"]}
              - {name: cname, type: dns, query: alias.vitals.test, record_type: CNAME, server: "\(server)", expect: [HOST.vitals.test.]}
              - {name: mx, type: dns, query: vitals.test, record_type: mx, server: "\(server)", expect: ["10 mail.vitals.test", "/^20 backup/"]}
              - {name: txt, type: dns, query: vitals.test, record_type: TXT, server: "\(server)", expect: ["v=spf1 -all"]}
              - {name: ns, type: dns, query: vitals.test, record_type: NS, server: "\(server)", expect: [ns1.vitals.test]}
              - {name: soa, type: dns, query: vitals.test, record_type: SOA, server: "\(server)", expect: ["/ 2026120201 /"]}
              - {name: srv, type: dns, query: _http._tcp.vitals.test, record_type: SRV, server: "\(server)", expect: ["1 10 8080 host.vitals.test"]}
              - {name: ptr, type: dns, query: 5.0.0.127.in-addr.arpa, record_type: PTR, server: "\(server)", expect: [host.vitals.test]}
              - {name: caa, type: dns, query: vitals.test, record_type: CAA, server: "\(server)", expect: ["0 issue letsencrypt.org"]}
              - {name: tcp, type: dns, query: host.vitals.test, server: "\(server)", transport: tcp}

            """,
            in: directory
        )
        let expected = [
            "a": "A 127.0.0.5", "aaaa": "AAAA fd00::5", "cname": "CNAME host.vitals.test",
            "mx": "MX 20 backup.vitals.test, MX 10 mail.vitals.test", "txt": #"TXT "v=spf1 -all""#,
            "ns": "NS ns1.vitals.test",
            "soa": "SOA ns1.vitals.test hostmaster.vitals.test 2026120201 3600 600 86400 300",
            "srv": "SRV 1 10 8080 host.vitals.test", "ptr": "PTR host.vitals.test",
            "caa": #"CAA 0 issue "letsencrypt.org""#, "tcp": "A 127.0.0.5",
        ]
        for (name, answer) in expected {
            let result = try #require(results[name], "\(name)")
            #expect(result["status"] as? String == "pass", "\(name): \(result)")
            let output = result["output"] as? String ?? ""
            #expect(output.hasPrefix("\(server) answered \(answer) in "), "\(name): \(output)")
            #expect(!output.contains("truncated"), "\(name): \(output)")
        }
        try await dnsmasq.stop()
    }

    @Test func judgesResponseCodesAndMissingRecords() async throws {
        let directory = try TemporaryDirectory()
        let dnsmasq = try await DnsmasqServer(in: directory)
        let server = "127.0.0.1:\(dnsmasq.port)"
        let results = try await results(
            """
              - {name: gone, type: dns, query: nope.vitals.test, server: "\(server)", expect_rcode: nxdomain}
              - {name: nx, type: dns, query: nope.vitals.test, server: "\(server)", critical: false}
              - {name: refused, type: dns, query: other.example, server: "\(server)", critical: false}
              - {name: no_mx, type: dns, query: host.vitals.test, record_type: MX, server: "\(server)", critical: false}
              - {name: missing, type: dns, query: vitals.test, record_type: MX, server: "\(server)", expect: ["30 other.vitals.test", "/^10 /"], critical: false}

            """,
            in: directory
        )
        func check(_ name: String) -> (status: String?, reason: String?, output: String) {
            let result = results[name]
            return (result?["status"] as? String, result?["reason"] as? String, result?["output"] as? String ?? "")
        }
        #expect(check("gone").status == "pass")
        #expect(check("gone").output.hasPrefix("\(server) answered NXDOMAIN in "), "\(check("gone"))")
        #expect(check("nx").status == "fail")
        #expect(check("nx").reason == "dns")
        #expect(check("nx").output == "\(server) answered NXDOMAIN for nope.vitals.test A, expected NOERROR")
        #expect(check("refused").output == "\(server) answered REFUSED for other.example A, expected NOERROR")
        #expect(check("no_mx").output == "\(server) has no MX record for host.vitals.test (NOERROR)")
        #expect(check("missing").status == "fail")
        #expect(check("missing").reason == "dns")
        #expect(check("missing").output.hasSuffix(", missing 30 other.vitals.test"), "\(check("missing"))")
        try await dnsmasq.stop()
    }

    /// 40 records do not fit in 512 bytes: dnsmasq truncates the UDP answer and the check asks again over TCP.
    @Test func asksAgainOverTCPWhenTheAnswerIsTruncated() async throws {
        let directory = try TemporaryDirectory()
        let dnsmasq = try await DnsmasqServer(in: directory)
        let server = "127.0.0.1:\(dnsmasq.port)"
        let daemon = try await DaemonProcess(
            config:
                "checks:\n  - {name: big, type: dns, query: big.vitals.test, server: \"\(server)\", expect: [10.0.0.40]}\n",
            in: directory
        )
        try await waitUntil("the first run of big") {
            try await daemon.result("big")?["output"] as? String != "pending"
        }
        let result = try #require(try await daemon.result("big"))
        #expect(result["status"] as? String == "pass", "\(result)")
        let output = result["output"] as? String ?? ""
        #expect(output.hasSuffix(" (truncated over UDP, asked again over TCP)"), "\(output)")
        #expect(output.contains(" and 35 more in "), "\(output)")
        let observations = result["observations"] as? [[String: Any]] ?? []
        #expect(observations.first { $0["name"] as? String == "answers" }?["value"] as? Double == 40, "\(observations)")
        _ = try await daemon.stop()
        try await dnsmasq.stop()
    }

    /// A server that takes the query and never answers is cut off at the timeout; a closed port is refused.
    @Test func aSilentServerTimesOutAndAClosedPortIsRefused() async throws {
        let silent = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let silentPort = try #require(silent.localAddress?.port)
        let closed = try RefusingPort()
        defer { closed.close() }
        let directory = try TemporaryDirectory()
        let results = try await results(
            """
              - {name: silent, type: dns, query: host.vitals.test, server: "127.0.0.1:\(silentPort)", timeout: 1s, critical: false}
              - {name: closed, type: dns, query: host.vitals.test, server: "127.0.0.1:\(closed.port)", critical: false}
              - {name: closed_tcp, type: dns, query: host.vitals.test, server: "127.0.0.1:\(closed.port)", transport: tcp, critical: false}

            """,
            in: directory
        )
        #expect(results["silent"]?["reason"] as? String == "timeout", "\(results["silent"] ?? [:])")
        #expect(results["closed"]?["reason"] as? String == "refused", "\(results["closed"] ?? [:])")
        #expect(results["closed"]?["output"] as? String == "127.0.0.1:\(closed.port): connection refused")
        #expect(results["closed_tcp"]?["reason"] as? String == "refused", "\(results["closed_tcp"] ?? [:])")
        try await silent.close()
    }

    /// One file with a mistake in each check: `check-config` names every one, at its line.
    @Test func rejectsBadKeysAtTheKey() async throws {
        let cases = [
            ("server: dns.example", "server", "must be an IP address with an optional port"),
            ("expect: [mail.example.com]", "expect[0]", "must be an IPv4 address or /regex/"),
            ("record_type: MX, expect: [\"/(/\"]", "expect[0]", "must be a valid regular expression"),
            ("expect_rcode: GONE", "expect_rcode", "must be one of NOERROR"),
            ("record_type: HINFO", "record_type", "must be one of A, AAAA, CNAME"),
            ("query: a..example.com", "query", "must be a domain name of labels of 1 to 63 bytes"),
        ]
        try await expectConfigErrors(
            cases.map { keys, key, problem in
                ("type: dns, " + (keys.hasPrefix("query:") ? "" : "query: example.com, ") + keys, key, problem)
            }
        )
    }
}
