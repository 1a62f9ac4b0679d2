/// What ``Monitor`` needs of a ``Scheduler``, whatever its clock.
protocol CheckScheduling: Sendable {
    func replace(with definitions: [CheckDefinition])
    func runSoon(_ slot: CheckSlot)
    func waitForFirstRound() async
    var progressCount: UInt64 { get }
    func run() async throws
}

extension Scheduler: CheckScheduling {}
