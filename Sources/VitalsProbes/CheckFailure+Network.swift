import NIOCore
import NIOPosix
import NIOSSL
import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CheckFailure {
    /// The failure for an error from connecting to, or talking with, a network peer.
    ///
    /// Resolution failures become `dns`, refused and reset connections `refused`,
    /// TLS errors `tls`, timeouts of the transport itself `timeout`, and anything else `error`.
    static func network(_ error: any Error) -> CheckFailure {
        switch error {
        case let error as CheckFailure:
            return error
        case let error as NIOConnectionError:
            if let attempt = error.connectionErrors.first {
                return network(attempt.error)
            }
            return CheckFailure(.dns, "cannot resolve \(error.host)")
        case let error as SocketAddressError.UnknownHost:
            return CheckFailure(.dns, "cannot resolve \(error.host)")
        case let error as IOError:
            return socketFailure(errno: error.errnoCode)
        case let error as ChannelError:
            switch error {
            case .connectTimeout: return CheckFailure(.timeout, "connect timed out")
            // Writing to a connection the peer already closed or reset.
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed:
                return CheckFailure(.refused, "connection closed by peer")
            default: return CheckFailure(.error, "\(error)")
            }
        case let error as NIOSSLError:
            return tlsFailure(error)
        case let error as BoringSSLError:
            return tlsFailure(error)
        default:
            return CheckFailure(.error, "\(error)")
        }
    }

    /// A TLS failure in words, never the library's type names: `TLS handshake failed: certificate verify
    /// failed`, or for a peer that does not speak TLS `TLS handshake failed: the peer closed the
    /// connection (is it speaking TLS?)`.
    static func tlsFailure(_ error: any Error) -> CheckFailure {
        let stack: [BoringSSLInternalError]
        switch error {
        case NIOSSLError.handshakeFailed(.sslError(let errors)): stack = errors
        case BoringSSLError.sslError(let errors): stack = errors
        case NIOSSLError.uncleanShutdown: return CheckFailure(.tls, "TLS connection closed without close_notify")
        case let extra as NIOSSLExtraError where extra == .failedToValidateHostname:
            return CheckFailure(.tls, "certificate is not valid for the host name")
        default: return CheckFailure(.tls, "TLS failed")
        }
        let reason = stack.lazy.compactMap(tlsReason(of:)).first
        return CheckFailure(.tls, "TLS handshake failed" + (reason.map { ": \($0)" } ?? ""))
    }

    /// The reason of one BoringSSL error, e.g. `certificate verify failed` for
    /// `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …`.
    private static func tlsReason(of error: BoringSSLInternalError) -> String? {
        let text = "\(error)"
        if text.contains("EOF during handshake") { return "the peer closed the connection (is it speaking TLS?)" }
        guard let start = text.firstRange(of: "OPENSSL_internal:")?.upperBound else { return nil }
        let name = text[start...].prefix { $0 != " " }
        guard !name.isEmpty else { return nil }
        if name == "WRONG_VERSION_NUMBER" { return "wrong version number (is the peer speaking TLS?)" }
        return name.lowercased().replacing("_", with: " ")
    }

    private static func socketFailure(errno code: Int32) -> CheckFailure {
        switch code {
        case ECONNREFUSED: CheckFailure(.refused, "connection refused")
        case ECONNRESET, EPIPE: CheckFailure(.refused, "connection reset by peer")
        case ETIMEDOUT: CheckFailure(.timeout, "connection timed out")
        default: CheckFailure(.error, ProbeSupport.errnoDescription(code).lowercased())
        }
    }
}
