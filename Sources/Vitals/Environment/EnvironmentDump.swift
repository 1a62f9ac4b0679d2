/// Builds the `/environment` document: what runs where, for people debugging a host
/// (CONTRACT §6).
///
/// The built-in sections are `os`, `runtime`, `process` and `config`; each can be
/// switched off with ``Options``. Sections added with ``addSection(_:_:)`` follow
/// them, in the order they were added. Every section is scrubbed before it is shown
/// (``EnvironmentValue/scrubbed``): values under secret-looking keys, the argument after a
/// secret-looking option, and whatever ``Scrubber`` finds by value all become `********`.
///
/// ```swift
/// var dump = EnvironmentDump(build: buildInfo, config: ["interval": "30s"])
/// dump.addSection("database") { ["pool_size": 8, "url": "postgres://app:secret@db/app"] }
/// let body = dump.render()
/// ```
public struct EnvironmentDump: Sendable {
    /// Which built-in sections the document has.
    public struct Options: Sendable, Equatable {
        /// The `os` section: name, version, kernel, hostname, uptime.
        public var includeOS: Bool
        /// The `runtime` section: Swift version, build configuration, Vitals version and revision.
        public var includeRuntime: Bool
        /// The `process` section: pid, arguments, working directory, user, start time,
        /// memory and environment variables.
        public var includeProcess: Bool
        /// The `config` section: the effective configuration.
        public var includeConfig: Bool

        /// Creates options; every section is on unless switched off.
        public init(
            includeOS: Bool = true,
            includeRuntime: Bool = true,
            includeProcess: Bool = true,
            includeConfig: Bool = true
        ) {
            self.includeOS = includeOS
            self.includeRuntime = includeRuntime
            self.includeProcess = includeProcess
            self.includeConfig = includeConfig
        }
    }

    /// The media type of the document.
    public static let contentType = "application/json"

    private static let builtInSections: Set<String> = ["os", "runtime", "process", "config"]

    /// Which built-in sections to show.
    public var options: Options
    /// The version, revision and compiler of this build, shown in `runtime`.
    public var build: BuildInfo
    /// The effective configuration, shown as `config`.
    public var config: EnvironmentValue
    private var customSections: [(name: String, content: @Sendable () -> EnvironmentValue)] = []

    /// Creates a dump.
    /// - Parameters:
    ///   - build: The version, revision and Swift version of this build.
    ///   - config: The effective configuration, already reduced to plain values.
    ///   - options: Which built-in sections to show.
    public init(build: BuildInfo, config: EnvironmentValue = .object([]), options: Options = Options()) {
        self.build = build
        self.config = config
        self.options = options
    }

    /// Adds a section named `name` whose content `content` builds each time the document is rendered.
    ///
    /// Adding a section with the name of one added before replaces it. A section named
    /// like a built-in one (`os`, `runtime`, `process`, `config`) is shown as `custom.<name>`
    /// rather than replacing it.
    public mutating func addSection(_ name: String, _ content: @escaping @Sendable () -> EnvironmentValue) {
        let name = Self.builtInSections.contains(name) ? "custom.\(name)" : name
        if let index = customSections.firstIndex(where: { $0.name == name }) {
            customSections[index].content = content
        } else {
            customSections.append((name, content))
        }
    }

    /// The document as UTF-8 JSON, scrubbed, ending with a newline.
    public func render() -> [UInt8] {
        document(facts: .current()).jsonBytes + [UInt8(ascii: "\n")]
    }

    /// The scrubbed document for the given system facts.
    func document(facts: SystemFacts) -> EnvironmentValue {
        var sections: [EnvironmentValue.Member] = []
        if options.includeOS { sections.append(.init("os", Self.osSection(facts))) }
        if options.includeRuntime { sections.append(.init("runtime", Self.runtimeSection(build))) }
        if options.includeProcess { sections.append(.init("process", Self.processSection(facts))) }
        if options.includeConfig { sections.append(.init("config", config)) }
        for section in customSections {
            sections.append(.init(section.name, section.content()))
        }
        return EnvironmentValue.object(sections).scrubbed
    }

    static func osSection(_ facts: SystemFacts) -> EnvironmentValue {
        let release = facts.osRelease.map(SystemFacts.parseOSRelease)
        return [
            "name": optional(release?.name),
            "version": optional(release?.version),
            "kernel": optional(facts.kernelRelease),
            "kernel_name": optional(facts.kernelName),
            "architecture": optional(facts.architecture),
            "hostname": optional(facts.hostname),
            "uptime_seconds": facts.uptimeSeconds.map(EnvironmentValue.number) ?? .null,
        ]
    }

    static func runtimeSection(_ build: BuildInfo) -> EnvironmentValue {
        #if DEBUG
        let configuration: EnvironmentValue = "debug"
        #else
        let configuration: EnvironmentValue = "release"
        #endif
        return [
            "swift_version": .string(build.swiftVersion),
            "build_configuration": configuration,
            "vitals_version": .string(build.version),
            "vitals_revision": .string(build.revision),
        ]
    }

    static func processSection(_ facts: SystemFacts) -> EnvironmentValue {
        let variables = facts.environment.sorted { $0.key < $1.key }.map {
            EnvironmentValue.Member($0.key, .string($0.value))
        }
        return [
            "pid": .number(Double(facts.pid)),
            "arguments": .array(facts.arguments.map(EnvironmentValue.string)),
            "working_directory": optional(facts.workingDirectory),
            "user": optional(facts.userName),
            "uid": .number(Double(facts.uid)),
            "start_time": optional(facts.startTime.map(InternetDate.rfc3339)),
            "resident_memory_bytes": facts.residentMemoryBytes.map(EnvironmentValue.number) ?? .null,
            "environment": .object(variables),
        ]
    }

    private static func optional(_ text: String?) -> EnvironmentValue {
        text.map(EnvironmentValue.string) ?? .null
    }
}
