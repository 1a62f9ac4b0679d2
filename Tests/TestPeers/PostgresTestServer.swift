import Foundation
package import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server from Debian's `postgresql` package, in a temporary directory and
/// listening on 127.0.0.1 and a free port (and on a Unix socket in that directory).
///
/// It has a role ``user`` with ``password`` that owns the database ``database``, and SCRAM
/// authentication for every connection. `initdb` refuses to run as root, so under root the
/// server runs as the `postgres` system user.
package final class PostgresTestServer: Sendable {
    package static let user = "vitals"
    /// Has characters that must be percent-encoded in a DSN; ``encodedPassword`` is the encoded form.
    package static let password = "s3cr&t:p@ss/w\u{F6}rd"
    package static let encodedPassword = "s3cr%26t%3Ap%40ss%2Fw%C3%B6rd"
    package static let database = "app"
    private static let superuserPassword = "vitals-test-superuser"

    package let port: Int
    /// The directory of the server's Unix socket.
    package let socketDirectory: String
    private let directory: TestDirectory
    private let binaries: String

    private init(port: Int, directory: consuming TestDirectory, binaries: String) {
        self.port = port
        self.socketDirectory = directory.directory
        self.directory = directory
        self.binaries = binaries
    }

    /// A DSN for the test role, with `password` (percent-encoded), `database` and `query` as given.
    package func dsn(
        password: String = encodedPassword,
        database: String = database,
        query: String = "sslmode=disable"
    ) -> String {
        "postgres://\(Self.user):\(password)@127.0.0.1:\(port)/\(database)?\(query)"
    }

    /// Creates a cluster, starts it and creates the test role and database.
    /// - Parameter tls: PEM certificate and key files to serve TLS with (`ssl = on`); copied, since
    ///   the server wants its key readable by it alone.
    package static func start(tls: (certificate: String, key: String)? = nil) async throws -> PostgresTestServer {
        let binaries = try findBinaries()
        let directory = try TestDirectory()
        let passwordFile = try directory.file("superuser-password", superuserPassword + "\n")
        var tlsOptions = ""
        var ownedFiles = [directory.directory, passwordFile]
        if let tls {
            let certificate = try directory.file("server.crt", String(contentsOfFile: tls.certificate, encoding: .utf8))
            let key = try directory.file("server.key", String(contentsOfFile: tls.key, encoding: .utf8))
            chmod(key, 0o600)
            ownedFiles += [certificate, key]
            tlsOptions = " -c ssl=on -c ssl_cert_file=\(certificate) -c ssl_key_file=\(key)"
        }
        let owner = try serverOwner()
        if let owner {
            for path in ownedFiles {
                guard chown(path, owner.uid, owner.gid) == 0 else {
                    throw PostgresTestServerError("cannot chown \(path) to postgres: errno \(errno)")
                }
            }
        }
        let data = directory.path("data")
        try await run(
            asServerOwner: owner != nil,
            output: directory.path("initdb.log"),
            "\(binaries)/initdb",
            "--pgdata=\(data)",
            "--username=postgres",
            "--pwfile=\(passwordFile)",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync"
        )
        // A free port can be taken between finding it and binding it: try a few.
        var port = 0
        var lastError: (any Error)?
        for _ in 0..<3 {
            port = try ReservedPort().port
            do {
                try await run(
                    asServerOwner: owner != nil,
                    output: directory.path("pg_ctl.log"),
                    "\(binaries)/pg_ctl",
                    "--pgdata=\(data)",
                    "--log=\(directory.path("server.log"))",
                    "--wait",
                    "--options=-p \(port) -k \(directory.directory) -c listen_addresses=127.0.0.1 -c fsync=off\(tlsOptions)",
                    "start"
                )
                lastError = nil
                break
            } catch {
                lastError = error
            }
        }
        if let lastError {
            let log = directory.read("server.log") ?? ""
            throw PostgresTestServerError("\(lastError)\nserver.log:\n\(log)")
        }
        let server = PostgresTestServer(port: port, directory: directory, binaries: binaries)
        do {
            try await server.psql(
                "CREATE ROLE \(user) LOGIN PASSWORD '\(password)'",
                "CREATE DATABASE \(database) OWNER \(user)"
            )
        } catch {
            try? await server.stop()
            throw error
        }
        return server
    }

    /// Stops the server at once; the directory goes when the server is released.
    package func stop() async throws {
        try await Self.run(
            asServerOwner: try Self.serverOwner() != nil,
            output: directory.path("pg_ctl.log"),
            "\(binaries)/pg_ctl",
            "--pgdata=\(directory.path("data"))",
            "--mode=immediate",
            "--wait",
            "stop"
        )
    }

    /// Runs SQL statements as the superuser, each in its own transaction.
    private func psql(_ statements: String...) async throws {
        var arguments = [
            "\(binaries)/psql", "--host=127.0.0.1", "--port=\(port)", "--username=postgres", "--dbname=postgres",
            "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
        ]
        for statement in statements {
            arguments.append("--command=\(statement)")
        }
        try await Self.run(
            environment: ["PGPASSWORD": Self.superuserPassword],
            output: directory.path("psql.log"),
            arguments
        )
    }

    /// The `bin` directory of the newest PostgreSQL under /usr/lib/postgresql.
    private static func findBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let candidates = versions.compactMap { Int($0) }.sorted(by: >).map { "\(root)/\($0)/bin" }
        guard let binaries = candidates.first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") })
        else {
            throw PostgresTestServerError(
                "no PostgreSQL server binaries (\(root)/*/bin/initdb): install Debian's postgresql package, "
                    + "e.g. with scripts/install-deps.sh --test"
            )
        }
        return binaries
    }

    /// The `postgres` user's ids when running as root, where the server must run as that user; else `nil`.
    private static func serverOwner() throws -> (uid: uid_t, gid: gid_t)? {
        guard getuid() == 0 else { return nil }
        guard let entry = getpwnam("postgres") else {
            throw PostgresTestServerError("running as root, but there is no postgres user to run the server as")
        }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    private static func run(asServerOwner: Bool, output: String, _ arguments: String...) async throws {
        let runAs = asServerOwner ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        try await run(output: output, runAs + arguments)
    }

    /// Runs a command to its end, its output going to the file `output`; throws with that output
    /// when the command fails.
    ///
    /// Not Foundation's `Process`: the server that `pg_ctl start` leaves running would inherit
    /// the descriptor `Process` watches for the command's end, and the wait would last as long
    /// as the server. Here the command gets no descriptor but its standard streams.
    private static func run(environment: [String: String] = [:], output: String, _ arguments: [String]) async throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeInheritedDescriptors(&actions)
        let variables = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw PostgresTestServerError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            // waitpid blocks: on a thread of its own, not one of the few the tests share.
            Thread.detachNewThread { [pid] in
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        let exited = status & 0x7F == 0
        guard exited, (status >> 8) & 0xFF == 0 else {
            let command = arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            let how = exited ? "exited with \((status >> 8) & 0xFF)" : "was killed by signal \(status & 0x7F)"
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw PostgresTestServerError("\(command) \(how):\n\(text)")
        }
    }
    /// Adds actions that close every descriptor above the standard streams in the child.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        // glibc 2.34 has posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not show.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        // Elsewhere, close what is open now; a descriptor closed meanwhile is no error for posix_spawn.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }
}

