import Foundation
import Testing

@testable import Vitals

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects the text of every element by its path, e.g. `rss/channel/item/title`.
private final class ElementCollector: NSObject, XMLParserDelegate {
    private var path: [String] = []
    private var text = ""
    private(set) var elements: [(path: String, text: String, attributes: [String: String])] = []
    private var attributes: [[String: String]] = []

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        path.append(elementName)
        attributes.append(attributeDict)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(
        _ parser: XMLParser,
        didEndElement elementName: String,
        namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        elements.append((path.joined(separator: "/"), text, attributes.removeLast()))
        path.removeLast()
        text = ""
    }

    func texts(_ path: String) -> [String] {
        elements.filter { $0.path == path }.map(\.text)
    }

    static func parse(_ bytes: [UInt8]) throws -> ElementCollector {
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = collector
        try #require(parser.parse(), "\(String(describing: parser.parserError))")
        return collector
    }
}

@Suite struct FeedRendererTests {
    private let hostile = "<script>&\"'"

    private func checks() -> [CheckSnapshot] {
        recordedChecks([
            Run(name: "api", outcome: .pass("HTTP 200"), at: 1_700_000_010),
            Run(name: "db", outcome: .pass("ok"), at: 1_700_000_020),
            Run(name: "api", outcome: .fail(hostile), at: 1_700_000_030),
            Run(name: "api", outcome: .fail("still down"), at: 1_700_000_040),
        ])
    }

    @Test func rssHasTheRequiredElementsNewestFirst() throws {
        let bytes = FeedRenderer.renderRSS(checks(), hostname: "web&1", baseURL: "http://web-1:9469/?a=1&b=2", now: 1)
        let feed = try ElementCollector.parse(bytes)
        #expect(feed.texts("rss/channel/title") == ["Vitals on web&1"])
        #expect(feed.texts("rss/channel/link") == ["http://web-1:9469/?a=1&b=2"])
        #expect(feed.texts("rss/channel/description").count == 1)
        #expect(
            feed.texts("rss/channel/item/title") == ["api: pass → fail", "db: pending → pass", "api: pending → pass"]
        )
        #expect(feed.texts("rss/channel/item/description").first == hostile)
        #expect(feed.texts("rss/channel/item/guid").first == "urn:vitals:api:1700000030000")
        #expect(feed.texts("rss/channel/item/pubDate").first == "Tue, 14 Nov 2023 22:13:50 GMT")
        #expect(!String(decoding: bytes, as: UTF8.self).contains("<script>"))
    }

    @Test func atomHasTheRequiredElementsNewestFirst() throws {
        let bytes = FeedRenderer.renderAtom(checks(), hostname: "web-1", baseURL: "http://web-1:9469/", now: 1)
        let feed = try ElementCollector.parse(bytes)
        #expect(feed.texts("feed/id") == ["urn:vitals:web-1"])
        #expect(feed.texts("feed/title") == ["Vitals on web-1"])
        #expect(feed.texts("feed/updated") == ["2023-11-14T22:13:50Z"])
        #expect(feed.texts("feed/author/name") == ["Vitals"])
        #expect(
            feed.texts("feed/entry/id") == [
                "urn:vitals:api:1700000030000", "urn:vitals:db:1700000020000", "urn:vitals:api:1700000010000",
            ]
        )
        #expect(feed.texts("feed/entry/title").count == 3)
        #expect(feed.texts("feed/entry/updated").count == 3)
        #expect(feed.texts("feed/entry/summary").first == hostile)
        let link = try #require(feed.elements.first { $0.path == "feed/link" })
        #expect(link.attributes["href"] == "http://web-1:9469/")
        #expect(!String(decoding: bytes, as: UTF8.self).contains("<script>"))
    }

    @Test func emptyFeedsAreStillValid() throws {
        let rss = try ElementCollector.parse(FeedRenderer.renderRSS([], hostname: "h", baseURL: "/", now: 0))
        #expect(rss.texts("rss/channel/lastBuildDate") == ["Thu, 01 Jan 1970 00:00:00 GMT"])
        let atom = try ElementCollector.parse(FeedRenderer.renderAtom([], hostname: "h", baseURL: "/", now: 0))
        #expect(atom.texts("feed/updated") == ["1970-01-01T00:00:00Z"])
        #expect(atom.texts("feed/entry/id").isEmpty)
    }

    @Test func keepsAtMostFiftyItems() throws {
        let runs = (0..<30).flatMap { index in
            [
                Run(name: "a\(index)", outcome: .pass("ok"), at: Double(index)),
                Run(name: "a\(index)", outcome: .fail("down"), at: Double(index) + 100),
            ]
        }
        let feed = try ElementCollector.parse(
            FeedRenderer.renderRSS(recordedChecks(runs), hostname: "h", baseURL: "/", now: 0)
        )
        let guids = feed.texts("rss/channel/item/guid")
        #expect(guids.count == 50)
        #expect(guids.first == "urn:vitals:a29:129000")
    }

    @Test func percentEncodesNamesInIds() {
        #expect(FeedRenderer.urnPart("db \"main\"") == "db%20%22main%22")
    }
}
