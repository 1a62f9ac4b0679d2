import Foundation
import Testing

/// The `icmp` check against 127.0.0.1 and ::1 in a network namespace of its own, where the test sets
/// what the kernel allows: unprivileged ping sockets (`net.ipv4.ping_group_range`), raw sockets
/// (`CAP_NET_RAW`), or neither.
@Suite(.tags(.integration)) struct ICMPCheckTests {
    enum Permission: String, CaseIterable, Sendable {
        /// A ping socket for every group, and no `CAP_NET_RAW`: what systemd's defaults give the unit.
        case pingSocket
        /// No ping socket for the group, but `CAP_NET_RAW`.
        case rawSocket
        /// Neither.
        case none

        /// The shell that prepares the namespace and then runs `"$@"`.
        var script: String {
            let range = self == .pingSocket ? "0 2147483647" : "1 0"
            let dropRaw = self == .rawSocket ? "" : "setpriv --bounding-set=-net_raw --inh-caps=-net_raw "
            return "ip link set lo up && echo '\(range)' > /proc/sys/net/ipv4/ping_group_range && exec \(dropRaw)\"$@\""
        }
    }

    private func check(_ permission: Permission) async throws -> [String: [String: Any]] {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "icmp.yml",
            """
            checks:
              - {name: v4, type: icmp, host: 127.0.0.1, count: 3}
              - {name: v6, type: icmp, host: "::1", count: 2}
              - {name: every, type: icmp, host: localhost, count: 1, all_addresses: true}
              - {name: six_only, type: icmp, host: localhost, count: 1, ip_family: ip6, critical: false}
            """
        )
        let result = try await runProcess(
            "/usr/bin/unshare",
            ["--net", "--", "/bin/sh", "-c", permission.script, "sh", try vitalsBinary()]
                + ["check", "--config.file", config, "--format", "json"]
        )
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]], "\(result.stdout)\(result.stderr)")
        return Dictionary(
            uniqueKeysWithValues: results.compactMap { result in
                (result["checker"] as? String).map { ($0, result) }
            }
        )
    }

    @Test(arguments: [Permission.pingSocket, .rawSocket])
    func everyEchoIsAnsweredOnLoopback(permission: Permission) async throws {
        let results = try await check(permission)
        for (name, address, count) in [("v4", "127.0.0.1", 3), ("v6", "::1", 2)] {
            let result = try #require(results[name])
            #expect(result["status"] as? String == "pass", "\(permission) \(name): \(result)")
            let output = result["output"] as? String ?? ""
            #expect(output.hasPrefix("\(count)/\(count) replies from \(address), rtt min/avg/max "), "\(output)")
            let observations = result["observations"] as? [[String: Any]] ?? []
            #expect(observations.contains { $0["name"] as? String == "loss_percent" && $0["value"] as? Double == 0 })
            #expect(observations.contains { $0["name"] as? String == "rtt_seconds" })
        }
        // all_addresses pings each address of the name (here 127.0.0.1 alone); ip_family ip6 finds none.
        let every = results["every"]?["output"] as? String ?? ""
        #expect(
            every.hasPrefix("1 address passed (127.0.0.1); 127.0.0.1: 1/1 replies from localhost (127.0.0.1)"),
            "\(every)"
        )
        #expect(results["six_only"]?["reason"] as? String == "dns", "\(results["six_only"] ?? [:])")
    }

    @Test func withoutEitherPermissionTheCheckSaysWhichSettingToChange() async throws {
        let results = try await check(.none)
        let result = try #require(results["v4"])
        #expect(result["status"] as? String == "fail")
        #expect(result["reason"] as? String == "error")
        #expect(
            (result["output"] as? String)?.hasPrefix(
                "cannot open an ICMP socket: group 0 is outside "
                    + "net.ipv4.ping_group_range (1 0) and the process lacks CAP_NET_RAW"
            ) == true,
            "\(result)"
        )
    }
}
