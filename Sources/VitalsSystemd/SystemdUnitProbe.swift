import Foundation
import Synchronization
public import Vitals

#if canImport(CSystemd)
import CSystemd
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Asks systemd, over D-Bus, whether a unit (or every loaded unit a pattern matches) is in the
/// state it should be.
///
/// A unit passes while its `ActiveState` is one of ``expectedStates`` (`active` by default); it
/// warns while it is changing state (`activating`, `deactivating`, `reloading`, `refreshing`) and
/// when its `NRestarts` grew since the previous run; any other state fails with reason ``state``.
/// The message shows `SubState`, and a service's `Result` when it is not `success`.
///
/// The system bus is the default (`DBUS_SYSTEM_BUS_ADDRESS` is honoured); ``Bus/user`` asks the
/// user's manager (`DBUS_SESSION_BUS_ADDRESS`, or `$XDG_RUNTIME_DIR/bus`). Reading unit state needs
/// no privilege.
///
/// ```swift
/// let web = SystemdUnitProbe(unit: "nginx.service")
/// let workers = SystemdUnitProbe(unit: "worker@*.service")
/// ```
///
/// Failure reasons: ``state``, `error` (no bus, no such unit, no unit matching the pattern).
/// Observations: `restarts` (the units' `NRestarts`, summed).
public struct SystemdUnitProbe: HealthCheck {
    /// Which service manager to ask.
    public enum Bus: String, Sendable, Hashable, CaseIterable {
        /// The system's manager (PID 1).
        case system
        /// The user's manager (`systemctl --user`).
        case user
    }

    /// The failure reason when a unit is in a state other than those expected.
    public static let state = FailureReason("state")

    /// States in which a unit is on its way somewhere: they warn.
    static let transitional: Set<String> = ["activating", "deactivating", "reloading", "refreshing"]

    /// A unit name, or a pattern (`*`, `?`, `[…]`) matched against the loaded units.
    public var unit: String
    /// The bus to ask.
    public var bus: Bus
    /// The `ActiveState`s that pass.
    public var expectedStates: [String]
    /// How long a D-Bus call may take.
    public var callTimeout: Duration

    private let restarts = RestartCounts()

    /// Creates a probe of a systemd unit.
    /// - Parameters:
    ///   - unit: A unit name (`nginx.service`), or a pattern (`worker@*.service`).
    ///   - bus: The system bus, or the user's.
    ///   - expectedStates: The `ActiveState`s that pass; a oneshot unit may expect `inactive` too.
    ///   - callTimeout: How long a D-Bus call may take.
    public init(
        unit: String,
        bus: Bus = .system,
        expectedStates: [String] = ["active"],
        callTimeout: Duration = .seconds(5)
    ) {
        self.unit = unit
        self.bus = bus
        self.expectedStates = expectedStates
        self.callTimeout = callTimeout
    }

    /// Whether `text` is a pattern rather than a unit name.
    public static func isPattern(_ text: String) -> Bool {
        text.contains { "*?[".contains($0) }
    }

    public func run() async throws -> CheckOutcome {
        let (unit, bus, timeout) = (unit, bus, UInt64(callTimeout.inSeconds * 1_000_000))
        let units = try await Self.offThread { () throws(CheckFailure) in try Self.read(unit, on: bus, timeout: timeout)
        }
        guard !units.isEmpty else { throw CheckFailure(.error, "no loaded unit matches \(unit)") }
        return judge(units)
    }

    /// What systemd says of one unit.
    struct UnitState: Sendable, Equatable {
        var name: String
        var loadState: String
        var activeState: String
        var subState: String
        /// A service's `Result`; nil for other unit types.
        var result: String?
        /// A service's `NRestarts`; nil for other unit types.
        var restarts: UInt32?

        var description: String {
            var text = "\(name) is \(activeState) (\(subState))"
            if let result, result != "success" { text += ", result \(result)" }
            return text
        }
    }

