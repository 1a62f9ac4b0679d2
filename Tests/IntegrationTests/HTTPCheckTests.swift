import Foundation
import Testing

/// The `http` check's redirects, JSON and header expectations, request bodies, basic
/// authentication and client-certificate TLS, against a Python server (`StandIns/http_server.py`).
@Suite(.tags(.integration)) struct HTTPCheckTests {
    /// The stand-in on a free port, with TLS requiring a client certificate when given certificates.
    private func server(_ certificates: TestCertificates? = nil) async throws -> (StandInProcess, Int) {
        let tls = certificates.map { [$0.serverCertificate, $0.serverKey, $0.caCertificate] } ?? []
        return try await StandInProcess.server("http_server.py", tls, what: "the HTTP server")
    }

    /// Runs `vitals check` on `checks` (YAML list items) and returns each result by name.
    private func results(
        _ checks: String,
        in directory: TemporaryDirectory
    ) async throws -> (results: [String: [String: Any]], stdout: String, stderr: String) {
        let config = try directory.write("http.yml", "global: {interval: 10s, timeout: 5s}\nchecks:\n" + checks)
        let result = try await runVitals(["check", "--config.file", config, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = try #require(json?["results"] as? [[String: Any]], "\(result.stdout) \(result.stderr)")
        let byName = Dictionary(
            uniqueKeysWithValues: results.compactMap { item in (item["checker"] as? String).map { ($0, item) } }
        )
        return (byName, result.stdout, result.stderr)
    }

    private func observation(_ result: [String: Any]?, _ name: String) -> Double? {
        let observations = result?["observations"] as? [[String: Any]] ?? []
        return observations.first { $0["name"] as? String == name }?["value"] as? Double
    }

    /// One server and one `vitals check` for the plain-HTTP behaviours: each check is named for one.
    @Test func followsRedirectsJudgesHeadersBodiesAndJSONAndAuthenticates() async throws {
        let (server, port) = try await server()
        let directory = try TemporaryDirectory()
        let base = "http://127.0.0.1:\(port)"
        _ = try directory.write("password", "s3cret\n")
        _ = try directory.write("wrong", "guess\n")
        _ = try directory.write("request.json", #"{"ping": 1}"#)
        let (results, stdout, stderr) = try await results(
            #"""
              - {name: two, type: http, url: "\#(base)/redirect/2"}
              - {name: none, type: http, url: "\#(base)/redirect/0", follow_redirects: false, expect_status: [302]}
              - {name: too_many, type: http, url: "\#(base)/redirect/7", critical: false}
              - name: all_good
                type: http
                url: "\#(base)/json"
                expect_headers: {X-Version: '^1\.4\.', content-type: json}
                expect_json:
                  /status: ok
                  /checks/db/healthy: true
                  /checks/db/latency_ms: 12.50
                  /checks/db/replica: "null"
                  /items/1/name: b
                  /a~1b: 1
                  /m~0n: 2
                  /version: '/^1\.4\./'
              - {name: unhealthy, type: http, url: "\#(base)/json", expect_json: {/checks/db/healthy: false}, critical: false}
              - {name: missing, type: http, url: "\#(base)/json", expect_json: {/checks/cache: "/.*/"}, critical: false}
              - {name: no_header, type: http, url: "\#(base)/json", expect_headers: {X-Missing: .}, critical: false}
              - {name: old, type: http, url: "\#(base)/json", expect_headers: {X-Version: '^2\.'}, critical: false}
              - {name: not_json, type: http, url: "\#(base)/auth", expect_status: [401], expect_json: {/status: ok}, critical: false}
              - {name: auth, type: http, url: "\#(base)/auth", basic_auth: {username: monitor, password_file: password}, expect_body: welcome}
              - {name: wrong, type: http, url: "\#(base)/auth", basic_auth: {username: monitor, password_file: wrong}, critical: false}
              - name: post
                type: http
                method: POST
                url: "\#(base)/echo"
                headers: {Content-Type: text/plain}
                body: hello vitals
                expect_body: "^hello vitals$"
                expect_headers: {X-Request-Type: ^text/plain$}
              - name: post_file
                type: http
                method: POST
                url: "\#(base)/echo"
                headers: {Content-Type: application/json}
                body_file: request.json
                expect_json: {/ping: 1}
              - {name: error_page, type: http, url: "\#(base)/error-page", fail_if_body: "(?i)error", critical: false}
              - {name: slow, type: http, url: "\#(base)/slow", warn_after: 100ms}
              - {name: slow_enough, type: http, url: "\#(base)/slow", warn_after: 30s}
              - {name: every_address, type: http, url: "http://localhost:\#(port)/json", all_addresses: true}
              - {name: ipv4, type: http, url: "http://localhost:\#(port)/json", ip_family: ip4}
              - {name: ipv6_literal, type: http, url: "http://127.0.0.1:\#(port)/json", ip_family: ip6, critical: false}

            """#,
            in: directory
        )
        func output(_ name: String) -> String { results[name]?["output"] as? String ?? "" }
        func status(_ name: String) -> String? { results[name]?["status"] as? String }
        func reason(_ name: String) -> String? { results[name]?["reason"] as? String }

        // Redirects: followed (3 hops to /json), not followed, and past the limit of 5.
        #expect(status("two") == "pass", "\(stdout)")
        #expect(output("two").hasSuffix(" after 3 redirects"), "\(stdout)")
        #expect(observation(results["two"], "redirects") == 3)
        #expect(observation(results["two"], "status") == 200)
        #expect(status("none") == "pass", "\(stdout)")
        #expect(output("none").hasPrefix("HTTP 302 in "), "\(stdout)")
        #expect(observation(results["none"], "redirects") == 0)
        #expect(status("too_many") == "fail", "\(stdout)")
        // The phases, summed over the three requests; no TLS on plain HTTP.
        for phase in ["dns_seconds", "connect_seconds", "first_byte_seconds", "transfer_seconds"] {
            let seconds = try #require(observation(results["two"], phase), "\(phase): \(stdout)")
            #expect(seconds >= 0 && seconds < 5, "\(phase): \(seconds)")
        }
        #expect(observation(results["two"], "tls_seconds") == 0)
        #expect(observation(results["two"], "tls_version") == nil)
        // The slow endpoint answers after 300 ms: the wait is before the first byte.
        #expect(observation(results["slow"], "first_byte_seconds") ?? 0 >= 0.3, "\(stdout)")

        // The addresses: every one of localhost's (here 127.0.0.1 alone), one family, a wrong one.
        #expect(status("every_address") == "pass", "\(stdout)")
        #expect(output("every_address").hasPrefix("1 address passed (127.0.0.1); 127.0.0.1: HTTP 200 in "), "\(stdout)")
        #expect(status("ipv4") == "pass", "\(stdout)")
        #expect(reason("ipv6_literal") == "dns", "\(stdout)")
        #expect(output("ipv6_literal") == "127.0.0.1 is not an IPv6 address", "\(stdout)")

        // Headers and JSON.
        #expect(status("all_good") == "pass", "\(stdout)")
        for name in ["unhealthy", "missing", "no_header", "old", "not_json"] {
            #expect(status(name) == "fail", "\(name): \(stdout)")
            #expect(reason(name) == "body", "\(name): \(stdout)")
        }
        #expect(output("unhealthy").hasSuffix(#", but /checks/db/healthy is "true", expected "false""#), "\(stdout)")
        #expect(output("missing").hasSuffix(", but /checks/cache is missing from the JSON"), "\(stdout)")
        #expect(output("no_header").hasSuffix(", but header X-Missing is missing"), "\(stdout)")
        #expect(output("old").hasSuffix(#", but header X-Version is "1.4.2", expected /^2\./"#), "\(stdout)")
        #expect(output("not_json").hasSuffix(", but the body is not JSON"), "\(stdout)")

        // Bodies, basic authentication, an error page; no credential in the output.
        for name in ["auth", "post", "post_file"] {
            #expect(status(name) == "pass", "\(name): \(stdout)")
        }
        #expect(status("wrong") == "fail")
        #expect(reason("wrong") == "status")
        #expect(reason("error_page") == "body")
        #expect(output("error_page").hasSuffix(#", but the body matched fail_if_body ("error")"#), "\(stdout)")
        // warn_after: the server takes 300 ms.
        #expect(status("slow") == "warn", "\(stdout)")
        #expect(output("slow").hasSuffix(", slower than warn_after (100 ms)"), "\(stdout)")
        #expect(status("slow_enough") == "pass", "\(stdout)")
        for secret in ["s3cret", "guess", "bW9uaXRvcjpzM2NyZXQ="] {
            #expect(!stdout.contains(secret) && !stderr.contains(secret), "\(secret) leaked")
        }
        _ = server
    }

    @Test func trustsAPrivateCAAndPresentsAClientCertificate() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try await TestCertificates.make(in: directory)
        let (server, port) = try await server(certificates)
        let url = "https://127.0.0.1:\(port)/client"
        let (results, stdout, _) = try await results(
            """
              - {name: mutual, type: http, url: "\(url)", ca_file: "\(certificates.caCertificate)", cert_file: "\(certificates.clientCertificate)", key_file: "\(certificates.clientKey)", expect_body: "^client prometheus$"}
              - {name: no_client_cert, type: http, url: "\(url)", ca_file: "\(certificates.caCertificate)", critical: false}
              - {name: system_trust, type: http, url: "\(url)", cert_file: "\(certificates.clientCertificate)", key_file: "\(certificates.clientKey)", critical: false}
              - {name: expiring, type: http, url: "\(url)", ca_file: "\(certificates.caCertificate)", cert_file: "\(certificates.clientCertificate)", key_file: "\(certificates.clientKey)", warn_days: 60}
              - {name: lasting, type: http, url: "\(url)", ca_file: "\(certificates.caCertificate)", cert_file: "\(certificates.clientCertificate)", key_file: "\(certificates.clientKey)", warn_days: 7}
              - {name: named, type: http, url: "\(url)", server_name: localhost, ca_file: "\(certificates.caCertificate)", cert_file: "\(certificates.clientCertificate)", key_file: "\(certificates.clientKey)"}
              - {name: misnamed, type: http, url: "\(url)", server_name: other.test, ca_file: "\(certificates.caCertificate)", cert_file: "\(certificates.clientCertificate)", key_file: "\(certificates.clientKey)", critical: false}

            """,
            in: directory
        )
        #expect(results["mutual"]?["status"] as? String == "pass", "\(stdout)")
        #expect(observation(results["mutual"], "tls_version") ?? 0 >= 1.2, "\(stdout)")
        #expect(observation(results["mutual"], "tls_seconds") ?? 0 > 0, "\(stdout)")
        // server_name: sent and verified instead of the URL's address.
        #expect(results["named"]?["status"] as? String == "pass", "\(stdout)")
        #expect(results["misnamed"]?["reason"] as? String == "tls", "\(stdout)")
        #expect(results["misnamed"]?["output"] as? String == "certificate is not valid for other.test", "\(stdout)")
        // The server ends the handshake when no certificate comes; the private CA is not the system's.
        #expect(results["no_client_cert"]?["status"] as? String == "fail", "\(stdout)")
        #expect(results["system_trust"]?["status"] as? String == "fail", "\(stdout)")
        #expect(results["system_trust"]?["reason"] as? String == "tls", "\(stdout)")
        // The test certificates are valid for 30 days.
        #expect(results["expiring"]?["status"] as? String == "warn", "\(stdout)")
        let expiring = results["expiring"]?["output"] as? String ?? ""
        #expect(expiring.hasPrefix("HTTP 200 in "), "\(stdout)")
        #expect(expiring.contains("; certificate for 127.0.0.1 expires in "), "\(stdout)")
        #expect(expiring.hasSuffix(", within 60 days"), "\(stdout)")
        #expect(observation(results["expiring"], "expiry_timestamp") != nil)
        #expect(results["lasting"]?["status"] as? String == "pass", "\(stdout)")
        _ = server
    }

    /// One file with a mistake in each check: `check-config` names every one, at its line.
    @Test func rejectsBadKeysAtTheKey() async throws {
        let cases = [
            ("basic_auth: {username: monitor}", "basic_auth", #"missing required key "password_file""#),
            ("cert_file: bad.yml", "cert_file", "cert_file and key_file go together"),
            ("expect_json: {status: ok}", "expect_json.status", "a JSON pointer starts with /, like /status"),
            ("body: a, body_file: bad.yml", "body_file", "body is set already"),
            ("expect_headers: {X-Version: '('}", "expect_headers", "X-Version: must be a valid regular expression"),
            ("warn_days: 10", "warn_days", "needs an https:// url"),
            ("server_name: localhost", "server_name", "needs an https:// url"),
            ("ip_family: ipv6", "ip_family", "must be one of any, ip4, ip6"),
            ("all_addresses: sometimes", "all_addresses", "must be true or false"),
        ]
        try await expectConfigErrors(
            cases.map { keys, key, problem in ("type: http, url: \"http://127.0.0.1:1/\", " + keys, key, problem) }
        )
    }
}
