import Testing

@testable import VitalsDaemon

@Suite struct HostPortTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("[::1]:53", "::1", 53),
        ("example.com:443", "example.com", 443),
        ("localhost:1", "localhost", 1),
        ("[2001:db8::1]:65535", "2001:db8::1", 65535),
    ])
    func parsesHostAndPort(_ text: String, _ host: String, _ port: Int) {
        #expect(HostPort(text) == HostPort(host: host, port: port))
        #expect(HostPort(text)?.description == text)
    }

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:", ":80", "::1:53", "[::1]", "[::1]53", "[127.0.0.1]:80", "host:0", "host:65536",
        "host:-1", "host:http", "a b:80", "host:080000", "http://host:80",
    ])
    func rejectsMalformedAddress(_ text: String) {
        #expect(HostPort(text) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:9469", "127.0.0.1", 9469),
        ("[::1]:9469", "::1", 9469),
        ("localhost:80", "localhost", 80),
        (":9469", "0.0.0.0", 9469),
        ("127.0.0.1:0", "127.0.0.1", 0),
    ])
    func parsesListenAddressesWithEveryInterfaceAndAnyPort(_ text: String, _ host: String, _ port: Int) {
        #expect(HostPort(text, listening: true) == HostPort(host: host, port: port))
    }

    @Test(arguments: ["127.0.0.1", "::1:9469", "host:65536", "host:http", ""])
    func rejectsMalformedListenAddress(_ text: String) {
        #expect(HostPort(text, listening: true) == nil)
    }
}
