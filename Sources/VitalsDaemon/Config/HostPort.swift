/// A `host:port` pair: `127.0.0.1:8080`, `[::1]:53`, `example.com:443`.
struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host without brackets: `::1`, not `[::1]`.
    var host: String
    /// 1...65535.
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; an IPv6 host must be in brackets. Returns nil for anything else.
    init?(_ text: String) {
        self.init(text, listening: false)
    }

    /// Parses a `HOST:PORT` to connect to (port 1...65535), or with `listening`, one to listen on:
    /// there an empty host (`:9469`) means every interface and port 0 any free port.
    init?(_ text: String, listening: Bool) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), host.contains(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard !host.isEmpty || listening,
            !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "[" || $0 == "]" }),
            !portText.isEmpty, portText.count <= 5,
            portText.allSatisfy({ ("0"..."9").contains($0) }),
            let port = Int(portText), (listening ? 0 : 1)...65535 ~= port
        else { return nil }
        self.host = host.isEmpty ? "0.0.0.0" : String(host)
        self.port = port
    }

    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension HostPort {
    /// Stands for a required address until the file gives one.
    static let placeholder = HostPort(host: "", port: 0)
}
