/// The `global` section: values every check inherits unless it overrides them.
struct GlobalSettings: Sendable, Equatable {
    var interval: Duration = ConfigDefaults.interval
    var timeout: Duration = ConfigDefaults.timeout
    var failureThreshold: Int = ConfigDefaults.failureThreshold
    var successThreshold: Int = ConfigDefaults.successThreshold
}
