import Foundation
import NIOHTTP1
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Every `/health` format, negotiation, HEAD, the status page in a real browser, and `/environment`.
@Suite(.tags(.integration)) struct OutputTests {
    /// A daemon with a passing, a warning and a failing (critical) check, each run at least once.
    private func startMixedDaemon(
        _ directory: TemporaryDirectory,
        extra: String = "",
        environment: [String: String] = [:],
        interval: String = "1s"
    ) async throws -> DaemonProcess {
        let warn = try directory.write(
            "warn.sh",
            "#!/bin/sh\necho 'WARNING - <b>almost</b> full'\nexit 1\n",
            executable: true
        )
        let fail = try directory.write("fail.sh", "#!/bin/sh\necho 'CRITICAL - down & out'\nexit 2\n", executable: true)
        let config = """
            \(extra)
            checks:
              - {name: good, type: disk, path: /, warn_free_percent: 0, fail_free_percent: 0, tags: [ready], interval: \(interval), timeout: 1s}
              - {name: meh, type: exec, command: ["\(warn)"], interval: \(interval), timeout: 1s}
              - {name: broken, type: exec, command: ["\(fail)"], tags: [live], interval: \(interval), timeout: 1s}
            """
        let daemon = try await DaemonProcess(config: config, in: directory, environment: environment)
        try await waitUntil("every check to run") {
            let results = try await daemon.health().json["results"] as? [[String: Any]] ?? []
            return results.count == 3 && results.allSatisfy { $0["output"] as? String != "pending" }
        }
        return daemon
    }

    @Test func everyFormatHasItsContentTypeAndStatus() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let expected: [(String, String, Int)] = [
            ("json", "application/json; charset=utf-8", 500),
            ("health+json", "application/health+json", 500),
            ("text", "text/plain; charset=utf-8", 500),
            ("openmetrics", "application/openmetrics-text; version=1.0.0; charset=utf-8", 500),
            ("rss", "application/rss+xml; charset=utf-8", 200),
            ("atom", "application/atom+xml; charset=utf-8", 200),
            ("html", "text/html; charset=utf-8", 500),
        ]
        for (format, contentType, status) in expected {
            let response = try await daemon.request("/health?format=\(format)")
            #expect(response.status == status, "\(format)")
            #expect(response.headers.first(name: "Content-Type") == contentType, "\(format)")
            #expect(!response.body.isEmpty, "\(format)")
        }
    }

    @Test func textHasOneLinePerCheck() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let lines = try await daemon.request("/health?format=text").body.split(separator: "\n").map(String.init)
        #expect(lines.contains("good: OK"))
        #expect(lines.contains("meh: WARNING WARNING - <b>almost</b> full"))
        #expect(lines.contains("broken: FAILED CRITICAL - down & out"))
        #expect(lines.count == 3)
    }

    @Test func healthJSONFollowsTheDraft() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let body = try await daemon.request("/health?format=health+json").body
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "fail")
        let checks = try #require(json["checks"] as? [String: [[String: Any]]])
        let good = try #require(checks["good:responseTime"]?.first)
        #expect(good["componentId"] as? String == "good")
        #expect(good["componentType"] as? String == "disk")
        #expect(good["status"] as? String == "pass")
        #expect(good["observedUnit"] as? String == "s")
        #expect(good["observedValue"] is Double)
        #expect(good["time"] is String)
        let broken = try #require(checks["broken:responseTime"]?.first)
        #expect(broken["status"] as? String == "fail")
        #expect(broken["output"] as? String == "CRITICAL - down & out")
        #expect(checks.keys.contains { $0.hasPrefix("good:free") }, "observations become measurements: \(checks.keys)")
    }

    @Test func feedsAreWellFormedXMLWithTheRequiredElements() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let rss = try ElementCollector.parse(try await daemon.request("/health?format=rss").body)
        #expect(rss.root == "rss")
        for element in ["channel", "title", "link", "description", "item", "guid", "pubDate"] {
            #expect(rss.names.contains(element), "rss lacks \(element)")
        }
        // The parser hands text over in pieces around entities; join them before looking.
        #expect(rss.texts.joined().contains("CRITICAL - down & out"), "escaped and read back")
        let atom = try ElementCollector.parse(try await daemon.request("/health?format=atom").body)
        #expect(atom.root == "feed")
        for element in ["id", "title", "updated", "entry"] {
            #expect(atom.names.contains(element), "atom lacks \(element)")
        }
        #expect(atom.namespace == "http://www.w3.org/2005/Atom")
    }

    @Test func openMetricsFormatIsLimitedToTheTagAndParses() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let body = try await daemon.request("/health/ready?format=openmetrics").body
        #expect(body.contains("healthcheck_success{check=\"good\""))
        #expect(!body.contains("check=\"broken\""))
        #expect(body.hasSuffix("# EOF\n"))
    }

    @Test(
        arguments: [
            ("application/health+json", "application/health+json"),
            ("text/plain;q=0.5, application/json;q=0.9", "application/json; charset=utf-8"),
            ("text/*", "text/plain; charset=utf-8"),
            ("*/*", "application/json; charset=utf-8"),
            ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"),
            ("application/json;q=0, */*;q=0.1", "application/health+json"),
            ("application/atom+xml", "application/atom+xml; charset=utf-8"),
            ("application/xml", nil),
            ("image/png, text/csv;q=0.5", nil),
        ] as [(String, String?)]
    )
    func acceptHeaderChoosesTheFormat(accept: String, contentType: String?) async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let response = try await daemon.request("/health", headers: [("Accept", accept)])
        if let contentType {
            #expect(response.headers.first(name: "Content-Type") == contentType)
        } else {
            #expect(response.status == 406)
        }
    }

    @Test func formatParameterWinsOverAcceptAndUnknownFormatsAre406() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let text = try await daemon.request("/health?format=text", headers: [("Accept", "application/json")])
        #expect(text.headers.first(name: "Content-Type") == "text/plain; charset=utf-8")
        #expect(try await daemon.request("/health?format=yaml").status == 406)
        #expect(try await daemon.request("/health/ready?format=yaml").status == 406)
        #expect(try await daemon.request("/health/nope?format=text").status == 404)
    }

    @Test(arguments: ["/health", "/health/ready", "/health?format=html", "/metrics", "/"])
    func headAnswersLikeGetWithoutABody(path: String) async throws {
        let directory = try TemporaryDirectory()
        // Hourly checks: after their first run the documents stay the same between GET and HEAD.
        let daemon = try await startMixedDaemon(directory, interval: "1h")
        let get = try await daemon.request(path)
        let head = try await daemon.head(path)
        #expect(head.status == get.status)
        #expect(head.headers["content-type"] == get.headers.first(name: "Content-Type"))
        #expect(head.bodyBytes == 0)
        let length = Int(head.headers["content-length"] ?? "") ?? -1
        // The status page shows ages, and /metrics live process figures, so their sizes may differ slightly.
        if path == "/" || path.contains("html") || path == "/metrics" {
            #expect(length > 0)
        } else {
            #expect(length == get.body.utf8.count)
        }
    }

    @Test func statusPageRendersInARealBrowserWithFailingChecksFirst() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        let page = try await daemon.request("/")
        #expect(page.status == 200, "the page is for people: 200 even while a critical check fails (CONTRACT §4)")
        #expect(!page.body.contains("<b>almost</b>"), "messages are escaped")
        let dom = try await runChromium(["--dump-dom", "http://127.0.0.1:\(daemon.port)/"])
        let rows = dom.components(separatedBy: "data-check=\"").dropFirst().compactMap {
            $0.split(separator: "\"").first
        }
        #expect(rows.map(String.init) == ["broken", "meh", "good"], "\(rows)")
        #expect(dom.contains("data-status=\"fail\""))
    }

    private func runChromium(_ arguments: [String]) async throws -> String {
        let profile = try TemporaryDirectory()
        let result = try await runProcess(
            "chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)"] + arguments
        )
        #expect(result.status == 0, "chromium (installed by make test) must run")
        return result.stdout
    }

    @Test func environmentIsOffByDefault() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await startMixedDaemon(directory)
        #expect(try await daemon.request("/environment").status == 404)
    }

    @Test func environmentShowsSectionsAndNoSecret() async throws {
        let directory = try TemporaryDirectory()
        let secrets = [
            "hunter2-env", "pw-in-url-42", "bearer-abc-123", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        ]
        let extra = """
            environment: {enabled: true, include_os: false}
            web:
              headers: {X-Api-Key: "\(secrets[2])"}
            """
        let daemon = try await startMixedDaemon(
            directory,
            extra: extra,
            environment: [
                "VITALS_TEST_PASSWORD": secrets[0], "VITALS_TEST_URL": "https://u:\(secrets[1])@db.example/x",
                "VITALS_TEST_HARMLESS": secrets[3],
            ]
        )
        let response = try await daemon.request("/environment")
        #expect(response.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        #expect(json["os"] == nil, "switched off")
        #expect(json["runtime"] != nil && json["process"] != nil && json["config"] != nil)
        for secret in secrets {
            #expect(!response.body.contains(secret), "\(secret) leaked")
        }
        #expect(response.body.contains("VITALS_TEST_PASSWORD"), "the name stays, the value goes")
    }
}

/// Collects element names and text from an XML document with Foundation's parser.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var names: Set<String> = []
    var texts: [String] = []
    var root: String?
    var namespace: String?

    static func parse(_ text: String) throws -> ElementCollector {
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldProcessNamespaces = true
        parser.delegate = collector
        guard parser.parse() else {
            throw TimedOut(what: "well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        }
        return collector
    }

    func parser(
        _ parser: XMLParser,
        didStartElement name: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil {
            root = name
            namespace = namespaceURI
        }
        names.insert(name)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        texts.append(string)
    }
}
