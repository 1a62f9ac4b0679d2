import Vitals
import VitalsProbes

/// `file`: a file exists, fresh and big enough.
struct FileSettings: CheckSettings {
    static let typeName = "file"
    static let summary = "Passes while a file exists and, optionally, is recent and large enough."

    var path = ""
    var maxAge: Duration?
    var minSize: Int?

    static var keys: [ConfigKey<Self>] {
        [
            .key("path", \.path, .absolutePath, required: true, "The file."),
            .key("max_age", \.maxAge, .positiveDuration, "Fail when the last modification is older."),
            .key("min_size", \.minSize, .count, "Fail when the file has fewer bytes."),
        ]
    }

    func makeCheck(_ context: ProbeContext) -> any HealthCheck {
        FileProbe(path: path, maxAge: maxAge, minSize: minSize.map(Int64.init))
    }
}
