import Vitals
import VitalsProbes

/// `memcached`: the server answers `version`; optionally stores, reads back and deletes a value.
struct MemcachedSettings: ConnectingCheckSettings {
    static let typeName = "memcached"
    static let summary =
        "Sends memcached's `version` command; optionally stores a value, reads it back and deletes it."

    var address = HostPort.placeholder
    var roundTrip = false
    var roundTripKey = "vitals:healthcheck"

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? { address.host }

    static var keys: [ConfigKey<Self>] {
        [
            .key("address", \.address, .hostPort, required: true, "The server: `HOST:PORT`, usually port 11211."),
            .key("round_trip", \.roundTrip, .bool, "Also `set` a random value, `get` it back and `delete` it."),
            .key(
                "round_trip_key",
                \.roundTripKey,
                ValueReader.string.checked("memcached key: at most 250 bytes, no spaces or control characters") {
                    MemcachedProbe.isValidKey($0)
                        ? nil : "must be at most 250 bytes without spaces or control characters"
                },
                "The key the round trip writes (with a 60 s expiry) and deletes."
            ),
        ] + connectingKeys
    }

    func validate(_ rules: inout KeyRules) {
        if rules.contains("round_trip_key"), !roundTrip {
            rules.report("round_trip_key", "needs round_trip: true")
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        MemcachedProbe(host: address.host, port: address.port, roundTripKey: roundTrip ? roundTripKey : nil)
    }
}
