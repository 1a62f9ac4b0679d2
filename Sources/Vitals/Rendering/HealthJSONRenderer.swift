/// Renders the JSON body of `/health` (CONTRACT §4).
///
/// The per-check array is the costly part and depends only on the snapshot, so
/// it is rendered by ``renderResults(_:)`` and cached; ``renderDocumentPrefix(healthy:hostname:timestamp:)``
/// and ``documentSuffix`` wrap it with the live header.
public enum HealthJSONRenderer {
    /// The `results` array for `checks`.
    public static func renderResults(_ checks: [CheckSnapshot]) -> [UInt8] {
        var out = ByteWriter(capacity: 64 + checks.count * 320)
        out.write("[")
        for (index, check) in checks.enumerated() {
            if index > 0 { out.write(",") }
            out.write("{\"checker\":")
            out.write(jsonString: check.name)
            out.write(",\"type\":")
            out.write(jsonString: check.type)
            out.write(",\"status\":\"\(check.status.rawValue)\",\"passed\":\(check.status != .fail)")
            out.write(",\"output\":")
            out.write(jsonString: check.output)
            out.write(",\"critical\":\(check.critical),\"tags\":[")
            for (tagIndex, tag) in check.tags.enumerated() {
                if tagIndex > 0 { out.write(",") }
                out.write(jsonString: tag)
            }
            out.write("],\"timestamp\":")
            out.write(jsonNumber: check.last?.finished)
            out.write(",\"expires\":")
            out.write(jsonNumber: check.expires)
            out.write(",\"response_time\":")
            out.write(jsonNumber: check.last?.duration)
            if let reason = check.last?.outcome.reason {
                out.write(",\"reason\":")
                out.write(jsonString: reason.rawValue)
            }
            if let observations = check.last?.outcome.observations, !observations.isEmpty {
                out.write(",\"observations\":[")
                for (observationIndex, observation) in observations.enumerated() {
                    if observationIndex > 0 { out.write(",") }
                    out.write("{\"name\":")
                    out.write(jsonString: observation.name)
                    out.write(",\"value\":")
                    out.write(jsonNumber: observation.value)
                    if let unit = observation.unit {
                        out.write(",\"unit\":")
                        out.write(jsonString: unit)
                    }
                    out.write("}")
                }
                out.write("]")
            }
            out.write("}")
        }
        out.write("]")
        return out.bytes
    }

    /// The opening of the document, up to and including `"results":`; the results
    /// array and ``documentSuffix`` follow it.
    public static func renderDocumentPrefix(healthy: Bool, hostname: String, timestamp: Double) -> [UInt8] {
        var out = ByteWriter(capacity: 128)
        out.write("{\"status\":\"\(healthy ? "success" : "failure")\",\"hostname\":")
        out.write(jsonString: hostname)
        // Always three decimals, so that the length (and HEAD's Content-Length) is stable.
        let milliseconds = Int64((timestamp * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        out.write(
            ",\"timestamp\":\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction)"
        )
        out.write(",\"results\":")
        return out.bytes
    }

    /// What closes the document after the results array.
    public static let documentSuffix: [UInt8] = Array("}\n".utf8)
}
