import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import TestPeers

/// A TLS server on 127.0.0.1 and a free port that completes handshakes with one certificate.
final class TLSTestServer: Sendable {
    /// A certificate and its private key, as PEM files.
    struct Identity: Sendable {
        let certificate: String
        let key: String
    }

    let port: Int
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(_ identity: Identity) async throws -> TLSTestServer {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(identity.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: identity.key, format: .pem))
        )
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOSSLServerHandler(context: context),
                        CloseOnError()
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TLSTestServer(channel: channel)
    }

    func stop() async throws {
        try await channel.close()
    }
}

extension TLSTestServer {
    /// A certificate authority made with the `openssl` command in a temporary directory, and
    /// the certificates it issues. Keys are P-256, which are quick to generate.
    struct CertificateAuthority: ~Copyable {
        /// The CA's certificate (PEM), to trust.
        let certificate: String
        private let files: TestDirectory

        /// Trusts this authority only.
        var trustRoots: NIOSSLTrustRoots { .file(certificate) }

        init() async throws {
            let files = try TestDirectory()
            _ = try files.file("index.txt", "")
            _ = try files.file("serial", "1000\n")
            _ = try files.file(
                "ca.cnf",
                """
                [ca]
                default_ca = test_ca
                [test_ca]
                database = index.txt
                new_certs_dir = .
                serial = serial
                default_md = sha256
                policy = any_name
                copy_extensions = copy
                unique_subject = no
                [any_name]
                commonName = supplied

                """
            )
            try await Self.openssl(
                "req -x509 \(Self.newKey) -keyout ca.key -out ca.pem -subj /CN=Vitals-Test-CA -days 365"
                    + " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
                in: files.directory
            )
            certificate = files.path("ca.pem")
            self.files = files
        }

        /// Issues a certificate valid between two Unix times for `names` (subject alternative
        /// names); `openssl ca` is the one command of OpenSSL 3.0 that backdates a certificate.
        /// - Parameters:
        ///   - issuer: the name of an intermediate issued earlier to sign it; the root by default.
        ///   - authority: issue an intermediate authority named `CN=name` (no `names`) instead.
        func issue(
            _ name: String,
            notBefore: Double,
            notAfter: Double,
            names: String = "DNS:localhost,IP:127.0.0.1",
            issuer: String = "ca",
            authority: Bool = false
        ) async throws -> Identity {
            let request =
                authority
                ? "-subj /CN=\(name) -addext basicConstraints=critical,CA:TRUE"
                    + " -addext keyUsage=critical,keyCertSign,cRLSign"
                : "-subj /CN=localhost -addext subjectAltName=\(names)"
            try await Self.openssl(
                "req -new \(Self.newKey) -keyout \(name).key -out \(name).csr \(request)",
                in: files.directory
            )
            try await Self.openssl(
                "ca -batch -notext -config ca.cnf -cert \(issuer).pem -keyfile \(issuer).key -in \(name).csr"
                    + " -out \(name).pem -startdate \(Self.timestamp(notBefore)) -enddate \(Self.timestamp(notAfter))",
                in: files.directory
            )
            return Identity(certificate: files.path("\(name).pem"), key: files.path("\(name).key"))
        }

        /// A PEM file of `identity`'s certificate followed by `intermediates`: the chain a server sends.
        func chain(_ identity: Identity, _ intermediates: Identity...) throws -> Identity {
            let parts = try ([identity] + intermediates).map {
                try String(contentsOfFile: $0.certificate, encoding: .utf8)
            }
            let path = files.path("chain-\(UUID().uuidString).pem")
            try parts.joined().write(toFile: path, atomically: true, encoding: .utf8)
            return Identity(certificate: path, key: identity.key)
        }

        /// Makes a self-signed certificate for `localhost` and 127.0.0.1, valid for `days`.
        func selfSigned(_ name: String, days: Int) async throws -> Identity {
            try await Self.openssl(
                "req -x509 \(Self.newKey) -keyout \(name).key -out \(name).pem -subj /CN=localhost -days \(days)"
                    + " -addext subjectAltName=DNS:localhost,IP:127.0.0.1",
                in: files.directory
            )
            return Identity(certificate: files.path("\(name).pem"), key: files.path("\(name).key"))
        }

        private static let newKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

        /// Runs `openssl` in `directory` with `command` split at spaces (no argument holds one), on a
        /// thread of its own: waiting for it on the cooperative pool would stall the other tests.
        private static func openssl(_ command: String, in directory: String) async throws {
            try await onOwnThread { try opensslBlocking(command, in: directory) }
        }

        private static func opensslBlocking(_ command: String, in directory: String) throws {
            let arguments = command.split(separator: " ").map(String.init)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let printed = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw OpenSSLError(arguments: arguments, output: String(decoding: printed, as: UTF8.self))
            }
        }

        /// A time as `openssl ca` takes it: `20261120153000Z`.
        private static func timestamp(_ seconds: Double) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMddHHmmss'Z'"
            return formatter.string(from: Date(timeIntervalSince1970: seconds))
        }
    }

    struct OpenSSLError: Error, CustomStringConvertible {
        let arguments: [String]
        let output: String
        var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
    }
}

/// Closes a connection whose handshake failed, as a real server would.
private final class CloseOnError: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
