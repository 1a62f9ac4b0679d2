import Foundation

/// A private CA, a server certificate for 127.0.0.1 and a client certificate, made with `openssl`
/// in a temporary folder.
struct TestCertificates {
    let directory: TemporaryDirectory
    var caCertificate: String { directory.path + "/ca.pem" }
    var serverCertificate: String { directory.path + "/server.pem" }
    var serverKey: String { directory.path + "/server.key" }
    var clientCertificate: String { directory.path + "/client.pem" }
    var clientKey: String { directory.path + "/client.key" }

    static func make(in directory: TemporaryDirectory) async throws -> TestCertificates {
        let certificates = TestCertificates(directory: directory)
        try await certificates.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", directory.path + "/ca.key", "-out", certificates.caCertificate, "-days", "30",
            "-subj", "/CN=Vitals Test CA",
        ])
        try await certificates.issue(
            name: "server",
            commonName: "127.0.0.1",
            extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost"
        )
        try await certificates.issue(
            name: "client",
            commonName: "prometheus",
            extensions: "extendedKeyUsage=clientAuth"
        )
        return certificates
    }

    /// Issues `NAME.pem` and `NAME.key`, signed by the CA, over any that exist (a rotation).
    func issue(name: String, commonName: String, extensions: String) async throws {
        let ext = try directory.write("\(name).ext", extensions + "\n")
        let request = directory.path + "/\(name).csr"
        // Written beside and moved into place, as certificate renewals do.
        let key = directory.path + "/\(name).key.new"
        let certificate = directory.path + "/\(name).pem.new"
        try await openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
            "-out", request, "-subj", "/CN=\(commonName)",
        ])
        try await openssl([
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", directory.path + "/ca.key",
            "-CAcreateserial", "-out", certificate, "-days", "30", "-extfile", ext,
        ])
        _ = rename(key, directory.path + "/\(name).key")
        _ = rename(certificate, directory.path + "/\(name).pem")
    }

    private func openssl(_ arguments: [String]) async throws {
        let result = try await runProcess("openssl", arguments)
        guard result.status == 0 else { throw TimedOut(what: "openssl \(arguments[0]): \(result.stderr)") }
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost valid for `days`, made with `openssl`:
/// `cert.pem` and `key.pem` in `directory`.
func selfSignedCertificate(
    in directory: TemporaryDirectory,
    days: Int
) async throws -> (certificate: String, key: String) {
    let certificate = directory.path + "/cert.pem"
    let key = directory.path + "/key.pem"
    let made = try await runProcess(
        "openssl",
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "\(days)",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
    )
    guard made.status == 0 else { throw TimedOut(what: "openssl req: \(made.stderr)") }
    return (certificate, key)
}

/// `openssl s_server` on a loopback port of its choosing, serving a self-signed certificate valid for
/// `days` (`certificate` is its PEM file, to trust with `ca_file`).
func openSSLServer(
    in directory: TemporaryDirectory,
    days: Int
) async throws -> (
    server: ServerProcess, certificate: String
) {
    let (certificate, key) = try await selfSignedCertificate(in: directory, days: days)
    let server = try await ServerProcess(
        "/usr/bin/openssl",
        ["s_server", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key, "-www"],
        portAfter: "ACCEPT ",
        what: "openssl s_server"
    )
    return (server, certificate)
}

/// A bcrypt hash of `password`, made by Python's `bcrypt` (not by the code under test).
func bcryptHash(_ password: String) async throws -> String {
    let result = try await runProcess(
        try venvPython(),
        [
            "-c", "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=4)).decode())",
            password,
        ]
    )
    guard result.status == 0 else { throw TimedOut(what: "a bcrypt hash: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A request made with curl: its status (0 when no HTTP answer came), headers and body.
struct CurlResult {
    var status: Int
    var headers: String
    var body: String
    var exitCode: Int32
}

func curl(_ url: String, _ options: [String] = []) async throws -> CurlResult {
    let directory = try TemporaryDirectory()
    let headers = directory.path + "/headers"
    let result = try await runProcess(
        "curl",
        ["-sS", "--max-time", "10", "-D", headers, "-w", "\n%{http_code}", url] + options,
        limit: .seconds(20)
    )
    var lines = result.stdout.components(separatedBy: "\n")
    let status = Int(lines.popLast() ?? "") ?? 0
    let headerText = (try? String(contentsOfFile: headers, encoding: .utf8)) ?? ""
    return CurlResult(status: status, headers: headerText, body: lines.joined(separator: "\n"), exitCode: result.status)
}
