import Yams

/// A configuration file's top-level mapping, with the validator that reports its mistakes.
struct ConfigDocument {
    var validator: ConfigValidator
    let file: ConfigMapping
}

/// Walks a composed YAML document, collects every mistake, and builds a ``Configuration`` when there is none.
///
/// Each reading function returns nil only after it has reported why, so a nil value never goes unexplained.
struct ConfigValidator {
    let path: String
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String) {
        self.path = path
    }

    static let sectionKeys = ["global", "web", "environment", "watchdog", "metrics", "checks"]

    /// Validates the document; `root` is nil for an empty file.
    mutating func configuration(from root: Node?) -> Configuration? {
        guard let file = document(root, keys: Self.sectionKeys) else { return nil }
        var documents = [ConfigDocument(validator: self, file: file)]
        let configuration = Self.configuration(merging: &documents)
        self = documents[0].validator
        return configuration
    }

    /// Validates files read together (one, or several merged): each section from the one file that
    /// sets it, the checks of all in file order with each name used once in all. Every mistake is
    /// reported by the validator of the file it is in; nil when there is one.
    static func configuration(merging documents: inout [ConfigDocument]) -> Configuration? {
        func section<Section: ConfigSection>(_ name: String) -> Section? {
            let owners = documents.indices.filter { documents[$0].file.value(name) != nil }
            for later in owners.dropFirst() {
                let first = documents[owners[0]].validator.path
                documents[later].validator.report(
                    "\(name): also set in \(first); a section goes in one file",
                    at: documents[later].file.value(name)?.mark
                )
            }
            guard let owner = owners.first else { return Section() }
            return documents[owner].validator.section(documents[owner].file.value(name), named: name)
        }
        let global: GlobalSettings? = section("global")
        let web: WebSettings? = section("web")
        let environment: EnvironmentSettings? = section("environment")
        let watchdog: WatchdogSettings? = section("watchdog")
        let metrics: MetricsSettings? = section("metrics")
        var checks: [CheckSpec] = []
        var defined: [String: CheckSpec.Place] = [:]
        for index in documents.indices {
            guard let node = documents[index].file.value("checks") else { continue }
            checks += documents[index].validator.checkSpecs(node, global: global, metrics: metrics, defined: &defined)
        }
        if let first = documents.first, !documents.contains(where: { $0.file.value("checks") != nil }) {
            let message =
                documents.count == 1
                ? first.file.scope.message("missing required key \"checks\"")
                : "no file has the required key \"checks\""
            documents[0].validator.report(message, at: first.file.mark)
        }
        guard documents.allSatisfy({ $0.validator.diagnostics.isEmpty }), let global, let web, let environment,
            let watchdog, let metrics
        else { return nil }
        return Configuration(
            global: global,
            web: web,
            environment: environment,
            watchdog: watchdog,
            metrics: metrics,
            checks: checks
        )
    }

    /// The top-level mapping of a document whose keys are `keys` (an empty file is an empty mapping);
    /// other keys are reported. Nil, reported, when the document is no mapping.
    mutating func document(_ root: Node?, keys: [String]) -> ConfigMapping? {
        let rootNode = root ?? Node([(Node, Node)]())
        guard case .mapping = rootNode, let file = mapping(rootNode, scope: .root, described: "", allowNull: false)
        else {
            report("the file must be a mapping with the keys \(keys.joined(separator: ", "))", at: rootNode.mark)
            return nil
        }
        rejectUnknownKeys(in: file, allowed: keys)
        return file
    }

    // MARK: Sections

    /// Reads a section; an absent or empty one has every default.
    mutating func section<Section: ConfigSection>(_ node: Node?, named name: String) -> Section? {
        guard let node else { return Section() }
        guard let section = mapping(node, scope: .section(name), described: name, allowNull: true) else {
            return nil
        }
        rejectUnknownKeys(in: section, allowed: Section.keyNames)
        return settings(Section.self, from: section)
    }

    /// Reads the keys of `Section` from `mapping` (other keys are the caller's), then checks the rules
    /// between them. Returns nil when a key was rejected; a broken rule is reported but still yields the
    /// settings, so that checks can inherit a `global` section whose timeout is too long and be judged
    /// on their own.
    mutating func settings<Section: ConfigSection>(_: Section.Type, from mapping: ConfigMapping) -> Section? {
        var settings = Section()
        var rejected: Set<String> = []
        for key in Section.keys {
            if let node = mapping.value(key.name) {
                if !key.read(&self, node, mapping.scope.key(key.name), &settings) { rejected.insert(key.name) }
            } else if key.isRequired {
                report(mapping.scope.message("missing required key \"\(key.name)\""), at: mapping.mark)
                rejected.insert(key.name)
            }
        }
        var rules = KeyRules(validator: self, mapping: mapping, rejected: rejected)
        settings.validate(&rules)
        self = rules.validator
        return rejected.isEmpty ? settings : nil
    }

    // MARK: Reporting

    mutating func report(_ message: String, at mark: Mark?) {
        diagnostics.append(
            Diagnostic(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
        )
    }

    /// Reports a problem with the value of `key`, at that value.
    mutating func report(_ mapping: ConfigMapping, _ key: String, _ message: String) {
        report("\(mapping.scope.key(key)): \(message)", at: mapping.value(key)?.mark ?? mapping.mark)
    }
}
