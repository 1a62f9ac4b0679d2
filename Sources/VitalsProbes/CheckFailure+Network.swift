import AsyncHTTPClient
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
            return CheckFailure(.tls, "TLS: \(error)")
        case let error as BoringSSLError:
            return CheckFailure(.tls, "TLS: \(error)")
        case let error as HTTPClientError:
            return httpClientFailure(error)
        default:
            return CheckFailure(.error, "\(error)")
        }
    }

    private static func socketFailure(errno code: Int32) -> CheckFailure {
        switch code {
        case ECONNREFUSED: CheckFailure(.refused, "connection refused")
        case ECONNRESET, EPIPE: CheckFailure(.refused, "connection reset by peer")
        case ETIMEDOUT: CheckFailure(.timeout, "connection timed out")
        default: CheckFailure(.error, ProbeSupport.errnoDescription(code).lowercased())
        }
    }

    private static func httpClientFailure(_ error: HTTPClientError) -> CheckFailure {
        switch error {
        case .connectTimeout: CheckFailure(.timeout, "connect timed out")
        case .readTimeout, .writeTimeout, .deadlineExceeded: CheckFailure(.timeout, "request timed out")
        case .tlsHandshakeTimeout: CheckFailure(.tls, "TLS handshake timed out")
        case .remoteConnectionClosed: CheckFailure(.refused, "connection closed by peer")
        case .invalidURL, .emptyHost, .emptyScheme: CheckFailure(.error, "invalid URL")
        default: CheckFailure(.error, error.shortDescription)
        }
    }
}
