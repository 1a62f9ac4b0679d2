/// Polls `condition` until it holds or five real seconds pass, and returns whether it held.
///
/// Use it to wait for asynchronous work to land, such as a scheduled run after
/// ``TestClock/advance(by:)``, instead of sleeping for a guessed time. It never asserts how
/// long anything took: on a slow machine it simply polls longer.
///
/// ```swift
/// clock.advance(by: .seconds(1))
/// #expect(await eventually { check.finished == 1 })
/// ```
/// - Parameter condition: checked every two milliseconds; it must not block.
/// - Returns: `true` as soon as `condition` holds; `false` when it still does not after five seconds.
public func eventually(_ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(5))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}
