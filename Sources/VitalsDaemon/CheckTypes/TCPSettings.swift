import Vitals
import VitalsProbes

/// `tcp`: connects, optionally sends a string and matches the first reply bytes.
struct TCPSettings: ConnectingCheckSettings {
    static let typeName = "tcp"
    static let summary = "Connects to a TCP port; optionally sends a string and matches the reply."

    var address = HostPort.placeholder
    var send: String?
    /// A regular expression source, already checked to compile.
    var expect: String?

    var warnAfter: Duration?
    var ipFamily = IPFamily.any
    var allAddresses = false
    var connectHost: String? { address.host }

    static var keys: [ConfigKey<Self>] {
        [
            .key("address", \.address, .hostPort, required: true, "Where to connect: `HOST:PORT`."),
            .key("send", \.send, .string, "Sent once the connection is open."),
            .key("expect", \.expect, .regex, "Must match the first bytes of the reply."),
        ] + connectingKeys
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        TCPProbe(host: address.host, port: address.port, send: send, expect: expect)
    }
}
