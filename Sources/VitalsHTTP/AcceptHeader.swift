/// A parsed `Accept` or `Accept-Encoding` header: media ranges with their q-values.
struct AcceptHeader: Sendable {
    struct Entry: Sendable {
        var value: String
        var parameters: [String: String]
        var quality: Double
    }

    let entries: [Entry]

    init(_ header: String?) {
        entries = (header ?? "").split(separator: ",").compactMap { part in
            let pieces = part.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let value = pieces.first, !value.isEmpty else { return nil }
            var parameters: [String: String] = [:]
            var quality = 1.0
            for piece in pieces.dropFirst() {
                let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard pair.count == 2 else { continue }
                let name = pair[0].lowercased()
                if name == "q" {
                    quality = Double(pair[1]) ?? 0
                } else {
                    parameters[name] = pair[1].trimmingCharacters(in: "\"")
                }
            }
            return Entry(value: value.lowercased(), parameters: parameters, quality: quality)
        }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The q-value the header gives `mediaType` (`type/subtype`), using the most
    /// specific matching range; 0 when nothing matches.
    func quality(ofMediaType mediaType: String) -> Double {
        let type = mediaType.split(separator: "/").first.map(String.init) ?? mediaType
        var best: (specificity: Int, quality: Double)?
        for entry in entries {
            let specificity: Int
            if entry.value == mediaType {
                specificity = 2
            } else if entry.value == "\(type)/*" {
                specificity = 1
            } else if entry.value == "*/*" {
                specificity = 0
            } else {
                continue
            }
            if best == nil || specificity > best!.specificity {
                best = (specificity, entry.quality)
            }
        }
        return best?.quality ?? 0
    }

    /// The q-value of an entry naming exactly `mediaType`, ignoring wildcards; 0 when none does.
    func explicitQuality(ofMediaType mediaType: String) -> Double {
        entries.filter { $0.value == mediaType }.map(\.quality).max() ?? 0
    }

    /// The q-value of a content coding such as `gzip`; `*` applies to codings not named.
    func quality(ofCoding coding: String) -> Double {
        entries.first { $0.value == coding }?.quality ?? entries.first { $0.value == "*" }?.quality ?? 0
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
