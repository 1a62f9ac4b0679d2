import Foundation
import Vitals
import VitalsProbes

/// `certificate`: PEM files on disk, their earliest expiry, and optionally their key and chain.
struct CertificateSettings: CheckSettings {
    static let typeName = "certificate"
    static let summary =
        "Reads certificates from PEM files and warns before the earliest expires; optionally checks the key and chain."

    var path = ""
    var warnDays = 14
    var failDays = 3
    var keyFile: String?
    var caFile: String?

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "path",
                \.path,
                .absolutePath,
                required: true,
                "A PEM file, or a pattern (`*`, `?`, `[…]`) for several; every certificate in them counts."
            ),
            .key("warn_days", \.warnDays, .count, "Warn when a certificate expires in fewer days."),
            .key("fail_days", \.failDays, .count, "Fail when a certificate expires in fewer days."),
            .key(
                "key_file",
                \.keyFile,
                .absolutePath,
                "PEM file of the private key that must belong to the first certificate (`path` names one file)."
            ),
            .key(
                "ca_file",
                \.caFile,
                .readableFile,
                "PEM file of the certificate authorities each chain must lead to."
            ),
        ]
    }

    mutating func validate(_ rules: inout KeyRules) {
        rules.requireOrder("fail_days", failDays, notGreaterThan: "warn_days", warnDays) { "\($0)" }
        if keyFile != nil, CertificateProbe.isPattern(path) {
            rules.report("key_file", "needs path to name one file, not a pattern")
        }
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        CertificateProbe(path: path, warnDays: warnDays, failDays: failDays, keyFile: keyFile, caFile: caFile)
    }
}
