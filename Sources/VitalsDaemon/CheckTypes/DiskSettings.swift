import Vitals
import VitalsProbes

/// `disk`: free space of a file system.
struct DiskSettings: CheckSettings {
    static let typeName = "disk"
    static let summary = "Measures the free space of the file system holding a path."

    var path = "/"
    var warnFreePercent = 20.0
    var failFreePercent = 10.0

    static var keys: [ConfigKey<Self>] {
        [
            .key("path", \.path, .absolutePath, "A path on the file system to measure."),
            .key("warn_free_percent", \.warnFreePercent, .percent, "Warn below this much free space."),
            .key("fail_free_percent", \.failFreePercent, .percent, "Fail below this much free space."),
        ]
    }

    func validate(_ rules: inout KeyRules) {
        rules.requireOrder(
            "fail_free_percent",
            failFreePercent,
            notGreaterThan: "warn_free_percent",
            warnFreePercent,
            describe: \.configText
        )
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        DiskProbe(path: path, warnFreePercent: warnFreePercent, failFreePercent: failFreePercent)
    }
}
