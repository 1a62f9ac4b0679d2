/// Loads the configuration the daemon was started with: a file, or the embedded defaults.
struct ConfigSource: Sendable {
    let path: String?

    /// The path used in messages.
    var displayPath: String { path ?? "<default configuration>" }

    func load() throws(ConfigError) -> Configuration {
        guard let path else { return .default }
        return try ConfigLoader.load(path: path)
    }
}