    /// The outcome for the units' states; remembers their restart counts for the next run.
    func judge(_ units: [UnitState]) -> CheckOutcome {
        let grown = restarts.update(units)
        let observations = [Observation("restarts", Double(units.reduce(0) { $0 + Int($1.restarts ?? 0) }))]
        let failing = units.filter {
            !expectedStates.contains($0.activeState) && !Self.transitional.contains($0.activeState)
        }
        let changing = units.filter { Self.transitional.contains($0.activeState) }
        let summary =
            units.count == 1
            ? units[0].description
            : "\(units.count - failing.count - changing.count) of \(units.count) units \(expectedStates.joined(separator: "/"))"
        func listed(_ some: [UnitState]) -> String {
            units.count == 1 ? "" : "; " + some.map(\.description).joined(separator: "; ")
        }
        if !failing.isEmpty {
            let missing = failing.filter { $0.loadState != "loaded" }
            if units.count == 1, let unit = missing.first {
                return .fail(
                    "\(unit.name) is not loaded (\(unit.loadState))",
                    reason: Self.state,
                    observations: observations
                )
            }
            return .fail(summary + listed(failing), reason: Self.state, observations: observations)
        }
        if !changing.isEmpty { return .warn(summary + listed(changing), observations: observations) }
        if !grown.isEmpty {
            let restarted = grown.map { "\($0.name) restarted \($0.count) time\($0.count == 1 ? "" : "s")" }
            return .warn(
                "\(summary); \(restarted.joined(separator: ", ")) since the last run",
                observations: observations
            )
        }
        return .pass(summary, observations: observations)
    }

    /// Runs `body` on a thread of its own (sd-bus calls block), and returns early when the task is
    /// cancelled; the call then ends on its own within ``callTimeout``.
    private static func offThread<T: Sendable>(
        _ body: @escaping @Sendable () throws(CheckFailure) -> T
    ) async throws -> T {
        let answer = PendingAnswer<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Already cancelled: the continuation has been resumed, so do not start the call.
                guard answer.wait(with: continuation) else { return }
                Thread {
                    let result = Result { () throws(CheckFailure) in try body() }
                    answer.deliver(result.mapError { $0 as any Error })
                }
                .start()
            }
        } onCancel: {
            answer.deliver(.failure(CancellationError()))
        }
    }
}

/// The restart counts seen at the previous run, per unit.
private final class RestartCounts: Sendable {
    private let counts = Mutex<[String: UInt32]>([:])

    /// Records the units' counts; returns the units whose count grew since the previous run.
    func update(_ units: [SystemdUnitProbe.UnitState]) -> [(name: String, count: UInt32)] {
        counts.withLock { counts in
            var grown: [(name: String, count: UInt32)] = []
            for unit in units {
                guard let now = unit.restarts else { continue }
                if let before = counts[unit.name], now > before { grown.append((unit.name, now - before)) }
                counts[unit.name] = now
            }
            return grown
        }
    }
}

// MARK: - D-Bus

extension SystemdUnitProbe {
    private static let destination = "org.freedesktop.systemd1"
    private static let unitInterface = "org.freedesktop.systemd1.Unit"
    private static let serviceInterface = "org.freedesktop.systemd1.Service"

    /// The state of `unit`, or of every loaded unit a pattern matches. Blocks.
    static func read(_ unit: String, on bus: Bus, timeout: UInt64) throws(CheckFailure) -> [UnitState] {
        #if canImport(CSystemd)
        var opened: OpaquePointer?
        let code = bus == .system ? sd_bus_open_system(&opened) : sd_bus_open_user(&opened)
        guard code >= 0, let connection = opened else {
            throw CheckFailure(.error, "cannot connect to the \(bus.rawValue) bus: \(String(cString: strerror(-code)))")
        }
        defer { sd_bus_flush_close_unref(connection) }
        sd_bus_set_method_call_timeout(connection, timeout)
        let units = isPattern(unit) ? try listUnits(matching: unit, connection) : [(unit, try path(of: unit))]
        return try units.map { name, path throws(CheckFailure) in
            let service = name.hasSuffix(".service")
            return UnitState(
                name: name,
                loadState: try string(connection, path, unitInterface, "LoadState"),
                activeState: try string(connection, path, unitInterface, "ActiveState"),
                subState: try string(connection, path, unitInterface, "SubState"),
                result: service ? try? string(connection, path, serviceInterface, "Result") : nil,
                restarts: service ? restartCount(connection, path) : nil
            )
        }
        #else
        throw CheckFailure(.error, "systemd checks need Linux with libsystemd")
        #endif
    }

