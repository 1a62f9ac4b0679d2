/// The `environment` section: what `/environment` shows, if anything.
struct EnvironmentSettings: Sendable, Equatable {
    var enabled: Bool = ConfigDefaults.environmentEnabled
    var includeOS: Bool = ConfigDefaults.environmentInclude
    var includeRuntime: Bool = ConfigDefaults.environmentInclude
    var includeProcess: Bool = ConfigDefaults.environmentInclude
    var includeConfig: Bool = ConfigDefaults.environmentInclude
}
