import Foundation
import TestPeers
import Testing
import Vitals
import VitalsSystemd

@testable import VitalsDaemon

/// The `systemd` check type's keys; the check itself is tested against a D-Bus stand-in
/// (`SystemdCheckTests`).
@Suite struct SystemdSettingsTests {
    @Test func keysBecomeTheProbe() throws {
        let directory = try TestDirectory()
        let checks = try configuredChecks(
            """
            checks:
              - {name: a, type: systemd, unit: nginx.service}
              - {name: b, type: systemd, unit: "worker@*.service", bus: user, expect_states: [active, inactive]}
            """,
            in: directory
        )
        let a = try #require(checks[0] as? SystemdUnitProbe)
        #expect(a.unit == "nginx.service")
        #expect(a.bus == .system)
        #expect(a.expectedStates == ["active"])
        let b = try #require(checks[1] as? SystemdUnitProbe)
        #expect(b.bus == .user)
        #expect(b.expectedStates == ["active", "inactive"])
        #expect(SystemdUnitProbe.isPattern(b.unit))
    }

    @Test func anUnknownStateOrBusIsALocatedError() throws {
        let directory = try TestDirectory()
        let config = try directory.file(
            "vitals.yml",
            """
            checks:
              - {name: a, type: systemd, unit: nginx.service, expect_states: [running]}
              - {name: b, type: systemd, unit: nginx.service, bus: session}
            """
        )
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: config) }
        let lines = error?.diagnostics.map(\.description) ?? []
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasPrefix("\(config):2:") == true)
        #expect(
            lines.first?.hasSuffix(
                "checks[0] (a): expect_states: running is not an ActiveState (active, reloading, inactive, "
                    + "failed, activating, deactivating, maintenance, refreshing)"
            ) == true,
            "\(lines)"
        )
        #expect(lines.last?.hasSuffix("checks[1] (b): bus: must be system or user") == true, "\(lines)")
    }
}
