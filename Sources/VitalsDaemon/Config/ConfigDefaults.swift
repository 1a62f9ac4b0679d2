/// Every default value of the configuration file, in one place.
///
/// The settings types and the loader read these; nothing else spells a default.
enum ConfigDefaults {
    static let interval: Duration = .seconds(30)
    static let timeout: Duration = .seconds(10)
    static let failureThreshold = 1
    static let successThreshold = 1

    static let failureStatus = 500

    static let environmentEnabled = false
    static let environmentInclude = true

    static let watchdogRequireHealthy = false

    static let critical = true

    static let httpMethod = "GET"
    static let httpExpectStatus: [ClosedRange<Int>] = [200...299]
    static let httpTLSSkipVerify = false

    static let dnsRecordType = "A"

    static let tlsWarnDays = 14
    static let tlsFailDays = 3

    static let diskPath = "/"
    static let diskWarnFreePercent = 20.0
    static let diskFailFreePercent = 10.0

    static let memoryWarnAvailablePercent = 20.0
    static let memoryFailAvailablePercent = 10.0

    static let loadWarnPerCPU = 2.0
    static let loadFailPerCPU = 4.0

    static let heartbeatGrace: Duration = .zero
}
