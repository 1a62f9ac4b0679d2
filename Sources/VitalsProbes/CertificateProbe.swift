import Foundation
import SwiftASN1
public import Vitals
import X509

/// Reads certificates from PEM files on disk and reports the earliest expiry among them, as the
/// `tls` check does for a server's certificate.
///
/// ``path`` names a file or, with `*`, `?` or `[…]`, every file the pattern matches (such as
/// `/etc/letsencrypt/live/*/fullchain.pem`); every certificate in every file counts, so an
/// intermediate that expires before the leaf is seen. Optionally, ``keyFile`` must hold the private
/// key of the first certificate (the leaf), and each file's chain must lead to a CA in ``caFile``.
///
/// ```swift
/// let site = CertificateProbe(path: "/etc/nginx/tls/site.pem", keyFile: "/etc/nginx/tls/site.key")
/// ```
///
/// Failure reasons: `expiry` (expired, or within ``failDays``), ``keyMismatch``, ``untrusted``,
/// `error` (no file, an unreadable file, no certificate in it). Observations: `expiry_seconds` and
/// `expiry_timestamp` of the earliest expiry, the latter exported in the shared certificate family.
public struct CertificateProbe: HealthCheck {
    /// The failure reason when ``keyFile`` does not hold the leaf certificate's private key.
    public static let keyMismatch = FailureReason("key")
    /// The failure reason when a chain does not lead to a CA in ``caFile``.
    public static let untrusted = FailureReason("untrusted")

    /// The largest PEM file read.
    static let fileLimit = 1 << 20

    /// A file, or a glob pattern.
    public var path: String
    /// Days before the earliest expiry from which the check warns.
    public var warnDays: Int
    /// Days before the earliest expiry from which the check fails.
    public var failDays: Int
    /// A PEM file with the private key of the (single) file's first certificate, if checked.
    public var keyFile: String?
    /// A PEM file of certificate authorities each chain must lead to, if checked.
    public var caFile: String?
    /// The current time, against which expiry and validity are measured.
    public var wallClock: WallClock

    /// Creates a certificate probe.
    /// - Parameters:
    ///   - path: A PEM file, or a glob pattern for several.
    ///   - warnDays: Warn when a certificate expires in fewer days than this.
    ///   - failDays: Fail when a certificate expires in fewer days than this.
    ///   - keyFile: The private key that must match the first certificate.
    ///   - caFile: Certificate authorities the chains must lead to.
    ///   - wallClock: The current time.
    public init(
        path: String,
        warnDays: Int = 14,
        failDays: Int = 3,
        keyFile: String? = nil,
        caFile: String? = nil,
        wallClock: WallClock = .system
    ) {
        self.path = path
        self.warnDays = warnDays
        self.failDays = failDays
        self.keyFile = keyFile
        self.caFile = caFile
        self.wallClock = wallClock
    }

    /// Whether `text` is a glob pattern rather than a file name.
    public static func isPattern(_ text: String) -> Bool {
        text.contains { "*?[".contains($0) }
    }

    public func run() async throws -> CheckOutcome {
        let files = try matchingFiles()
        let chains = try files.map { file in (file: file, certificates: try Self.certificates(in: file)) }
        let now = wallClock.now()
        let expiry = CertificateExpiry(warnDays: warnDays, failDays: failDays, now: now)
        var earliest: (file: String, certificate: Certificate)?
        for chain in chains {
            for certificate in chain.certificates
            where earliest.map({ certificate.notValidAfter < $0.certificate.notValidAfter }) ?? true {
                earliest = (chain.file, certificate)
            }
        }
        guard let earliest else { throw CheckFailure(.error, "no certificate") }
        let notAfter = earliest.certificate.notValidAfter.timeIntervalSince1970
        let subject = "certificate \(Self.name(of: earliest.certificate)) in \(earliest.file)"
        if let expired = expiry.expired(subject, notAfter: notAfter) { throw expired }
        do {
            if let keyFile, let leaf = chains.first?.certificates.first {
                try Self.requireKey(in: keyFile, matching: leaf, of: chains[0].file)
            }
            if let caFile {
                try await Self.requireTrust(chains, roots: caFile)
            }
        } catch let failure as CheckFailure {
            // The expiry is known: it stays on the dashboard while the key or the chain is wrong.
            throw CheckFailure(failure.reason, failure.detail, observations: expiry.observations(notAfter: notAfter))
        }
        let outcome = expiry.outcome(subject, notAfter: notAfter)
        let count = chains.reduce(0) { $0 + $1.certificates.count }
        guard count > 1 else { return outcome }
        let across = chains.count == 1 ? "" : " in \(chains.count) files"
        return CheckOutcome(
            status: outcome.status,
            message: "\(outcome.message) (earliest of \(count) certificates\(across))",
            reason: outcome.reason,
            observations: outcome.observations
        )
    }

    /// The files ``path`` names, sorted; fails when there are none.
    private func matchingFiles() throws(CheckFailure) -> [String] {
        guard Self.isPattern(path) else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CheckFailure(.error, "no such file: \(path)")
            }
            return [path]
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        let code = glob(path, 0, nil, &matches)
        guard code == 0 else {
            throw CheckFailure(.error, code == GLOB_NOMATCH ? "no file matches \(path)" : "cannot read \(path)")
        }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            matches.gl_pathv[index].map { String(cString: $0) }
        }
        .sorted()
    }

    /// Every certificate in a PEM file, in file order.
    private static func certificates(in file: String) throws(CheckFailure) -> [Certificate] {
        let text = try ProbeSupport.readSmallFile(file, limit: fileLimit)
        // Text that is not PEM, or whose PEM is broken, holds no certificate either.
        let documents = (try? PEMDocument.parseMultiple(pemString: text)) ?? []
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do {
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw CheckFailure(.error, "\(file) holds a certificate that cannot be read: \(error)")
            }
        }
        guard !certificates.isEmpty else { throw CheckFailure(.error, "\(file) holds no certificate") }
        return certificates
    }

    private static func requireKey(in keyFile: String, matching leaf: Certificate, of file: String) throws(CheckFailure)
    {
        let text = try ProbeSupport.readSmallFile(keyFile, limit: fileLimit)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: text)
        } catch {
            // The parser's message could quote key material: name the file only.
            throw CheckFailure(.error, "\(keyFile) holds no private key this check can read")
        }
        guard key.publicKey == leaf.publicKey else {
            throw CheckFailure(keyMismatch, "the key in \(keyFile) does not belong to the certificate in \(file)")
        }
    }

    /// Fails unless each file's first certificate chains, through the others, to a CA in `caFile`, valid
    /// now (expiry has been judged before, against the probe's clock).
    private static func requireTrust(
        _ chains: [(file: String, certificates: [Certificate])],
        roots caFile: String
    )
        async throws
    {
        let roots = try certificates(in: caFile)
        for chain in chains {
            guard let leaf = chain.certificates.first else { continue }
            var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
                RFC5280Policy()
            }
            let result = await verifier.validate(
                leaf: leaf,
                intermediates: CertificateStore(chain.certificates.dropFirst())
            )
            guard case .validCertificate = result else {
                throw CheckFailure(
                    untrusted,
                    "\(chain.file): no valid chain from \(name(of: leaf)) to a CA in \(caFile)"
                )
            }
        }
    }

    /// The subject's common name (`CN=example.com`), or the whole subject without one.
    private static func name(of certificate: Certificate) -> String {
        for relative in certificate.subject {
            for attribute in relative where attribute.type == .RDNAttributeType.commonName {
                return "CN=\(attribute.value)"
            }
        }
        return "\(certificate.subject)"
    }
}
