import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization
import Vitals
import VitalsProbes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The last ping of every heartbeat check, kept across restarts in `DIRECTORY/heartbeats.json`, so
/// that a deploy does not fail every heartbeat until its job pings again.
///
/// A ping is recorded in memory at once (``record(_:success:)``) and written by ``run()`` within a
/// fraction of a second, and once more at shutdown. ``adopt(_:)`` restores the recorded pings into
/// newly made heartbeat probes, at start and on reload, and forgets checks that are gone. Without a
/// directory nothing is read or written, but a heartbeat changed by a reload still keeps its last
/// ping. The file holds check names, times and results only.
///
/// Trouble with the file is a logged warning, never an error: losing the state only brings back the
/// false alarms it exists to prevent.
final class HeartbeatStore: Service, Sendable {
    /// A heartbeat's last ping.
    struct Heartbeat: Codable, Equatable, Sendable {
        /// When it arrived, in Unix seconds.
        var lastPing: Double
        /// Whether it was a success or a reported failure (`/ping/{name}/fail`).
        var success: Bool

        enum CodingKeys: String, CodingKey {
            case lastPing = "last_ping"
            case success
        }
    }

    /// The file's layout; `version` changes if the layout ever does.
    private struct File: Codable {
        var version: Int
        var heartbeats: [String: Heartbeat]
    }

    private struct State {
        var heartbeats: [String: Heartbeat] = [:]
        /// Counts changes; the file is written when it is ahead of `savedVersion`.
        var version: UInt64 = 0
        var savedVersion: UInt64 = 0
        /// Set after a failed write, so that a directory that stays unwritable warns once, not per ping.
        var writeFailing = false
    }

    static let fileName = "heartbeats.json"
    static let fileVersion = 1

    /// The directory the file is in; `nil` keeps the state in memory only.
    let directory: String?
    private let wallClock: WallClock
    private let logger: Logger
    private let state = Mutex(State())
    private let changes: AsyncStream<Void>
    private let changed: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - directory: Where `heartbeats.json` is kept; `nil` for nowhere.
    ///   - wallClock: The time recorded for a ping.
    ///   - logger: Receives the warnings.
    init(directory: String?, wallClock: WallClock = .system, logger: Logger) {
        self.directory = directory
        self.wallClock = wallClock
        self.logger = logger
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The file's path, when there is a directory.
    var path: String? { directory.map { "\($0)/\(Self.fileName)" } }

    /// The heartbeats recorded so far.
    var heartbeats: [String: Heartbeat] { state.withLock { $0.heartbeats } }

    /// Reads the saved heartbeats, creating the directory if need be. A missing file starts empty; an
    /// unreadable or corrupt one starts empty with a warning. The file is then rewritten at once, so
    /// that a directory that cannot be written is reported at start rather than at the first ping.
    func load() {
        guard let directory, let path else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            warnNotKept("Cannot create the heartbeat state directory", error: "\(error)")
            state.withLock { $0.writeFailing = true }
            return
        }
        var loaded: [String: Heartbeat] = [:]
        do {
            if let bytes = try StateFile.contents(of: path) {
                loaded = try decode(bytes, path: path)
                logger.info("Loaded heartbeat state", metadata: ["path": "\(path)", "heartbeats": "\(loaded.count)"])
            } else {
                logger.info("No heartbeat state saved yet", metadata: ["path": "\(path)"])
            }
        } catch {
            logger.warning(
                "Cannot read the heartbeat state; heartbeats start without their last ping",
                metadata: ["path": "\(path)", "error": "\(error)"]
            )
        }
        state.withLock { state in
            state.heartbeats = loaded
            state.version += 1
        }
        changed.yield()
    }

