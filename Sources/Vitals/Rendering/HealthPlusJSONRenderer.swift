/// Renders checks as `application/health+json`, the IETF draft "Health Check
/// Response Format for HTTP APIs" (draft-inadarei-api-health-check).
///
/// The top-level `status` is the checks' `overallStatus`. Each check
/// contributes a `<name>:responseTime` entry (the duration of its last run, in
/// seconds) and one `<name>:<observation>` entry per observation of its last run;
/// every entry is an array, as the draft requires, and repeats the check's
/// `componentId`, `componentType`, `status` and `time`, plus `output` unless it passes.
///
/// ```swift
/// let body = HealthPlusJSONRenderer.render(snapshot.checks, description: "Vitals on web-1")
/// ```
public enum HealthPlusJSONRenderer {
    /// The media type of the document.
    public static let contentType = "application/health+json"

    /// The document for `checks`.
    /// - Parameters:
    ///   - checks: The checks to report, in the order their entries should appear.
    ///   - description: A human-friendly description of the service.
    ///   - version: The public version of the service, if it should be shown.
    ///   - releaseId: The release identifier of the service, if it should be shown.
    public static func render(
        _ checks: [CheckSnapshot],
        description: String,
        version: String? = nil,
        releaseId: String? = nil
    ) -> [UInt8] {
        var out = ByteWriter(capacity: 128 + checks.count * 400)
        out.write("{\"status\":\"\(checks.overallStatus.rawValue)\"")
        if let version {
            out.write(",\"version\":")
            out.write(jsonString: version)
        }
        if let releaseId {
            out.write(",\"releaseId\":")
            out.write(jsonString: releaseId)
        }
        out.write(",\"description\":")
        out.write(jsonString: description)
        out.write(",\"checks\":{")
        for (index, entry) in groupedEntries(checks).enumerated() {
            if index > 0 { out.write(",") }
            out.write(jsonString: entry.key)
            out.write(":[")
            for (itemIndex, item) in entry.items.enumerated() {
                if itemIndex > 0 { out.write(",") }
                write(item, to: &out)
            }
            out.write("]")
        }
        out.write("}}\n")
        return out.bytes
    }

    private struct Item {
        var check: CheckSnapshot
        var value: Double?
        var unit: String?
    }

    /// The entries keyed `component:measurement`; equal keys share one array.
    private static func groupedEntries(_ checks: [CheckSnapshot]) -> [(key: String, items: [Item])] {
        var entries: [(key: String, items: [Item])] = []
        var positions: [String: Int] = [:]
        func add(_ key: String, _ item: Item) {
            if let position = positions[key] {
                entries[position].items.append(item)
            } else {
                positions[key] = entries.count
                entries.append((key, [item]))
            }
        }
        for check in checks {
            let component = keyPart(check.name)
            add(component + ":responseTime", Item(check: check, value: check.last?.duration, unit: "s"))
            for observation in check.last?.outcome.observations ?? [] {
                let unit = observation.unit == "%" ? "percent" : observation.unit
                add(
                    component + ":" + keyPart(observation.name),
                    Item(check: check, value: observation.value, unit: unit)
                )
            }
        }
        return entries
    }

    /// The draft forbids a colon inside either part of a key.
    private static func keyPart(_ text: String) -> String {
        text.contains(":") ? text.replacing(":", with: "_") : text
    }

    private static func write(_ item: Item, to out: inout ByteWriter) {
        let check = item.check
        out.write("{\"componentId\":")
        out.write(jsonString: check.name)
        out.write(",\"componentType\":")
        out.write(jsonString: check.type)
        if let value = item.value {
            out.write(",\"observedValue\":")
            out.write(jsonNumber: value)
            if let unit = item.unit {
                out.write(",\"observedUnit\":")
                out.write(jsonString: unit)
            }
        }
        out.write(",\"status\":\"\(check.status.rawValue)\"")
        if let last = check.last {
            out.write(",\"time\":")
            out.write(jsonString: InternetDate.rfc3339(last.finished))
        }
        if check.status != .pass {
            out.write(",\"output\":")
            out.write(jsonString: check.output)
        }
        out.write("}")
    }
}
