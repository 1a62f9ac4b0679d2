import Foundation
import HummingbirdBcrypt
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Vitals

/// The `--web.config.file` while the server runs: the TLS context new connections get, the users
/// requests are checked against, the headers every response carries.
///
/// The file and the files it names are looked at again at most once a second, when a connection or
/// a request comes: a rotated certificate or a changed user is picked up without a restart. A new
/// file that does not validate keeps the last good one, with the error logged. Whether TLS is on is
/// decided at start (as in exporter-toolkit): switching it needs a restart.
final class WebSecurity: Sendable {
    let path: String
    /// Whether the listeners speak TLS; fixed at start.
    let usesTLS: Bool
    /// The TLS settings the file had at start, for the gRPC listener (which does not reload them).
    let initialTLS: TLSServerSettings?
    private let logger: Logger
    private let state: Mutex<State>
    private let authentication: BasicAuthentication

    private struct State {
        var configuration: WebConfiguration
        var tls: TLSState?
        var stamps: [String: FileStamp]
        var lastLook: ContinuousClock.Instant
    }

    /// What a connection needs to start TLS.
    struct TLSState: @unchecked Sendable {
        // NIOSSLContext is thread-safe and immutable once made; it is not marked Sendable.
        let context: NIOSSLContext
        /// RequestClientCert and RequireAnyClientCert ask for a certificate but do not verify it.
        let acceptsAnyClientCertificate: Bool
    }

    /// Loads the file; throws the located errors of an unusable one.
    init(path: String, logger: Logger) throws(ConfigError) {
        self.path = path
        self.logger = logger
        let configuration = try ConfigLoader.loadWebConfiguration(path: path)
        let tls = try Self.tlsState(configuration, path: path)
        usesTLS = tls != nil
        initialTLS = configuration.tls
        authentication = BasicAuthentication(users: configuration.users)
        state = Mutex(
            State(
                configuration: configuration,
                tls: tls,
                stamps: Self.stamps(of: [path] + configuration.referencedFiles),
                lastLook: .now
            )
        )
    }

    /// The TLS state for a new connection, or nil on a plain HTTP listener.
    func tlsForNewConnection() -> TLSState? {
        refreshIfDue()
        return state.withLock { $0.tls }
    }

    /// The headers of `http_server_config`, for every response.
    var headers: [HeaderField] {
        state.withLock { $0.configuration.http.headers }
    }

    /// Whether requests must carry credentials.
    var requiresAuthentication: Bool {
        refreshIfDue()
        return authentication.hasUsers
    }

    /// Whether `user` and `password` are one of `basic_auth_users`.
    func authenticate(user: String, password: String) async -> Bool {
        await authentication.verify(user: user, password: password)
    }

    /// Reloads when a file changed and a second has passed since the last look.
    func refreshIfDue() {
        let now = ContinuousClock.now
        let files: [String]? = state.withLock { state in
            guard state.lastLook.duration(to: now) >= .seconds(1) else { return nil }
            state.lastLook = now
            let files = [path] + state.configuration.referencedFiles
            return Self.stamps(of: files) == state.stamps ? nil : files
        }
        guard files != nil else { return }
        reload()
    }

    private func reload() {
        do {
            let configuration = try ConfigLoader.loadWebConfiguration(path: path)
            let tls = try Self.tlsState(configuration, path: path)
            guard (tls != nil) == usesTLS else {
                logger.error(
                    "Web configuration not reloaded: turning TLS on or off needs a restart",
                    metadata: ["file": "\(path)"]
                )
                state.withLock { $0.stamps = Self.stamps(of: [path] + $0.configuration.referencedFiles) }
                return
            }
            authentication.replaceUsers(configuration.users)
            state.withLock { state in
                state.configuration = configuration
                state.tls = tls
                state.stamps = Self.stamps(of: [path] + configuration.referencedFiles)
            }
            logger.info("Web configuration reloaded", metadata: ["file": "\(path)", "tls": "\(usesTLS)"])
        } catch {
            // Keep serving with the last good file; look again once it changes.
            state.withLock { state in
                state.stamps = Self.stamps(of: [path] + state.configuration.referencedFiles)
            }
            for diagnostic in error.diagnostics {
                logger.error(
                    "Web configuration not reloaded, keeping the last good one",
                    metadata: ["error": "\(diagnostic)"]
                )
            }
        }
    }

