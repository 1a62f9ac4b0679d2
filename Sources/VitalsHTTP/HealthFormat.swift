import Vitals

/// The formats `/health` speaks, chosen by `?format=` or else the `Accept` header.
enum HealthFormat: String, CaseIterable, Sendable {
    // In order of preference when the Accept header rates several equally.
    case json
    case healthJSON = "health+json"
    case text
    case openMetrics = "openmetrics"
    case rss
    case atom
    case html

    var mediaType: String {
        switch self {
        case .json: "application/json"
        case .healthJSON: "application/health+json"
        case .text: "text/plain"
        case .openMetrics: "application/openmetrics-text"
        case .rss: "application/rss+xml"
        case .atom: "application/atom+xml"
        case .html: "text/html"
        }
    }

    var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .healthJSON: HealthPlusJSONRenderer.contentType
        case .text: TextRenderer.contentType
        case .openMetrics: MetricsFormat.openMetrics.contentType
        case .rss: FeedRenderer.rssContentType
        case .atom: FeedRenderer.atomContentType
        case .html: StatusPageRenderer.contentType
        }
    }

    /// Feeds report changes, not health: they always answer 200.
    var alwaysOK: Bool { self == .rss || self == .atom }

    /// The format for a request, or `nil` when nothing it allows can be produced (406).
    /// `?format=` wins; else the best-rated type in `Accept` (an explicit type beats a
    /// wildcard at the same q); JSON when there is no `Accept` header.
    static func negotiate(query: String?, accept: String?) -> HealthFormat? {
        if let query { return HealthFormat(rawValue: query) }
        let header = AcceptHeader(accept)
        if header.isEmpty { return .json }
        var best: (format: HealthFormat, quality: Double, explicit: Bool)?
        for format in allCases {
            let explicit = header.explicitQuality(ofMediaType: format.mediaType)
            let quality = explicit > 0 ? explicit : header.quality(ofMediaType: format.mediaType)
            guard quality > 0 else { continue }
            if let current = best,
                current.quality > quality || (current.quality == quality && (current.explicit || explicit == 0))
            {
                continue
            }
            best = (format, quality, explicit > 0)
        }
        return best?.format
    }
}