    private func decode(_ bytes: [UInt8], path: String) throws(StateFileError) -> [String: Heartbeat] {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw StateFileError("\(path) is not a heartbeat state file (\(Self.problem(error)))")
        }
        guard file.version == Self.fileVersion else {
            throw StateFileError("\(path) has version \(file.version); this Vitals reads \(Self.fileVersion)")
        }
        return file.heartbeats.filter { $0.value.lastPing.isFinite }
    }

    /// What is wrong with the file, in a few words rather than the decoder's paragraph.
    private static func problem(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func at(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not valid JSON"
        case .dataCorrupted(let context): return "bad value at \(at(context))"
        case .keyNotFound(let key, let context):
            return context.codingPath.isEmpty
                ? "no \"\(key.stringValue)\"" : "no \"\(key.stringValue)\" in \(at(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "unexpected value at \(at(context))"
        @unknown default: return "\(error)"
        }
    }

    /// Records a ping for the heartbeat check `name`, to be written soon.
    func record(_ name: String, success: Bool) {
        let now = wallClock.now()
        state.withLock { state in
            state.heartbeats[name] = Heartbeat(lastPing: now, success: success)
            state.version += 1
        }
        changed.yield()
    }

    /// Restores the recorded pings into the heartbeat probes of `definitions` and forgets the
    /// heartbeats that are not among them (removed, renamed, or no longer of type `heartbeat`).
    ///
    /// Called with the new definitions before they replace the running ones. A probe the monitor
    /// keeps (an unchanged check) is not replaced, so restoring its discarded twin does no harm.
    func adopt(_ definitions: [CheckDefinition]) {
        let now = wallClock.now()
        var names = Set<String>()
        var restored = 0
        let heartbeats = state.withLock { $0.heartbeats }
        for definition in definitions {
            // HeartbeatSettings makes every heartbeat probe on the continuous clock.
            guard let probe = definition.check as? HeartbeatProbe<ContinuousClock> else { continue }
            names.insert(definition.name)
            guard let saved = heartbeats[definition.name] else { continue }
            probe.restore(lastPing: saved.lastPing, success: saved.success, now: now)
            restored += 1
        }
        let dropped = state.withLock { state in
            let gone = state.heartbeats.keys.filter { !names.contains($0) }
            for name in gone { state.heartbeats[name] = nil }
            if !gone.isEmpty { state.version += 1 }
            return gone.count
        }
        if dropped > 0 { changed.yield() }
        logger.debug("Heartbeat state adopted", metadata: ["restored": "\(restored)", "dropped": "\(dropped)"])
    }

    /// Writes the file if anything changed since the last write. A failure is logged (a warning the
    /// first time, then at debug level until a write succeeds again) and retried at the next change.
    func save() async {
        guard let path else { return }
        let (heartbeats, version) = state.withLock { state in
            (state.heartbeats, state.version > state.savedVersion ? state.version : nil)
        }
        guard let version else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(File(version: Self.fileVersion, heartbeats: heartbeats)))
        } catch {
            preconditionFailure("heartbeat state must encode: \(error)")
        }
        let outcome: Result<Void, StateFileError>
        do {
            // fsync may take a while on a busy disk; it must not hold a concurrency thread.
            outcome = try await NIOThreadPool.singleton.runIfActive {
                Result { () throws(StateFileError) in try StateFile.replace(path, with: bytes) }
            }
        } catch {
            outcome = .failure(StateFileError("cannot write \(path): \(error)"))
        }
        switch outcome {
        case .success:
            let recovered = state.withLock { state in
                state.savedVersion = max(state.savedVersion, version)
                defer { state.writeFailing = false }
                return state.writeFailing
            }
            if recovered { logger.info("Heartbeat state written again", metadata: ["path": "\(path)"]) }
        case .failure(let error):
            let first = state.withLock { state in
                defer { state.writeFailing = true }
                return !state.writeFailing
            }
            if first {
                warnNotKept("Cannot write the heartbeat state", error: error.description)
            } else {
                logger.debug("Cannot write the heartbeat state", metadata: ["error": "\(error)"])
            }
        }
    }

    private func warnNotKept(_ message: String, error: String) {
        logger.warning(
            "\(message); heartbeats will fail after a restart until their jobs ping again",
            metadata: ["directory": "\(directory ?? "")", "error": "\(error)"]
        )
    }

    /// Writes each change soon after it happens, and the last ones at shutdown. Placed first in the
    /// service group, it stops last, after the HTTP server has stopped taking pings.
    func run() async throws {
        for await _ in changes.cancelOnGracefulShutdown() {
            await save()
            // Turns a burst of pings into a few writes rather than one fsync each.
            try? await Task.sleep(for: .milliseconds(100))
        }
        await save()
    }
}
