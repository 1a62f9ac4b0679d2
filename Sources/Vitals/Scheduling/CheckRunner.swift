public import Logging

/// Runs a check once under its timeout and turns whatever happens into a ``CheckOutcome``.
public enum CheckRunner {
    /// Runs `definition` once.
    ///
    /// `record` is called exactly once: with the check's outcome, or with a
    /// `timeout` failure as soon as the timeout passes. The check is then cancelled;
    /// this function returns when it has actually stopped.
    /// - Parameters:
    ///   - definition: the check and its policy.
    ///   - clock: measures the duration and the timeout.
    ///   - logger: receives unexpected errors in full.
    ///   - record: takes the scrubbed outcome and how long the run took (at most the timeout).
    public static func run<C: Clock>(
        _ definition: CheckDefinition,
        clock: C,
        logger: Logger,
        record: @Sendable (CheckOutcome, Duration) -> Void
    ) async where C.Duration == Duration {
        let timeout = definition.policy.timeout
        let started = clock.now
        await withTaskGroup(of: CheckOutcome?.self) { group in
            group.addTask {
                await evaluate(definition, logger: logger)
            }
            group.addTask {
                do {
                    try await clock.sleep(until: started.advanced(by: timeout), tolerance: nil)
                } catch {
                    return nil
                }
                return .fail("timed out after \(timeout.shortDescription)", reason: .timeout)
            }
            var outcome: CheckOutcome?
            while outcome == nil, let next = await group.next() {
                outcome = next
            }
            group.cancelAll()
            // Record before the group ends: a check that ignores cancellation must
            // not hold its timeout result back.
            let elapsed = min(started.duration(to: clock.now), timeout)
            let final = Scrubber.scrub(outcome ?? .fail("cancelled", reason: .timeout))
            if final.reason == .timeout {
                logger.warning("Check timed out", metadata: ["check": "\(definition.name)", "timeout": "\(timeout)"])
            }
            record(final, elapsed)
        }
    }

    static func evaluate(_ definition: CheckDefinition, logger: Logger) async -> CheckOutcome {
        do {
            return try await definition.check.run()
        } catch let failure as CheckFailure {
            if let underlying = failure.underlying {
                logger.error(
                    "Check failed with an unexpected error",
                    metadata: ["check": "\(definition.name)", "error": "\(Scrubber.scrub(underlying))"]
                )
            }
            return .fail(failure.detail, reason: failure.reason, observations: failure.observations)
        } catch is CancellationError {
            return .fail("cancelled", reason: .timeout)
        } catch {
            return .fail(String(describing: error), reason: .error)
        }
    }
}
