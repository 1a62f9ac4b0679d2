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

    /// What the scheduler's runs share: where results go, the logger, and the scheduler's time.
    struct ScheduledContext: Sendable {
        let store: ResultStore
        let logger: Logger
        /// The time since the scheduler's origin, in which run deadlines and due times count.
        let elapsed: @Sendable () -> Duration
    }

    /// ``run(_:store:clock:logger:expires:)`` for the scheduler, whose loop keeps the timeout: `run`
    /// expires when its deadline passes, records the timeout through ``recordTimeout(_:now:context:)``
    /// and cancels this task, instead of a sleeping task and a timer for every run. The check runs in
    /// this task: no task of its own to create and to wait for.
    // What happens before and after the check is in functions of their own, not inlined: an async
    // function's frame holds all its locals, and a small one fits the task's first allocator slab.
    static func run(_ run: RunDeadline, context: ScheduledContext) async {
        let started = start(run, context: context)
        // The race with the deadline is settled the moment the check returns.
        let outcome = await evaluate(run.slot.definition, logger: context.logger)
        finish(run, outcome: outcome, started: started, context: context)
    }

    /// Attaches the run's task to its deadline; returns the start in the scheduler's time.
    @inline(never)
    private static func start(_ run: RunDeadline, context: ScheduledContext) -> Duration {
        let started = context.elapsed()
        withUnsafeCurrentTask { task in
            if let task { run.attach(task, deadline: started + run.timeout) }
        }
        return started
    }

    /// Records the outcome, unless the loop recorded the timeout first, and logs the run.
    @inline(never)
    private static func finish(
        _ run: RunDeadline,
        outcome: CheckOutcome,
        started: Duration,
        context: ScheduledContext
    ) {
        let result: CheckResult
        if let timedOut = run.finish() {
            result = timedOut
        } else {
            let now = context.elapsed()
            result = record(
                outcome,
                took: min(now - started, run.timeout),
                slot: run.slot,
                store: context.store,
                logger: context.logger
            ) { result in
                result.finished + max(.zero, run.nextDue - now).inSeconds
            }
        }
        context.logger.debug(
            "Check ran",
            metadata: [
                "check": "\(run.slot.name)", "status": "\(result.outcome.status.rawValue)",
                "duration": "\(result.duration)", "output": "\(result.outcome.message)",
            ]
        )
    }

    /// Records the timeout of `run`, whose deadline passed at `now` (in the scheduler's time).
    static func recordTimeout(_ run: RunDeadline, now: Duration, context: ScheduledContext) -> CheckResult {
        record(
            .fail("timed out after \(run.timeout.shortDescription)", reason: .timeout),
            took: run.timeout,
            slot: run.slot,
            store: context.store,
            logger: context.logger
        ) { result in
            result.finished + max(.zero, run.nextDue - now).inSeconds
        }
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
