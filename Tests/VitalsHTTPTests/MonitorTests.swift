import Foundation
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import NIOCore
import Testing
import VitalsTesting

@testable import Vitals
@testable import VitalsHTTP

private let build = BuildInfo(version: "test", revision: "r", swiftVersion: "6")

private func app(
    _ monitor: Monitor,
    prefix: String = "",
    environment: EnvironmentDump.Options? = nil
) -> some ApplicationProtocol {
    let endpoints = HealthEndpoints(
        monitor: monitor,
        options: HealthEndpointsOptions(build: build, hostname: "test"),
        environment: environment
    )
    let router = Router()
    if prefix.isEmpty {
        endpoints.addRoutes(to: router)
    } else {
        endpoints.addRoutes(to: router.group(RouterPath(prefix)))
    }
    return Application(router: router)
}

private func results(_ body: ByteBuffer) throws -> [String: [String: Any]] {
    let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
    let list = json?["results"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: list.map { ($0["checker"] as? String ?? "", $0) })
}

@Suite struct MonitorTests {
    @Test func registersTheThreeCheckShapes() async throws {
        struct Struct: HealthCheck {
            func run() async throws -> CheckOutcome { .warn("a struct") }
        }
        let monitor = Monitor(mode: .onDemand())
        monitor.register(Struct(), name: "struct")
        monitor.register("outcome") { CheckOutcome.pass("a closure") }
        monitor.register("python") { (false, "like add_check") }
        try await app(monitor).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .internalServerError)
                let checks = try results(response.body)
                #expect(checks["struct"]?["status"] as? String == "warn")
                #expect(checks["outcome"]?["output"] as? String == "a closure")
                #expect(checks["python"]?["status"] as? String == "fail")
                #expect(checks["python"]?["output"] as? String == "like add_check")
            }
        }
    }

    @Test func aThrownErrorFailsWithItsDescription() async throws {
        struct Unreachable: Error, CustomStringConvertible { var description: String { "database unreachable" } }
        let monitor = Monitor(mode: .onDemand())
        monitor.register("db") { () async throws -> (Bool, String) in throw Unreachable() }
        await monitor.refresh()
        let check = try #require(monitor.store.snapshot().checks.first)
        #expect(check.status == .fail)
        #expect(check.output == "database unreachable")
        #expect(check.last?.outcome.reason == .error)
    }

    @Test func anUnexpectedErrorIsUnknownOutwardAndLoggedInFull() async throws {
        struct Internal: Error, CustomStringConvertible { var description: String { "pool exhausted at frame 12" } }
        let logs = InMemoryLogHandler()
        let monitor = Monitor(mode: .onDemand(), logger: Logger(label: "test") { _ in logs })
        monitor.register("db") { () async throws -> CheckOutcome in throw CheckFailure.unexpected(Internal()) }
        await monitor.refresh()
        let check = try #require(monitor.store.snapshot().checks.first)
        #expect(check.output == "unknown error")
        #expect(check.last?.outcome.reason == .unknown)
        #expect(
            logs.entries.contains { $0.level == .error && "\($0.metadata["error"] ?? "")".contains("pool exhausted") }
        )
    }

    @Test func cachesSuccessesAndFailuresForTheirOwnTTLs() async throws {
        let time = TestWallClock(startingAt: 1_700_000_000)
        let monitor = Monitor(
            mode: .onDemand(OnDemandOptions(successTTL: .seconds(27), failureTTL: .seconds(9))),
            wallClock: time.wallClock
        )
        let passing = GatedCheck(.pass("ok"), open: true)
        let failing = GatedCheck(.fail("down"), open: true)
        monitor.register(passing, name: "passing")
        monitor.register(failing, name: "failing")
        await monitor.refresh()
        await monitor.refresh()
        #expect(passing.started == 1 && failing.started == 1)
        time.advance(by: 10)
        await monitor.refresh()
        #expect(passing.started == 1, "27 s for a success")
        #expect(failing.started == 2, "9 s for a failure")
        time.advance(by: 18)
        await monitor.refresh()
        #expect(passing.started == 2)
        let expires = try #require(monitor.store.snapshot().checks.first { $0.name == "passing" }?.expires)
        #expect(expires == time.now + 27)
    }

    @Test func perCheckTTLsOverrideTheDefaultsAndNilTurnsCachingOff() async throws {
        let time = TestWallClock(startingAt: 1_700_000_000)
        let monitor = Monitor(mode: .onDemand(OnDemandOptions(successTTL: nil)), wallClock: time.wallClock)
        let uncached = GatedCheck(open: true)
        let cached = GatedCheck(open: true)
        monitor.register(uncached, name: "uncached")
        monitor.register(cached, name: "cached", policy: CheckPolicy(successTTL: .seconds(60)))
        for _ in 0..<3 { await monitor.refresh() }
        #expect(uncached.started == 3)
        #expect(cached.started == 1)
    }

    @Test func aHundredConcurrentRequestsShareOneRun() async throws {
        let monitor = Monitor(mode: .onDemand(OnDemandOptions(successTTL: nil, failureTTL: nil)))
        let check = GatedCheck()
        monitor.register(check, name: "slow")
        try await app(monitor).test(.router) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await client.execute(uri: "/health", method: .get) { $0.status } }
                }
                #expect(await eventually { check.started == 1 && monitor.onDemand?.waitingCount == 99 })
                check.open()
                // Collected first: an empty group must fail the test, not pass it.
                var statuses: [HTTPResponse.Status] = []
                for try await status in group { statuses.append(status) }
                #expect(statuses == Array(repeating: .ok, count: 100))
            }
        }
        #expect(check.started == 1)
    }

    @Test func serveStaleAnswersAtOnceWhileOneRefreshRuns() async throws {
        let time = TestWallClock(startingAt: 1_700_000_000)
        let monitor = Monitor(
            mode: .onDemand(OnDemandOptions(successTTL: .seconds(1), serveStale: true)),
            wallClock: time.wallClock
        )
        let check = GatedCheck(open: true)
        monitor.register(check, name: "slow")
        let service = Task { try await monitor.run() }
        await monitor.refresh()
        #expect(check.started == 1, "a check that never ran is waited for")
        check.close()
        time.advance(by: 5)
        for _ in 0..<3 { await monitor.refresh() }
        // The refreshes returned while the new run is held: the old result was served.
        #expect(await eventually { check.started == 2 })
        #expect(monitor.store.snapshot().checks.first?.runs == 1)
        check.open()
        #expect(await eventually { monitor.store.snapshot().checks.first?.runs == 2 })
        #expect(check.started == 2, "one refresh, however many requests")
        service.cancel()
        try await service.value
    }

    @Test func routesMountUnderAPrefix() async throws {
        let monitor = Monitor(mode: .onDemand())
        monitor.register("ok") { (true, "fine") }
        try await app(monitor, prefix: "ops").test(.router) { client in
            try await client.execute(uri: "/ops/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ops/metrics", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ops", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func customSectionsAppearScrubbed() async throws {
        let monitor = Monitor()
        monitor.addSection("database") {
            ["url": "postgres://app:hunter2@db/app", "api_token": "tok-123", "pool_size": 8]
        }
        try await app(monitor, environment: EnvironmentDump.Options(includeOS: false, includeProcess: false)).test(
            .router
        ) {
            client in
            try await client.execute(uri: "/environment", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("\"database\""))
                #expect(body.contains("\"pool_size\""))
                #expect(!body.contains("hunter2"))
                #expect(!body.contains("tok-123"))
                #expect(!body.contains("\"os\""))
            }
        }
        try await app(monitor).test(.router) { client in
            try await client.execute(uri: "/environment", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func scheduledModeRunsChecksAsAService() async throws {
        let monitor = Monitor()
        let check = GatedCheck(open: true)
        monitor.register(check, name: "c", policy: CheckPolicy(interval: .seconds(60)))
        let service = Task { try await monitor.run() }
        #expect(await eventually { monitor.store.snapshot().checks.first?.runs == 1 })
        await monitor.refresh()
        #expect(check.started == 1, "refresh does nothing in scheduled mode")
        service.cancel()
        try await service.value
    }
}
