import Vitals
import VitalsSystemd

/// `systemd`: a unit's state, asked of systemd over D-Bus.
struct SystemdSettings: CheckSettings {
    static let typeName = "systemd"
    static let summary =
        "Asks systemd over D-Bus whether a unit (or every unit a pattern matches) is active; warns on restarts."

    /// The `ActiveState`s systemd has.
    static let activeStates = [
        "active", "reloading", "inactive", "failed", "activating", "deactivating", "maintenance", "refreshing",
    ]

    var unit = ""
    var bus = SystemdUnitProbe.Bus.system
    var expectStates = ["active"]

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "unit",
                \.unit,
                .string,
                required: true,
                "A unit name (`nginx.service`), or a pattern (`*`, `?`, `[…]`) matched against the loaded units."
            ),
            .key("bus", \.bus, .oneOf(), "`system` (PID 1's manager), or `user` (the user's, `systemctl --user`)."),
            .key(
                "expect_states",
                \.expectStates,
                ValueReader.stringList.checked("list of ActiveStates: \(activeStates.joined(separator: ", "))") {
                    states in
                    let unknown = states.filter { !activeStates.contains($0) }
                    return unknown.isEmpty
                        ? nil
                        : "\(unknown.joined(separator: ", ")) is not an ActiveState (\(activeStates.joined(separator: ", ")))"
                },
                "The `ActiveState`s that pass; a oneshot service may add `inactive`."
            ),
        ]
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        SystemdUnitProbe(unit: unit, bus: bus, expectedStates: expectStates)
    }
}
