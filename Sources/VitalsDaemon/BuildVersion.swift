import Vitals

/// The version of this build, as `vitals --version` and `vitals_build_info` show it.
public enum BuildVersion {
    /// The release version.
    public static let version = "0.1.0"
    /// The source revision, when the build was given one.
    public static let revision = "unknown"
    /// The compiler that built this binary.
    public static var swiftVersion: String {
        #if compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1"
        #endif
    }

    static var buildInfo: BuildInfo {
        BuildInfo(version: version, revision: revision, swiftVersion: swiftVersion)
    }
}
