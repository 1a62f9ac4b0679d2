import Vitals
import VitalsProbes

/// `icmp`: echo requests (ping), judged by loss and round-trip time.
struct ICMPSettings: AddressedCheckSettings {
    static let typeName = "icmp"
    static let summary = "Pings a host (ICMP echo) and judges the loss and the round-trip time."

    var host = ""
    var count = 3
    var warnLossPercent = 0.0
    var failLossPercent = 50.0
    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? { host }

    static var keys: [ConfigKey<Self>] {
        [
            .key("host", \.host, .string, required: true, "The host name or address (IPv4 or IPv6) to ping."),
            .key(
                "count",
                \.count,
                ValueReader.count.checked("integer from 1 to 100") {
                    (1...100).contains($0) ? nil : "must be from 1 to 100"
                },
                "Echo requests per run, 100 ms apart."
            ),
            .key("warn_loss_percent", \.warnLossPercent, .percent, "Warn when more of the requests get no reply."),
            .key("fail_loss_percent", \.failLossPercent, .percent, "Fail when more of the requests get no reply."),
            .key("warn_after", \.warnAfter, .positiveDuration, "Warn when the mean round-trip time is longer."),
        ] + addressKeys
    }

    func validate(_ rules: inout KeyRules) {
        rules.requireOrder(
            "warn_loss_percent",
            warnLossPercent,
            notGreaterThan: "fail_loss_percent",
            failLossPercent,
            describe: \.configText
        )
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        ICMPProbe(
            host: host,
            count: count,
            warnLossPercent: warnLossPercent,
            failLossPercent: failLossPercent,
            warnAfter: warnAfter
        )
    }
}
