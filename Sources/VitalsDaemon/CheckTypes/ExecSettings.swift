import Vitals
import VitalsProbes

/// `exec`: runs a Nagios plugin.
struct ExecSettings: CheckSettings {
    static let typeName = "exec"
    static let summary = "Runs a command (never through a shell) with Nagios plugin semantics."

    /// argv; not empty.
    var command: [String] = []

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "command",
                \.command,
                ValueReader.stringList.checked("non-empty list of non-empty strings") {
                    $0.isEmpty ? "must not be empty" : nil
                },
                required: true,
                "The program and its arguments."
            )
        ]
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        ExecProbe(command: command, supervisor: context.supervisor)
    }
}
