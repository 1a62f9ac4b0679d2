import Vitals
import Yams

extension ConfigValidator {
    /// The keys every check has, whatever its type.
    static let commonCheckKeys = [
        "name", "type", "interval", "timeout", "failure_threshold", "success_threshold", "critical", "tags",
        "labels", "metrics",
    ]

    /// Reads the `checks` list. `global` and `metrics` are nil when their section is invalid (already
    /// reported). `defined` holds where each name seen so far was defined (in this file or an earlier
    /// one), and gains this list's names.
    mutating func checkSpecs(
        _ node: Node,
        global: GlobalSettings?,
        metrics: MetricsSettings?,
        defined: inout [String: CheckSpec.Place]
    ) -> [CheckSpec] {
        if isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            report("checks: must be a list of checks", at: node.mark)
            return []
        }
        var specs: [CheckSpec] = []
        for (index, item) in sequence.enumerated() {
            if let spec = checkSpec(
                item,
                index: index,
                global: global,
                metrics: metrics,
                defined: &defined
            ) {
                specs.append(spec)
            }
        }
        return specs
    }

    /// Reads the keys of a check type.
    private mutating func typeSettings(
        _ type: any CheckSettings.Type,
        from check: ConfigMapping
    ) -> (any CheckSettings)? {
        func read<Settings: CheckSettings>(_: Settings.Type, _ validator: inout ConfigValidator) -> (any CheckSettings)?
        {
            validator.settings(Settings.self, from: check)
        }
        return read(type, &self)
    }

    private mutating func checkSpec(
        _ node: Node,
        index: Int,
        global: GlobalSettings?,
        metrics inheritedMetrics: MetricsSettings?,
        defined: inout [String: CheckSpec.Place]
    ) -> CheckSpec? {
        let unnamed = ConfigScope.check(index: index, name: nil)
        guard case .mapping = node, var check = mapping(node, scope: unnamed, described: "", allowNull: false) else {
            report("checks[\(index)]: must be a mapping with at least name and type", at: node.mark)
            return nil
        }

        let name = read(check, "name", .required, .name)
        check.scope = .check(index: index, name: name)
        if let name, let nameNode = check.value("name") {
            let line = nameNode.mark?.line ?? 0
            if let first = defined[name] {
                let place = first.path == path ? "line \(first.line)" : "\(first.path):\(first.line)"
                report(check, "name", "duplicate name \"\(name)\" (first defined at \(place))")
            } else {
                defined[name] = CheckSpec.Place(path: path, line: line)
            }
        }

        let type = read(check, "type", .required, .checkType)
        // Without a known type, only the common keys can be judged.
        if let type {
            rejectUnknownKeys(in: check, allowed: Self.commonCheckKeys + type.keyNames)
        }

        func inherited<Value>(_ value: (GlobalSettings) -> Value) -> Presence<Value> {
            global.map { .defaulted(value($0)) } ?? .optional
        }
        let interval = read(check, "interval", inherited(\.interval), .atLeast(GlobalSettings.minimumInterval))
        var timeout = read(check, "timeout", inherited(\.timeout), .atLeast(GlobalSettings.minimumTimeout))
        if let interval, let inheritedOrSet = timeout {
            var rules = KeyRules(validator: self, mapping: check, rejected: [])
            timeout = rules.clampedTimeout(inheritedOrSet, interval: interval)
            self = rules.validator
        }
        let failureThreshold = read(check, "failure_threshold", inherited(\.failureThreshold), .threshold)
        let successThreshold = read(check, "success_threshold", inherited(\.successThreshold), .threshold)
        let critical = read(check, "critical", .defaulted(true), .bool)
        let tags = read(check, "tags", .defaulted([]), .tags)
        let ownLabels = read(check, "labels", .defaulted([:]), .labels)
        let labels = ownLabels.flatMap { own in global.map { $0.labels.merging(own) { _, check in check } } }
        let metrics = read(check, "metrics", inheritedMetrics.map { .defaulted($0) } ?? .optional, .metrics)
        let settings = type.flatMap { typeSettings($0, from: check) }

        guard let name, let type, let interval, let timeout, let failureThreshold, let successThreshold, let critical,
            let tags, let labels, let metrics, let settings
        else {
            precondition(!diagnostics.isEmpty, "checks[\(index)] was rejected without a diagnostic")
            return nil
        }
        return CheckSpec(
            name: name,
            type: type.typeName,
            interval: interval,
            timeout: timeout,
            failureThreshold: failureThreshold,
            successThreshold: successThreshold,
            critical: critical,
            tags: tags,
            labels: labels,
            latencyBuckets: metrics.latencyBuckets,
            settings: settings,
            line: check.mark?.line ?? 0,
            column: check.mark?.column ?? 0
        )
    }
}

extension ValueReader where Value == String {
    /// A check name or tag: `[A-Za-z0-9_.-]+`.
    static var name: ValueReader {
        string.checked("name: letters, digits, `_`, `.`, `-`; at most \(CheckSpec.maximumNameLength) bytes") { name in
            if name.utf8.count > CheckSpec.maximumNameLength {
                return "must be at most \(CheckSpec.maximumNameLength) bytes long"
            }
            return CheckSpec.isValidName(name) ? nil : "must contain only letters, digits, \"_\", \".\" and \"-\""
        }
    }
}

extension ValueReader where Value == [String] {
    /// Tags: a list of names, each reported at its own item.
    static var tags: ValueReader {
        ValueReader(
            kind: "list of names",
            read: { validator, node, keyPath in
                guard case .sequence(let items) = node else {
                    validator.report("\(keyPath): must be a list of strings", at: node.mark)
                    return nil
                }
                var tags: [String] = []
                var valid = true
                for (index, item) in items.enumerated() {
                    if let tag = ValueReader<String>.name.read(&validator, item, "\(keyPath)[\(index)]") {
                        tags.append(tag)
                    } else {
                        valid = false
                    }
                }
                return valid ? tags : nil
            },
            show: ValueReader.stringList.show
        )
    }
}

extension ValueReader where Value == any CheckSettings.Type {
    /// The `type` key: one of ``CheckTypes/all``.
    static var checkType: ValueReader {
        ValueReader(
            kind: "check type",
            read: { validator, node, keyPath in
                guard let name = validator.nonEmptyString(node, at: keyPath) else { return nil }
                guard let type = CheckTypes.named(name) else {
                    let expected = CheckTypes.names.joined(separator: ", ")
                    validator.report("\(keyPath): unknown type \"\(name)\"; expected one of \(expected)", at: node.mark)
                    return nil
                }
                return type
            },
            show: { .string($0.typeName) }
        )
    }
}
