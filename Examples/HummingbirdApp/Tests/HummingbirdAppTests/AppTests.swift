import Foundation
import Hummingbird
import HummingbirdApp
import HummingbirdTesting
import Testing

/// The `results` of a `/health` body, by check name.
private func results(_ body: ByteBuffer) throws -> [String: [String: Any]] {
    let json = try JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any]
    let list = json?["results"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: list.map { ($0["checker"] as? String ?? "", $0) })
}

private func configuration(queueLimit: Int = 10, scratchDirectory: String? = nil) -> AppConfiguration {
    var configuration = AppConfiguration(queueLimit: queueLimit)
    if let scratchDirectory { configuration.scratchDirectory = scratchDirectory }
    return configuration
}

@Suite struct AppTests {
    @Test func helloAnswers() async throws {
        try await buildApplication(configuration()).test(.router) { client in
            try await client.execute(uri: "/hello", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "Hello from HummingbirdApp!\n")
            }
        }
    }

    @Test func healthListsBothChecksAndPassesWhenIdle() async throws {
        try await buildApplication(configuration()).test(.router) { client in
            try await client.execute(uri: "/internal/health", method: .get) { response in
                #expect(response.status == .ok)
                let checks = try results(response.body)
                #expect(checks.keys.sorted() == ["job-backlog", "scratch-dir"])
                #expect(checks["job-backlog"]?["status"] as? String == "pass")
                #expect(checks["job-backlog"]?["type"] as? String == "queue")
                #expect(checks["scratch-dir"]?["passed"] as? Bool == true)
                #expect((checks["scratch-dir"]?["output"] as? String)?.hasSuffix("is writable") == true)
            }
        }
    }

    @Test func aBacklogNearItsLimitWarnsButStaysHealthy() async throws {
        let jobs = JobQueue()
        for index in 0..<8 { jobs.enqueue("job-\(index)") }
        try await buildApplication(configuration(queueLimit: 10), jobs: jobs).test(.router) { client in
            try await client.execute(uri: "/internal/health", method: .get) { response in
                #expect(response.status == .ok)
                let checks = try results(response.body)
                #expect(checks["job-backlog"]?["status"] as? String == "warn")
            }
        }
    }

    @Test func jobsPostedThroughTheAppFailHealthAtTheLimit() async throws {
        try await buildApplication(configuration(queueLimit: 2)).test(.router) { client in
            for name in ["resize", "email"] {
                try await client.execute(uri: "/jobs?name=\(name)", method: .post) { #expect($0.status == .accepted) }
            }
            try await client.execute(uri: "/internal/health", method: .get) { response in
                #expect(response.status == .internalServerError)
                let checks = try results(response.body)
                let backlog = try #require(checks["job-backlog"])
                #expect(backlog["passed"] as? Bool == false)
                #expect(backlog["reason"] as? String == "threshold")
                #expect((backlog["output"] as? String)?.hasPrefix("2 of at most 2 jobs waiting") == true)
            }
        }
    }

    @Test func anUnwritableScratchDirectoryFailsHealth() async throws {
        let app = buildApplication(configuration(scratchDirectory: "/nonexistent-vitals-example/scratch"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/internal/health", method: .get) { response in
                #expect(response.status == .internalServerError)
                let checks = try results(response.body)
                #expect(checks["scratch-dir"]?["passed"] as? Bool == false)
                let output = checks["scratch-dir"]?["output"] as? String
                #expect(output == "cannot write to /nonexistent-vitals-example/scratch")
                #expect(checks["job-backlog"]?["passed"] as? Bool == true)
            }
        }
    }

    @Test func theJobsSectionOfTheEnvironmentIsScrubbed() async throws {
        let jobs = JobQueue()
        jobs.enqueue("resize")
        try await buildApplication(configuration(), jobs: jobs).test(.router) { client in
            try await client.execute(uri: "/internal/environment", method: .get) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
                let section = try #require((json as? [String: Any])?["jobs"] as? [String: Any])
                #expect(section["broker_url"] as? String == "redis://worker:********@localhost:6379/0")
                #expect(section["depth"] as? Int == 1)
                #expect(!String(buffer: response.body).contains("s3cret"))
                #expect((json as? [String: Any])?["config"] == nil)
            }
        }
    }

    @Test func vitalsRoutesLiveOnlyUnderInternal() async throws {
        try await buildApplication(configuration()).test(.router) { client in
            try await client.execute(uri: "/internal/metrics", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
