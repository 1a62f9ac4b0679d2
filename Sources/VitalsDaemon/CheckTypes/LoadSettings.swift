import Vitals
import VitalsProbes

/// `load`: the load average per CPU.
struct LoadSettings: CheckSettings {
    static let typeName = "load"
    static let summary = "Measures the 1-minute load average divided by the number of CPUs."

    var warnPerCPU = 2.0
    var failPerCPU = 4.0

    static var keys: [ConfigKey<Self>] {
        [
            .key("warn_per_cpu", \.warnPerCPU, .positiveNumber, "Warn above this load per CPU."),
            .key("fail_per_cpu", \.failPerCPU, .positiveNumber, "Fail above this load per CPU."),
        ]
    }

    func validate(_ rules: inout KeyRules) {
        rules.requireOrder(
            "warn_per_cpu",
            warnPerCPU,
            notGreaterThan: "fail_per_cpu",
            failPerCPU,
            describe: \.configText
        )
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        LoadProbe(warnPerCPU: warnPerCPU, failPerCPU: failPerCPU)
    }
}
