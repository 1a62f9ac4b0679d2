/// The `environment` section: what `/environment` shows, if anything.
struct EnvironmentSettings: ConfigSection {
    var enabled = false
    var includeOS = true
    var includeRuntime = true
    var includeProcess = true
    var includeConfig = true

    static var keys: [ConfigKey<Self>] {
        [
            .key("enabled", \.enabled, .bool, "Whether `/environment` answers (404 otherwise)."),
            .key("include_os", \.includeOS, .bool, "Show the `os` section."),
            .key("include_runtime", \.includeRuntime, .bool, "Show the `runtime` section."),
            .key("include_process", \.includeProcess, .bool, "Show the `process` section."),
            .key("include_config", \.includeConfig, .bool, "Show the `config` section."),
        ]
    }
}
