import NIOCore
import NIOSSL
import SwiftASN1
import Vitals
import X509

/// Verifies a server's certificate chain with swift-certificates in place of BoringSSL, so that the
/// chain it built (leaf, intermediates, root) can be read after the handshake: NIOSSL shows the
/// chain BoringSSL verified only as its leaf. The `tls` check judges that whole chain's expiry.
///
/// Only the path is verified here (RFC 5280: signatures, validity, CA constraints); NIOSSL still
/// checks the host name after the handshake, as it does for its own verification.
struct ChainVerifier: Sendable {
    private let roots: CertificateStore

    /// Validity is judged at the current time, as BoringSSL does.
    /// - Throws: a ``CheckFailure`` with reason `error` when the trust roots cannot be read.
    init(trustRoots: NIOSSLTrustRoots) throws(CheckFailure) {
        switch trustRoots {
        case .default:
            roots = CertificateStore.systemTrustRoots
        case .certificates(let certificates):
            roots = CertificateStore(try Self.converted(certificates, from: "the trust roots"))
        case .file(let path):
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw CheckFailure(.error, "cannot load trust roots from \(path): \(error)")
            }
            roots = CertificateStore(try Self.converted(certificates, from: path))
        }
    }

    /// The verification callback for a `NIOSSLClientHandler`.
    var callback: NIOSSLCustomVerificationCallbackWithMetadata {
        let roots = roots
        return { presented, promise in
            promise.completeWithTask {
                guard let chain = try? Self.converted(presented, from: "the server's chain"), let leaf = chain.first
                else { return .failed }
                var verifier = Verifier(rootCertificates: roots) { RFC5280Policy() }
                let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
                guard case .validCertificate(let validated) = result else { return .failed }
                let certificates = try validated.map { certificate in
                    var serializer = DER.Serializer()
                    try serializer.serialize(certificate)
                    return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
                }
                return .certificateVerified(VerificationMetadata(NIOSSL.ValidatedCertificateChain(certificates)))
            }
        }
    }

    private static func converted(
        _ certificates: [NIOSSLCertificate],
        from source: String
    ) throws(CheckFailure) -> [Certificate] {
        do {
            return try certificates.map { try Certificate(derEncoded: $0.toDERBytes()) }
        } catch {
            throw CheckFailure(.error, "cannot read a certificate of \(source): \(error)")
        }
    }

    /// `CN=R3, O=Let's Encrypt`: how a message names a certificate of the chain.
    static func subject(of certificate: NIOSSLCertificate) -> String {
        guard let parsed = try? Certificate(derEncoded: certificate.toDERBytes()) else { return "a certificate" }
        return parsed.subject.description
    }
}