    private static func tlsState(_ configuration: WebConfiguration, path: String) throws(ConfigError) -> TLSState? {
        guard let tls = configuration.tls else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certFile)
            let key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
            var settings = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
            settings.minimumTLSVersion = tls.minVersion.version
            settings.maximumTLSVersion = tls.maxVersion.version
            if !tls.cipherSuites.isEmpty {
                settings.cipherSuiteValues = tls.cipherSuites.compactMap { TLSServerSettings.cipherSuites[$0] }
            }
            switch tls.clientAuthType {
            case .noClientCert:
                settings.certificateVerification = .none
            case .requestClientCert, .verifyClientCertIfGiven:
                settings.certificateVerification = .optionalVerification
            case .requireAnyClientCert, .requireAndVerifyClientCert:
                settings.certificateVerification = .noHostnameVerification
            }
            if let ca = tls.clientCAFile { settings.trustRoots = .file(ca) }
            let context = try NIOSSLContext(configuration: settings)
            let acceptsAny = tls.clientAuthType == .requestClientCert || tls.clientAuthType == .requireAnyClientCert
            return TLSState(context: context, acceptsAnyClientCertificate: acceptsAny)
        } catch {
            throw ConfigError(diagnostics: [
                Diagnostic(path: path, line: 0, column: 0, message: "tls_server_config: cannot set up TLS: \(error)")
            ])
        }
    }

    /// What tells a changed file from an unchanged one: modification time, size and inode (a
    /// certificate renewed by moving a new file over the old one has a new inode).
    private struct FileStamp: Equatable {
        var modified: Date?
        var size: Int?
        var inode: Int?
    }

    private static func stamps(of files: [String]) -> [String: FileStamp] {
        var stamps: [String: FileStamp] = [:]
        for file in files {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else { continue }
            stamps[file] = FileStamp(
                modified: attributes[.modificationDate] as? Date,
                size: (attributes[.size] as? NSNumber)?.intValue,
                inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue
            )
        }
        return stamps
    }
}

/// Checks HTTP basic credentials against bcrypt hashes, remembering answers per credential so that a
/// scraper that sends the same credentials every 15 seconds pays for one bcrypt, not one per scrape.
///
/// bcrypt is slow on purpose (tens of milliseconds at cost 10); verifications run one at a time on a
/// thread of their own, so guessing cannot take every core nor block the concurrency pool.
final class BasicAuthentication: Sendable {
    /// Remembered answers; past this many the memory is cleared.
    static let cacheLimit = 1024

    private struct State {
        var users: [String: String]
        /// "user\0password\0hash" → whether it matched; keyed by the hash too, so a changed user
        /// never gets an old answer.
        var answers: [String: Bool] = [:]
    }

    private let state: Mutex<State>
    private let pool: NIOThreadPool

    init(users: [String: String]) {
        state = Mutex(State(users: users))
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    var hasUsers: Bool { state.withLock { !$0.users.isEmpty } }

    func replaceUsers(_ users: [String: String]) {
        state.withLock { state in
            if state.users != users {
                state.users = users
                state.answers = [:]
            }
        }
    }

    func verify(user: String, password: String) async -> Bool {
        let lookup: (hash: String, answer: Bool?)? = state.withLock { state in
            guard let hash = state.users[user] else { return nil }
            return (hash, state.answers[user + "\0" + password + "\0" + hash])
        }
        guard let lookup else { return false }
        if let answer = lookup.answer { return answer }
        let matches = (try? await pool.runIfActive { Bcrypt.verify(password, hash: lookup.hash) }) ?? false
        state.withLock { state in
            if state.answers.count >= Self.cacheLimit { state.answers = [:] }
            state.answers[user + "\0" + password + "\0" + lookup.hash] = matches
        }
        return matches
    }

    /// Whether `text` has the form of a bcrypt hash: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, 53
    /// characters of salt and hash.
    static func isBcryptHash(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
            bytes[6] == UInt8(ascii: "$"),
            bytes[4...5].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return false }
        return bytes[7...].allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "/")
        }
    }
}
