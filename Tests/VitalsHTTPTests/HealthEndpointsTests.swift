import CZlib
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import Vitals
import VitalsTesting

@testable import VitalsHTTP

/// A store and fixed options; pings reach the checks, and there is no reload.
private struct StoreSource: HealthSource {
    let store: ResultStore
    let endpointOptions: HealthEndpointsOptions
}

/// A store with checks that have run once with the given outcomes.
private func makeStore(_ checks: [(String, CheckOutcome, CheckPolicy)]) -> ResultStore {
    let store = ResultStore(wallClock: WallClock { 1_700_000_000 })
    store.replace(
        with: checks.map { CheckDefinition(name: $0.0, type: "test", policy: $0.2, check: FixedCheck($0.1)) }
    )
    store.recordFixedOutcomes(finished: 1_700_000_000, duration: 0.002)
    return store
}

private func makeApp(
    _ store: ResultStore,
    failureStatus: Int = 500,
    headers: [(String, String)] = []
)
    -> (some ApplicationProtocol, HealthEndpoints)
{
    let endpoints = HealthEndpoints(
        source: StoreSource(
            store: store,
            endpointOptions: HealthEndpointsOptions(
                failureStatus: failureStatus,
                headers: headers.map { (name: $0.0, value: $0.1) },
                build: BuildInfo(version: "test", revision: "r", swiftVersion: "6"),
                hostname: "test-host"
            )
        )
    )
    let router = Router()
    endpoints.addRoutes(to: router)
    return (Application(router: router), endpoints)
}

