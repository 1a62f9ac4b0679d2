import HTTPTypes
package import Vitals

/// `/livez` and `/readyz`, as Kubernetes probes and kube-apiserver have them: `ok` or a short list with
/// `?verbose`, a status code a probe acts on, and `?exclude=NAME` to leave a check out.
///
/// Liveness never depends on a dependency: it fails only when the scheduler has stopped turning, so that
/// a restart is the cure. Readiness is the critical checks (or a tag's checks) and fails while the
/// daemon drains before it stops.
package enum ProbeEndpoints {
    /// One line of a verbose answer: `[+]db ok` or `[-]db failed: refused`.
    package struct Line: Equatable {
        package var name: String
        /// What keeps it from being fine, or nil.
        package var problem: String?

        var text: String { problem.map { "[-]\(name) failed: \($0)" } ?? "[+]\(name) ok" }
    }

    /// The answer to `/livez`.
    static func liveness(_ liveness: Liveness, verbose: Bool, excluding excluded: [String]) -> Reply {
        var lines = [Line(name: "ping", problem: nil)]
        if !excluded.contains("scheduler") { lines.append(Line(name: "scheduler", problem: liveness.problem)) }
        return answer("livez", lines, verbose: verbose)
    }

    /// The answer to `/readyz` (`tag` nil) or `/readyz/{tag}`: nil when no check has the tag.
    static func readiness(
        _ snapshot: Snapshot,
        tag: String?,
        draining: Bool,
        verbose: Bool,
        excluding excluded: [String]
    ) -> Reply? {
        readinessLines(snapshot, tag: tag, draining: draining, excluding: excluded).map { lines in
            answer("readyz", lines, verbose: verbose)
        }
    }

    /// Readiness, line by line: the critical checks (`tag` nil) or those with `tag`, less `excluded`, and
    /// a `shutdown` line while draining; ready when no line has a problem. Nil when no check has the
    /// tag. `/readyz` and the gRPC health service both judge by it.
    package static func readinessLines(
        _ snapshot: Snapshot,
        tag: String?,
        draining: Bool,
        excluding excluded: [String] = []
    ) -> [Line]? {
        let checks: [CheckSnapshot]
        if let tag {
            guard let tagged = snapshot.checks(taggedWith: tag) else { return nil }
            checks = tagged
        } else {
            checks = snapshot.checks.filter(\.critical)
        }
        var lines = checks.filter { !excluded.contains($0.name) }.map { check in
            Line(name: check.name, problem: problem(of: check))
        }
        if draining { lines.append(Line(name: "shutdown", problem: "draining before the stop")) }
        return lines
    }

    /// Why a check keeps the daemon from being ready, or nil. The reason, never the message: a probe's
    /// answer may be public where `/health` is not.
    private static func problem(of check: CheckSnapshot) -> String? {
        guard let last = check.last else { return "pending" }
        guard check.status == .fail else { return nil }
        return last.outcome.reason?.rawValue ?? "fail"
    }

    private static func answer(_ endpoint: String, _ lines: [Line], verbose: Bool) -> Reply {
        let failed = lines.contains { $0.problem != nil }
        let status: HTTPResponse.Status = failed ? .serviceUnavailable : .ok
        guard verbose || failed else { return Reply(status, text: "ok\n") }
        let verdict = "\(endpoint) check \(failed ? "failed" : "passed")"
        return Reply(status, text: (lines.map(\.text) + [verdict]).joined(separator: "\n") + "\n")
    }
}

/// Whether the scheduling loop still turns: it does at least once a tick (a second) while the process
/// lives, whatever its checks do.
public struct Liveness: Sendable, Equatable {
    /// What is wrong, or nil when alive.
    public var problem: String?

    /// Alive.
    public static let alive = Liveness(problem: nil)

    /// Creates a liveness answer; `problem` nil means alive.
    public init(problem: String?) {
        self.problem = problem
    }
}
