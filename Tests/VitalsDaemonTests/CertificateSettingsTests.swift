import Foundation
import TestPeers
import Testing
import Vitals
import VitalsProbes

@testable import VitalsDaemon

/// The `certificate` check type's keys and the rules between them.
@Suite struct CertificateSettingsTests {
    @Test func keysBecomeTheProbe() throws {
        let directory = try TestDirectory()
        let ca = try directory.file("ca.pem", "")
        let checks = try configuredChecks(
            """
            checks:
              - {name: site, type: certificate, path: /etc/tls/site.pem, key_file: /etc/tls/site.key, ca_file: \(ca)}
              - {name: all, type: certificate, path: "/etc/letsencrypt/live/*/fullchain.pem", warn_days: 21, fail_days: 7}
            """,
            in: directory
        )
        let site = try #require(checks[0] as? CertificateProbe)
        #expect(site.path == "/etc/tls/site.pem")
        #expect(site.keyFile == "/etc/tls/site.key")
        #expect(site.caFile == ca)
        #expect((site.warnDays, site.failDays) == (14, 3))
        let all = try #require(checks[1] as? CertificateProbe)
        #expect((all.warnDays, all.failDays) == (21, 7))
    }

    @Test func rulesBetweenKeysAreLocatedErrors() throws {
        let directory = try TestDirectory()
        let config = try directory.file(
            "vitals.yml",
            """
            checks:
              - {name: a, type: certificate, path: "/etc/tls/*.pem", key_file: /etc/tls/site.key}
              - {name: b, type: certificate, path: /etc/tls/site.pem, warn_days: 3, fail_days: 10}
              - {name: c, type: certificate, path: /etc/tls/site.pem, ca_file: /nonexistent/ca.pem}
              - {name: d, type: certificate, path: site.pem}
            """
        )
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: config) }
        let lines = error?.diagnostics.map(\.description) ?? []
        let expected = [
            "checks[0] (a): key_file: needs path to name one file, not a pattern",
            "checks[1] (b): fail_days: must not be greater than warn_days (3)",
            "checks[2] (c): ca_file: cannot read /nonexistent/ca.pem",
            "checks[3] (d): path: must be an absolute path",
        ]
        for (index, message) in expected.enumerated() {
            #expect(
                lines.contains { $0.hasPrefix("\(config):\(index + 2):") && $0.hasSuffix(": \(message)") },
                "missing line \(index + 2): \(message)\ngot:\n\(lines.joined(separator: "\n"))"
            )
        }
        #expect(lines.count == expected.count)
    }
}
