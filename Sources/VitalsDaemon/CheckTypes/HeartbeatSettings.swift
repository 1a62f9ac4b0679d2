import Vitals
import VitalsProbes

/// `heartbeat`: a job pings `/ping/{name}` often enough.
struct HeartbeatSettings: CheckSettings {
    static let typeName = "heartbeat"
    static let summary = "Passes while `/ping/{name}` was called within `ttl` + `grace`; fails before the first ping."

    var ttl = Duration.zero
    var grace = Duration.zero

    static var keys: [ConfigKey<Self>] {
        [
            .key("ttl", \.ttl, .positiveDuration, required: true, "How often the job is expected to ping."),
            .key("grace", \.grace, .duration, "Extra time allowed after `ttl`."),
        ]
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        HeartbeatProbe(ttl: ttl, grace: grace)
    }
}
