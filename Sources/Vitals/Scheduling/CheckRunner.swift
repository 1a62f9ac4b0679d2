public import Logging

/// Runs a check once under its timeout, records the result and returns it: the one path by which a
/// result reaches a ``ResultStore``, for the scheduler, on-demand mode and `vitals check` alike.
public enum CheckRunner {
    /// Runs the check of `slot` once and records the result in `store`.
    ///
    /// The result is recorded as soon as it is known: the check's outcome, or a `timeout` failure the
    /// moment the timeout passes. The check is then cancelled; this function returns when it has
    /// actually stopped.
    /// - Parameters:
    ///   - slot: the check, its policy and its state.
    ///   - store: where the result is recorded.
    ///   - clock: measures the duration and the timeout.
    ///   - logger: receives timeouts and unexpected errors in full.
    ///   - expires: when the recorded result is due to be replaced (Unix seconds), or nil.
    /// - Returns: the result as recorded (scrubbed, duration at most the timeout).
    @discardableResult
    public static func run<C: Clock>(
        _ slot: CheckSlot,
        store: ResultStore,
        clock: C,
        logger: Logger,
        expires: (CheckResult) -> Double?
    ) async -> CheckResult where C.Duration == Duration {
        let definition = slot.definition
        let timeout = definition.policy.timeout
        let started = clock.now
        return await withTaskGroup(of: CheckOutcome?.self) { group in
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
            return record(
                outcome ?? .fail("cancelled", reason: .timeout),
                took: min(started.duration(to: clock.now), timeout),
                slot: slot,
                store: store,
                logger: logger,
                expires: expires
            )
        }
    }

    /// ``run(_:store:clock:logger:expires:)`` for the scheduler, whose loop keeps the timeout:
    /// `deadline` expires when it passes, instead of a sleeping task and a timer for every run.
    static func run<C: Clock>(
        _ slot: CheckSlot,
        store: ResultStore,
        clock: C,
        logger: Logger,
        deadline: RunDeadline<C.Instant>,
        expires: @escaping @Sendable (CheckResult) -> Double?
    ) async -> CheckResult where C.Duration == Duration {
        let definition = slot.definition
        let timeout = definition.policy.timeout
        let started = clock.now
        // A task of its own, so that the loop can cancel it; it inherits priority and task-locals.
        // It settles the race with the deadline the moment the check returns, as a timer task
        // racing it in a group would, not when this task next gets a thread.
        let evaluation = Task {
            let outcome = await evaluate(definition, logger: logger)
            _ = deadline.finish()
            return outcome
        }
        deadline.attach(evaluation, deadline: started.advanced(by: timeout)) {
            record(
                .fail("timed out after \(timeout.shortDescription)", reason: .timeout),
                took: timeout,
                slot: slot,
                store: store,
                logger: logger,
                expires: expires
            )
        }
        let outcome = await withTaskCancellationHandler {
            await evaluation.value
        } onCancel: {
            evaluation.cancel()
        }
        if let timedOut = deadline.finish() { return timedOut }
        return record(
            outcome,
            took: min(started.duration(to: clock.now), timeout),
            slot: slot,
            store: store,
            logger: logger,
            expires: expires
        )
    }

    /// Scrubs `outcome`, records it as the run's result (logging a timeout) and returns the result.
    private static func record(
        _ outcome: CheckOutcome,
        took duration: Duration,
        slot: CheckSlot,
        store: ResultStore,
        logger: Logger,
        expires: (CheckResult) -> Double?
    ) -> CheckResult {
        let final = Scrubber.scrub(outcome)
        if final.reason == .timeout {
            logger.warning(
                "Check timed out",
                metadata: ["check": "\(slot.name)", "timeout": "\(slot.definition.policy.timeout)"]
            )
        }
        let result = CheckResult(outcome: final, finished: store.wallClock.now(), duration: duration.inSeconds)
        store.record(result, for: slot, expires: expires(result))
        return result
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
