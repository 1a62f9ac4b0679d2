/// Renders the recent status changes of checks as an RSS 2.0 or Atom 1.0 feed.
///
/// Each change of a check's reported status (``CheckSnapshot/changes``) is one
/// item, newest first, at most ``maximumItems`` in all. An item's title reads
/// `api: pass → fail`, its text is the message of the run that caused the change,
/// and its id, `urn:vitals:<name>:<milliseconds since 1970>`, stays the same
/// across renders.
///
/// ```swift
/// let rss = FeedRenderer.renderRSS(snapshot.checks, hostname: "web-1", baseURL: "http://web-1:9469/", now: now)
/// ```
public enum FeedRenderer {
    /// The media type of RSS.
    public static let rssContentType = "application/rss+xml; charset=utf-8"
    /// The media type of Atom.
    public static let atomContentType = "application/atom+xml; charset=utf-8"
    /// The most items a feed holds.
    public static let maximumItems = 50

    private struct Item {
        var check: String
        var change: StatusChange

        var title: String {
            "\(check): \(change.from?.rawValue ?? "pending") → \(change.to.rawValue)"
        }

        var id: String {
            let milliseconds = Int64((change.timestamp * 1000).rounded())
            return "urn:vitals:\(FeedRenderer.urnPart(check)):\(milliseconds)"
        }
    }

    /// An RSS 2.0 document.
    /// - Parameters:
    ///   - checks: The checks whose changes to list.
    ///   - hostname: The host, shown in the title `Vitals on <hostname>`.
    ///   - baseURL: Where people find the status page; the channel and items link to it.
    ///   - now: The time of rendering in Unix seconds, used as `lastBuildDate` when there are no items.
    public static func renderRSS(_ checks: [CheckSnapshot], hostname: String, baseURL: String, now: Double) -> [UInt8] {
        let items = recentChanges(checks)
        var out = ByteWriter(capacity: 512 + items.count * 400)
        out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n")
        element(&out, "title", "Vitals on \(hostname)")
        element(&out, "link", baseURL)
        element(&out, "description", "Status changes of the health checks on \(hostname)")
        element(&out, "lastBuildDate", InternetDate.rfc822(items.first?.change.timestamp ?? now))
        element(&out, "generator", "Vitals")
        for item in items {
            out.write("<item>\n")
            element(&out, "title", item.title)
            element(&out, "link", baseURL)
            element(&out, "description", item.change.message)
            out.write("<guid isPermaLink=\"false\">")
            out.write(markup: item.id)
            out.write("</guid>\n")
            element(&out, "pubDate", InternetDate.rfc822(item.change.timestamp))
            out.write("</item>\n")
        }
        out.write("</channel>\n</rss>\n")
        return out.bytes
    }

    /// An Atom 1.0 document.
    /// - Parameters:
    ///   - checks: The checks whose changes to list.
    ///   - hostname: The host, shown in the title `Vitals on <hostname>` and part of the feed id.
    ///   - baseURL: Where people find the status page; the feed and entries link to it.
    ///   - now: The time of rendering in Unix seconds, used as the feed's `updated` when there are no entries.
    public static func renderAtom(_ checks: [CheckSnapshot], hostname: String, baseURL: String, now: Double) -> [UInt8]
    {
        let items = recentChanges(checks)
        var out = ByteWriter(capacity: 512 + items.count * 400)
        out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n")
        element(&out, "id", "urn:vitals:\(urnPart(hostname))")
        element(&out, "title", "Vitals on \(hostname)")
        element(&out, "updated", InternetDate.rfc3339(items.first?.change.timestamp ?? now))
        out.write("<author><name>Vitals</name></author>\n")
        link(&out, baseURL)
        element(&out, "generator", "Vitals")
        for item in items {
            out.write("<entry>\n")
            element(&out, "id", item.id)
            element(&out, "title", item.title)
            element(&out, "updated", InternetDate.rfc3339(item.change.timestamp))
            link(&out, baseURL)
            element(&out, "summary", item.change.message)
            out.write("</entry>\n")
        }
        out.write("</feed>\n")
        return out.bytes
    }

    /// Every change of every check, newest first (then by name), cut to ``maximumItems``.
    private static func recentChanges(_ checks: [CheckSnapshot]) -> [Item] {
        let all = checks.flatMap { check in check.changes.map { Item(check: check.name, change: $0) } }
        let sorted = all.sorted {
            $0.change.timestamp != $1.change.timestamp
                ? $0.change.timestamp > $1.change.timestamp : $0.check < $1.check
        }
        return Array(sorted.prefix(maximumItems))
    }

    private static func element(_ out: inout ByteWriter, _ name: String, _ text: String) {
        out.write("<\(name)>")
        out.write(markup: text)
        out.write("</\(name)>\n")
    }

    private static func link(_ out: inout ByteWriter, _ href: String) {
        out.write("<link rel=\"alternate\" type=\"text/html\" href=\"")
        out.write(markup: href)
        out.write("\"/>\n")
    }

    /// A name as it may appear inside a URN: unreserved characters kept, the rest percent-encoded.
    static func urnPart(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                result += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0xf)])"
            }
        }
        return result
    }
}
