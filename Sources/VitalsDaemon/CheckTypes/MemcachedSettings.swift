import Vitals
import VitalsProbes

/// `memcached`: the server answers the text protocol's `version` command.
struct MemcachedSettings: CheckSettings {
    static let typeName = "memcached"
    static let summary = "Sends memcached's `version` command and passes when the server answers `VERSION …`."

    var address = HostPort.placeholder

    static var keys: [ConfigKey<Self>] {
        [.key("address", \.address, .hostPort, required: true, "The server: `HOST:PORT`, usually port 11211.")]
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        // The text protocol answers `VERSION 1.6.18\r\n`; `ERROR` or silence means no memcached there.
        TCPProbe(host: address.host, port: address.port, send: "version\r\n", expect: #"^VERSION \S+\r\n"#)
    }
}