@Suite struct HealthEndpointsTests {
    @Test func healthIs200WhenOnlyANonCriticalCheckFails() async throws {
        let store = makeStore([
            ("ok", .pass("fine"), CheckPolicy()),
            ("optional", .fail("down"), CheckPolicy(critical: false)),
        ])
        try await makeApp(store).0.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(String(buffer: response.body).contains("\"status\":\"success\""))
            }
        }
    }

    @Test func healthUsesTheConfiguredFailureStatusAndHeaders() async throws {
        let store = makeStore([("db", .fail("down"), CheckPolicy())])
        try await makeApp(store, failureStatus: 503, headers: [("X-Served-By", "vitals")]).0.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status.code == 503)
                #expect(response.headers[HTTPField.Name("X-Served-By")!] == "vitals")
                #expect(String(buffer: response.body).contains("\"status\":\"failure\""))
            }
        }
    }

    @Test func warningIsNotAFailure() async throws {
        let store = makeStore([("disk", .warn("15% free"), CheckPolicy())])
        try await makeApp(store).0.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func tagSelectsChecksAndAnUnknownTagIs404() async throws {
        let store = makeStore([
            ("api", .pass("ok"), CheckPolicy(tags: ["ready"])),
            ("db", .fail("down"), CheckPolicy(tags: ["live"])),
        ])
        try await makeApp(store).0.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("\"checker\":\"api\""))
                #expect(!body.contains("\"checker\":\"db\""))
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .internalServerError)
            }
            try await client.execute(uri: "/health/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func unknownFormatOrUnsatisfiableAcceptIs406() async throws {
        let store = makeStore([("a", .pass("ok"), CheckPolicy())])
        try await makeApp(store).0.test(.router) { client in
            try await client.execute(uri: "/health?format=yaml", method: .get) { response in
                #expect(response.status == .notAcceptable)
            }
            try await client.execute(uri: "/health", method: .get, headers: [.accept: "image/png"]) { response in
                #expect(response.status == .notAcceptable)
            }
            try await client.execute(uri: "/health", method: .get, headers: [.accept: "*/*"]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: [
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            MetricsFormat.openMetrics
        ),
        ("text/plain", MetricsFormat.prometheusText),
        ("*/*", MetricsFormat.prometheusText),
        ("text/plain;q=0.9,application/openmetrics-text;q=0.5", MetricsFormat.prometheusText),
    ])
    func metricsFormatFollowsTheAcceptHeader(accept: String, expected: MetricsFormat) async throws {
        let store = makeStore([("a", .pass("ok"), CheckPolicy())])
        try await makeApp(store).0.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.accept: accept]) { response in
                #expect(response.headers[.contentType] == expected.contentType)
                #expect(String(buffer: response.body).hasSuffix("# EOF\n") == (expected == .openMetrics))
            }
        }
    }

    @Test func metricsAreGzippedWhenAskedAndDecompressToThePlainBody() async throws {
        let store = makeStore([("a", .pass("ok"), CheckPolicy()), ("b", .fail("no"), CheckPolicy())])
        try await makeApp(store).0.test(.router) { client in
            let accept = "application/openmetrics-text;version=1.0.0"
            let plain = try await client.execute(uri: "/metrics", method: .get, headers: [.accept: accept]) {
                String(buffer: $0.body)
            }
            try await client.execute(
                uri: "/metrics",
                method: .get,
                headers: [.accept: accept, .acceptEncoding: "gzip, deflate"]
            ) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                let inflated = String(
                    decoding: try #require(gunzip(Array(response.body.readableBytesView))),
                    as: UTF8.self
                )
                // The process metrics may differ between the two requests; the checks may not.
                let checksPart = { (text: String) in text.components(separatedBy: "# HELP process_")[0] }
                #expect(checksPart(inflated) == checksPart(plain))
                #expect(inflated.hasSuffix("# EOF\n"))
            }
        }
    }

    /// What Prometheus asks for (gzip) is kept per store version; a plain scrape renders on demand.
    @Test func anUnchangedStoreIsServedWithoutRenderingAgain() async throws {
        let store = makeStore([("a", .pass("ok"), CheckPolicy())])
        let (app, endpoints) = makeApp(store)
        let gzip: HTTPFields = [.acceptEncoding: "gzip"]
        try await app.test(.router) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/metrics", method: .get, headers: gzip) {
                    #expect($0.headers[.contentEncoding] == "gzip")
                }
            }
            #expect(endpoints.renderCount == 1)
            let slot = try #require(store.slot(named: "a"))
            store.record(CheckResult(outcome: .pass("ok"), finished: 2, duration: 0.1), for: slot, expires: nil)
            try await client.execute(uri: "/metrics", method: .get, headers: gzip) { #expect($0.status == .ok) }
            #expect(endpoints.renderCount == 2)
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            #expect(endpoints.renderCount == 2)
        }
    }

    /// A body of thousands of checks is rendered per request and not kept between requests.
    @Test func aLargeHealthBodyIsServedButNotKept() async throws {
        // Each check's JSON is about 300 bytes: a body well above the limit.
        let count = RenderCache.maximumKeptBytes / 100
        let store = makeStore((0..<count).map { ("check-\($0)", .pass("ok"), CheckPolicy()) })
        let (app, endpoints) = makeApp(store)
        try await app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/health", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.body.readableBytes > RenderCache.maximumKeptBytes)
                }
            }
            #expect(endpoints.renderCount == 2)
        }
        let small = makeStore([("a", .pass("ok"), CheckPolicy())])
        let (smallApp, smallEndpoints) = makeApp(small)
        try await smallApp.test(.router) { client in
            for _ in 0..<2 { try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) } }
            #expect(smallEndpoints.renderCount == 1)
        }
    }

    @Test func pingReachesAHeartbeatAndUnknownNamesAre404() async throws {
        final class Beat: HealthCheck, PingReceiver {
            let pings = Mutex<[Bool]>([])
            func run() async throws -> CheckOutcome { .pass("") }
            func receivePing(success: Bool) { pings.withLock { $0.append(success) } }
        }
        let beat = Beat()
        let store = ResultStore()
        store.replace(with: [
            CheckDefinition(name: "cron", type: "heartbeat", check: beat),
            CheckDefinition(name: "other", type: "test", check: FixedCheck(.pass(""))),
        ])
        try await makeApp(store).0.test(.router) { client in
            try await client.execute(uri: "/ping/cron", method: .post) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ping/cron/fail", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ping/other", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/ping/missing", method: .get) { #expect($0.status == .notFound) }
        }
        #expect(beat.pings.withLock { $0 } == [true, false])
    }

    @Test func unknownPathsAre404() async throws {
        try await makeApp(ResultStore()).0.test(.router) { client in
            try await client.execute(uri: "/nope", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
