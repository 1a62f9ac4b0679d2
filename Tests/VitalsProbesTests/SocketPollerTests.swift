import NIOCore
import TestPeers
import Testing
import Vitals
import VitalsTesting

@testable import VitalsProbes

@Suite(.tags(.integration))
struct SocketPollerTests {
    private func address(_ port: Int) throws -> SocketAddress {
        try SocketAddress(ipAddress: "127.0.0.1", port: port)
    }

    @Test func manyConnectionsAtOnceEachCompleteOrAreRefused() async throws {
        let poller = try #require(SocketPoller())
        let server = try await TCPTestServer.start(.silent)
        defer { Task { try await server.stop() } }
        let reserved = try ReservedPort()
        let (open, closed) = (try address(server.port), try address(reserved.port))
        let results = try await bounded {
            await withTaskGroup(of: (Bool, Result<Void, any Error>).self) { group in
                for index in 0..<200 {
                    let target = index % 4 == 0 ? closed : open
                    group.addTask { (index % 4 != 0, await Result { try await poller.connect(to: target) }) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(results.count == 200)
        for (listening, result) in results {
            if listening {
                #expect(throws: Never.self) { try result.get() }
            } else {
                #expect(CheckFailure.network(result.failure ?? CancellationError()).reason == .refused)
            }
        }
        #expect(poller.pendingCount == 0)
    }

    /// Runs `wait` in a task and, once `poller` holds it, cancels the task: the wait must end as
    /// cancelled and leave nothing registered.
    private func expectCancelledWhileWaiting(
        in poller: SocketPoller,
        _ wait: @escaping @Sendable () async throws -> Void
    ) async throws {
        let waiting = Task { try await wait() }
        #expect(await eventually { poller.pendingCount == 1 })
        waiting.cancel()
        let result = try await bounded { await waiting.result }
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(poller.pendingCount == 0)
    }

    private func connect(to port: Int, _ poller: SocketPoller) async throws -> PolledConnection {
        let target = try address(port)
        return try await bounded { try await PolledConnection(to: target, poller: poller) }
    }

    @Test func aConnectionThatNeverCompletesEndsWhenCancelledAndIsForgotten() async throws {
        let poller = try #require(SocketPoller())
        let listener = try FullBacklogListener()
        let target = try address(listener.port)
        // The kernel drops its SYN, so only the cancellation can end it.
        try await expectCancelledWhileWaiting(in: poller) { try await poller.connect(to: target) }
    }

    @Test func anAttemptCancelledBeforeItStartsNeverWaits() async throws {
        let poller = try #require(SocketPoller())
        let listener = try FullBacklogListener()
        let target = try address(listener.port)
        let result = try await bounded {
            await Result {
                withUnsafeCurrentTask { $0?.cancel() }
                try await poller.connect(to: target)
            }
        }
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(poller.pendingCount == 0)
    }

    @Test func aConnectionWaitingForAReplyThatNeverComesEndsWhenCancelledAndIsForgotten() async throws {
        let poller = try #require(SocketPoller())
        let listener = try IdleListener()
        let connection = try await connect(to: listener.port, poller)
        try await expectCancelledWhileWaiting(in: poller) {
            var buffer: [UInt8] = []
            _ = try await connection.receive(into: &buffer)
        }
    }

    @Test func aSendToAPeerThatNeverReadsWaitsForRoomAndEndsWhenCancelled() async throws {
        let poller = try #require(SocketPoller())
        let listener = try IdleListener()
        let connection = try await connect(to: listener.port, poller)
        // Far more than loopback's send and receive buffers hold, so the socket reports it is full.
        try await expectCancelledWhileWaiting(in: poller) {
            try await connection.send([UInt8](repeating: 0x78, count: 64 << 20))
        }
    }

    @Test func readsAReplyLargerThanOneReadUntilThePeerCloses() async throws {
        let poller = try #require(SocketPoller())
        let reply = String(repeating: "0123456789", count: 100_000)
        let server = try await TCPTestServer.start(.banner(reply, thenClose: true))
        defer { Task { try await server.stop() } }
        let connection = try await connect(to: server.port, poller)
        let (received, reads) = try await bounded {
            var buffer: [UInt8] = []
            var reads = 0
            while try await connection.receive(into: &buffer) { reads += 1 }
            return (buffer, reads)
        }
        #expect(received == Array(reply.utf8))
        #expect(reads > 1)
        #expect(poller.pendingCount == 0)
    }

    @Test func aTCPCheckWithNothingToSendEndsAsCancelledWhenItsRunIsCutOff() async throws {
        let listener = try FullBacklogListener()
        let check = TCPProbe(host: "127.0.0.1", port: listener.port)
        let run = Task { try await check.run() }
        try await Task.sleep(for: .milliseconds(50))  // most likely in the poller by then; either way it must end
        run.cancel()
        let result = try await bounded { await run.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }
}

extension Result where Failure == any Error {
    fileprivate var failure: (any Error)? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
