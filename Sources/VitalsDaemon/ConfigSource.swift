/// Loads the configuration the daemon was started with: files and directories (`--config.file`,
/// repeatable), or the embedded defaults.
struct ConfigSource: Sendable {
    let paths: [String]

    /// The paths used in messages.
    var displayPath: String { paths.isEmpty ? "<default configuration>" : paths.joined(separator: ",") }

    /// Reads the files now: a reload sees the files a directory holds then, added and removed ones too.
    func load() throws(ConfigError) -> Configuration {
        guard !paths.isEmpty else { return .default }
        return try ConfigLoader.load(paths: paths)
    }
}
