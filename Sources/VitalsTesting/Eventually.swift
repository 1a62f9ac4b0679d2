/// Polls `condition` until it holds or `limit` (thirty real seconds by default) passes, and returns
/// whether it held.
///
/// Use it to wait for asynchronous work to land, such as a scheduled run after
/// ``TestClock/advance(by:)``, instead of sleeping for a guessed time. It never asserts how
/// long anything took: on a slow machine it simply polls longer.
///
/// ```swift
/// clock.advance(by: .seconds(1))
/// #expect(await eventually { check.finished == 1 })
/// ```
/// The limit only bounds a failing wait: a loaded machine (a test suite running in parallel on
/// two cores, with child processes starting) can take seconds to schedule work that normally
/// lands in microseconds; ten seconds proved too short on such a CI runner.
/// - Parameters:
///   - limit: how long to poll before giving up.
///   - condition: checked every two milliseconds; it must not block.
/// - Returns: `true` as soon as `condition` holds; `false` when it still does not after `limit`.
public func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}