    #if canImport(CSystemd)
    /// The object path systemd gives `unit`: `/org/freedesktop/systemd1/unit/nginx_2eservice`.
    private static func path(of unit: String) throws(CheckFailure) -> String {
        var encoded: UnsafeMutablePointer<CChar>?
        guard sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &encoded) >= 0, let encoded else {
            throw CheckFailure(.error, "cannot name the unit \(unit) on the bus")
        }
        defer { free(encoded) }
        return String(cString: encoded)
    }

    private static func string(
        _ bus: OpaquePointer,
        _ path: String,
        _ interface: String,
        _ member: String
    )
        throws(CheckFailure) -> String
    {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var value: UnsafeMutablePointer<CChar>?
        let code = sd_bus_get_property_string(bus, destination, path, interface, member, &error, &value)
        guard code >= 0, let value else { throw failure(code, error, asking: member) }
        defer { free(value) }
        return String(cString: value)
    }

    private static func restartCount(_ bus: OpaquePointer, _ path: String) -> UInt32? {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var value: UInt32 = 0
        let code = sd_bus_get_property_trivial(
            bus,
            destination,
            path,
            serviceInterface,
            "NRestarts",
            &error,
            CChar(UInt8(ascii: "u")),
            &value
        )
        return code >= 0 ? value : nil
    }

    /// The loaded units whose names match `pattern`, with their object paths (`ListUnitsByPatterns`).
    private static func listUnits(
        matching pattern: String,
        _ bus: OpaquePointer
    ) throws(CheckFailure) -> [(String, String)] {
        var call: OpaquePointer?
        guard
            sd_bus_message_new_method_call(
                bus,
                &call,
                destination,
                "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager",
                "ListUnitsByPatterns"
            ) >= 0, let call
        else { throw CheckFailure(.error, "cannot ask systemd for its units") }
        defer { sd_bus_message_unref(call) }
        let noStates: [UnsafeMutablePointer<CChar>?] = [nil]
        var patterns: [UnsafeMutablePointer<CChar>?] = [strdup(pattern), nil]
        defer { free(patterns[0]) }
        var states = noStates
        guard sd_bus_message_append_strv(call, &states) >= 0, sd_bus_message_append_strv(call, &patterns) >= 0 else {
            throw CheckFailure(.error, "cannot ask systemd for its units")
        }
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var answer: OpaquePointer?
        let code = sd_bus_call(bus, call, 0, &error, &answer)
        guard code >= 0, let reply = answer else { throw failure(code, error, asking: "ListUnitsByPatterns") }
        defer { sd_bus_message_unref(reply) }
        // a(ssssssouso): name, description, load, active, sub, following, path, job id, job type, job path.
        var units: [(String, String)] = []
        guard sd_bus_message_enter_container(reply, CChar(UInt8(ascii: "a")), "(ssssssouso)") >= 0 else {
            throw CheckFailure(.error, "systemd answered ListUnitsByPatterns in an unknown form")
        }
        while sd_bus_message_enter_container(reply, CChar(UInt8(ascii: "r")), "ssssssouso") > 0 {
            var fields: [String] = []
            for type in "ssssssouso".utf8 {
                if type == UInt8(ascii: "u") {
                    var number: UInt32 = 0
                    _ = sd_bus_message_read_basic(reply, CChar(type), &number)
                    continue
                }
                var text: UnsafePointer<CChar>?
                _ = sd_bus_message_read_basic(reply, CChar(type), &text)
                fields.append(text.map { String(cString: $0) } ?? "")
            }
            sd_bus_message_exit_container(reply)
            units.append((fields[0], fields[6]))
        }
        sd_bus_message_exit_container(reply)
        return units.sorted { $0.0 < $1.0 }
    }

    private static func failure(_ code: Int32, _ error: sd_bus_error, asking what: String) -> CheckFailure {
        let message = error.message.map { String(cString: $0) } ?? String(cString: strerror(-code))
        return CheckFailure(.error, "systemd did not answer \(what): \(message)")
    }
    #endif
}
