import NIOCore
import NIOPosix
import Vitals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers shared by the probes: short human formats and small file reads.
enum ProbeSupport {
    /// `value` with at most `digits` (0–6) decimals and no trailing zeros: `12`, `12.5`, `0.25`.
    ///
    /// Written digit by digit into a small buffer: every check that reports a duration calls it on
    /// every run.
    static func decimal(_ value: Double, digits: Int = 1) -> String {
        guard value.isFinite else { return "\(value)" }
        let digits = min(max(digits, 0), 6)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let magnitude = (abs(value) * Double(scale)).rounded()
        // Converting 2^63 or more to an integer would trap; such a value has no decimals to show.
        guard magnitude < 9e18 else { return "\(value)" }
        let scaled = Int64(magnitude)
        var whole = scaled / scale
        var fraction = scaled % scale
        var shown = digits
        while shown > 0, fraction % 10 == 0 {
            fraction /= 10
            shown -= 1
        }
        // At most 19 digits, a point, 6 decimals and a sign.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var start = buffer.count
            func prepend(_ byte: UInt8) {
                start -= 1
                buffer[start] = byte
            }
            for _ in 0..<shown {
                prepend(UInt8(ascii: "0") + UInt8(fraction % 10))
                fraction /= 10
            }
            if shown > 0 { prepend(UInt8(ascii: ".")) }
            repeat {
                prepend(UInt8(ascii: "0") + UInt8(whole % 10))
                whole /= 10
            } while whole > 0
            if value < 0, scaled != 0 { prepend(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
        }
    }

    /// A percentage: `12%`, `9.5%`.
    static func percent(_ value: Double) -> String {
        decimal(value) + "%"
    }

    /// A byte count in binary units: `512 B`, `5.1 GiB`, `40 GiB`.
    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var scaled = value
        var unit = 0
        while abs(scaled) >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return "\(decimal(scaled)) \(units[unit])"
    }

    /// A duration in seconds: `0.4 ms`, `3.1 ms`, `3.2 s`, `4m 12s`, `3h 20m`, `2d 3h`.
    static func seconds(_ value: Double) -> String {
        if value < 1 { return decimal(value * 1000) + " ms" }
        // Past 2^63 seconds the conversion below would trap.
        if value < 60 || !(value < 9e18) { return decimal(value) + " s" }
        let whole = Int64(value.rounded(.down))
        if whole < 3600 { return "\(whole / 60)m \(whole % 60)s" }
        if whole < 86400 { return "\(whole / 3600)h \(whole % 3600 / 60)m" }
        return "\(whole / 86400)d \(whole % 86400 / 3600)h"
    }

    /// A `Duration` in the form of ``seconds(_:)``.
    static func duration(_ value: Duration) -> String {
        seconds(value.inSeconds)
    }

    /// `bytes` decoded as UTF-8 with control characters as spaces, trimmed, scrubbed and cut
    /// to `limit` characters with an ellipsis.
    ///
    /// Secrets are masked before the text is cut: a secret cut in half no longer looks like one.
    static func printable(_ bytes: some Collection<UInt8>, limit: Int = 64) -> String {
        // Enough to see a secret that starts within the limit whole, without scrubbing a huge body.
        let window = bytes.prefix(limit * 4 + 8192)
        var text = String(decoding: window, as: UTF8.self)
        text = String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 })
        )
        text = Scrubber.scrub(trimmed(text[...]))
        return text.count > limit || window.count < bytes.count ? text.prefix(limit) + "…" : text
    }

    /// `text` without leading and trailing whitespace.
    static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Connects `bootstrap` to `host`, giving up at once when the task is cancelled: an IP address
    /// directly, a name through NIO's resolver and Happy Eyeballs (a probe of an address spends
    /// nothing on `getaddrinfo` and its thread hop), or as the run's ``AddressSelection`` says.
    static func connect(_ bootstrap: ClientBootstrap, host: String, port: Int) async throws -> any Channel {
        if let address = try await ConnectionRoute.target(host: host, port: port) {
            return try await cancellableConnect(bootstrap.connect(to: address))
        }
        return try await cancellableConnect(bootstrap.connect(host: host, port: port))
    }

    /// Runs `connect`; a failure becomes the ``CheckFailure`` it means, a cancellation stays one.
    static func connecting<T>(_ connect: () async throws -> T) async throws -> T {
        do {
            return try await connect()
        } catch {
            if error is CancellationError { throw error }
            throw CheckFailure.network(error)
        }
    }

    /// Runs a conversation over an open connection: its ``CheckFailure``s as they are, any other
    /// error as the failure it means — or, when the run was cancelled (which closes the connection),
    /// as the cancellation.
    static func conversing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CheckFailure {
            throw error
        } catch {
            try Task.checkCancellation()
            throw CheckFailure.network(error)
        }
    }

    /// Waits for a connection attempt, giving up at once when the task is cancelled; a
    /// connection that completes after that is closed.
    static func cancellableConnect(_ connecting: EventLoopFuture<any Channel>) async throws -> any Channel {
        let promise = connecting.eventLoop.makePromise(of: (any Channel).self)
        connecting.cascade(to: promise)
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            // Completing a promise twice is a no-op in NIO, so the race with the connect is harmless.
            promise.fail(CancellationError())
            connecting.whenSuccess { $0.close(promise: nil) }
        }
    }

    /// The status of a measured value against its warning and failure thresholds: below them
    /// when lower is worse (free space), above them otherwise (load).
    static func status(of value: Double, warn: Double, fail: Double, lowerIsWorse: Bool) -> CheckStatus {
        let crosses = { (threshold: Double) in lowerIsWorse ? value < threshold : value > threshold }
        if crosses(fail) { return .fail }
        if crosses(warn) { return .warn }
        return .pass
    }

    /// The system's description of an `errno` value, e.g. `No such file or directory`.
    static func errnoDescription(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Reads a small file, such as one in `/proc`, whose size `stat` does not tell.
    /// - Throws: ``CheckFailure`` with reason `error` when the file cannot be read.
    static func readSmallFile(_ path: String, limit: Int = 1 << 20) throws(CheckFailure) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CheckFailure(.error, "cannot read \(path): \(errnoDescription(errno))")
        }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while contents.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CheckFailure(.error, "cannot read \(path): \(errnoDescription(errno))")
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk[..<count])
        }
        return String(decoding: contents, as: UTF8.self)
    }
}
