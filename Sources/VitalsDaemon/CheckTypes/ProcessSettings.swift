import Vitals
import VitalsProbes

/// `process`: a process is running, by pidfile or by name.
struct ProcessSettings: CheckSettings {
    static let typeName = "process"
    static let summary = "Passes while a process runs: the one a pidfile names, or any with a given name."

    // Linux truncates /proc/PID/comm to 15 bytes, so a longer name never matches.
    static let maximumNameLength = 15

    /// Set by exactly one of `pidfile` and `process_name`; ``validate(_:)`` rejects a file that sets neither.
    var target: ProcessProbe.Target?

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "pidfile",
                .absolutePath,
                "A file holding the process ID. Set this or `process_name`.",
                get: { if case .pidfile(let path)? = $0.target { path } else { nil } },
                set: { $0.target = .pidfile($1) }
            ),
            .key(
                "process_name",
                ValueReader.string.checked("non-empty, at most 15 bytes") { name in
                    name.utf8.count <= maximumNameLength
                        ? nil : "must be at most \(maximumNameLength) bytes long, as /proc/PID/comm is"
                },
                "Matched against `/proc/*/comm` (`name` is the check's own name). Set this or `pidfile`.",
                get: { if case .name(let name)? = $0.target { name } else { nil } },
                set: { $0.target = .name($1) }
            ),
        ]
    }

    func validate(_ rules: inout KeyRules) {
        switch (rules.contains("pidfile"), rules.contains("process_name")) {
        case (false, false): rules.reportMapping("needs \"pidfile\" or \"process_name\"")
        case (true, true): rules.report("process_name", "set \"pidfile\" or \"process_name\", not both")
        default: break
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        guard let target else { preconditionFailure("validate(_:) lets no process check through without a target") }
        return ProcessProbe(target: target)
    }
}