struct PostgresTestServerError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Starts one ``PostgresTestServer`` for a suite, on first use, and stops it when the suite ends.
///
/// ```swift
/// @Suite(.postgresServer) struct PostgresProbeTests {
///     @Test func passes() async throws {
///         let server = try await PostgresServerTrait.server()
///     }
/// }
/// ```
package struct PostgresServerTrait: SuiteTrait, TestScoping {
    @TaskLocal private static var fixture: Fixture?

    package var isRecursive: Bool { false }

    /// The suite's server, started by the first test that asks.
    package static func server() async throws -> PostgresTestServer {
        guard let fixture else {
            throw PostgresTestServerError("the suite has no .postgresServer trait")
        }
        return try await fixture.server()
    }

    package func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = Fixture()
        do {
            try await Self.$fixture.withValue(fixture) { try await function() }
        } catch {
            try? await fixture.stop()
            throw error
        }
        try await fixture.stop()
    }

    private actor Fixture {
        private var starting: Task<PostgresTestServer, any Error>?

        func server() async throws -> PostgresTestServer {
            if let starting { return try await starting.value }
            // Tests share the start, and its error when it fails.
            let task = Task { try await PostgresTestServer.start() }
            starting = task
            return try await task.value
        }

        func stop() async throws {
            guard let server = try? await starting?.value else { return }
            try await server.stop()
        }
    }
}

extension Trait where Self == PostgresServerTrait {
    /// A real PostgreSQL server shared by the suite's tests; see ``PostgresServerTrait/server()``.
    package static var postgresServer: Self { PostgresServerTrait() }
}
