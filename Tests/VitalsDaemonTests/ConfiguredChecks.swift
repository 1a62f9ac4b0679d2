import TestPeers
import Vitals

@testable import VitalsDaemon

/// The checks a configuration file's `checks:` makes, in file order: what the daemon would run.
/// `yaml` is read as `vitals.yml` in `directory`, so relative paths resolve there.
func configuredChecks(_ yaml: String, in directory: borrowing TestDirectory) throws -> [any HealthCheck] {
    let configuration = try ConfigLoader.parse(yaml: yaml, path: directory.path("vitals.yml"))
    let context = ProbeContext(resolverThreads: 1)
    defer { Task { await context.shutdown() } }
    let factory = CheckFactory(context: context)
    return configuration.checks.map { factory.definition(for: $0).check }
}
