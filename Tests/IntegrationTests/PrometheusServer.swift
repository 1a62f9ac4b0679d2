import AsyncHTTPClient
import Foundation
import NIOCore

/// The Debian `prometheus` server on a loopback port of its own choosing, with its storage in the
/// test's folder, scraping and evaluating every second.
final class PrometheusServer: Sendable {
    let process: ServerProcess

    var url: String { "http://127.0.0.1:\(process.port)" }

    /// `scrapeConfigs` is the YAML list under `scrape_configs:`, indented by two spaces.
    /// `features` are passed as `--enable-feature`, e.g. `native-histograms`.
    init(
        scrapeConfigs: String,
        ruleFiles: [String] = [],
        features: [String] = [],
        in directory: TemporaryDirectory
    ) async throws {
        let rules = ruleFiles.map { "\"\($0)\"" }.joined(separator: ", ")
        let config = try directory.write(
            "prometheus-\(UUID().uuidString).yml",
            """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [\(rules)]
            scrape_configs:
            \(scrapeConfigs)
            """
        )
        process = try await ServerProcess(
            "/usr/bin/prometheus",
            [
                "--config.file", config, "--storage.tsdb.path", directory.path + "/tsdb-\(UUID().uuidString)",
                "--web.listen-address", "127.0.0.1:0", "--log.level", "info",
            ] + features.map { "--enable-feature=\($0)" },
            portAfter: "msg=\"Listening on\" address",
            what: "prometheus"
        )
    }

    /// The label sets an instant query returns.
    func query(_ expression: String) async throws -> [[String: String]] {
        try await queryResults(expression).map { $0["metric"] as? [String: String] ?? [:] }
    }

    /// The results of an instant query as Prometheus sends them: `metric` and `value` or `histogram`.
    func queryResults(_ expression: String) async throws -> [[String: Any]] {
        var components = URLComponents(string: url + "/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: expression)]
        let request = HTTPClientRequest(url: components?.url?.absoluteString ?? "")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 32 << 20))
        let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        guard json?["status"] as? String == "success", let data = json?["data"] as? [String: Any],
            let result = data["result"] as? [[String: Any]]
        else { throw TimedOut(what: "an answer to \(expression): \(body)") }
        return result
    }

    /// Polls until `expression` returns a series (Prometheus answers 503 while it starts).
    func waitForQuery(_ expression: String, limit: Duration = .seconds(90)) async throws {
        try await waitUntil("Prometheus to answer \(expression)", limit: limit) {
            (try? await query(expression))?.isEmpty == false
        }
    }

    /// The last scrape error of every target, for messages.
    func targetErrors() async -> String {
        let request = HTTPClientRequest(url: url + "/api/v1/targets")
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)),
            let body = try? await response.body.collect(upTo: 1 << 20)
        else { return "" }
        return String(buffer: body)
    }
}
