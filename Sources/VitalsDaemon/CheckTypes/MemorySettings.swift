import Vitals
import VitalsProbes

/// `memory`: available memory.
struct MemorySettings: CheckSettings {
    static let typeName = "memory"
    static let summary = "Measures available memory (MemAvailable) as a share of the total."

    var warnAvailablePercent = 20.0
    var failAvailablePercent = 10.0

    static var keys: [ConfigKey<Self>] {
        [
            .key("warn_available_percent", \.warnAvailablePercent, .percent, "Warn below this much available memory."),
            .key("fail_available_percent", \.failAvailablePercent, .percent, "Fail below this much available memory."),
        ]
    }

    func validate(_ rules: inout KeyRules) {
        rules.requireOrder(
            "fail_available_percent",
            failAvailablePercent,
            notGreaterThan: "warn_available_percent",
            warnAvailablePercent,
            describe: \.configText
        )
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        MemoryProbe(warnAvailablePercent: warnAvailablePercent, failAvailablePercent: failAvailablePercent)
    }
}
