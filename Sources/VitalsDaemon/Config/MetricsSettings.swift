import Vitals

/// The `metrics` section (and a check's own `metrics` mapping): what `/metrics` writes beyond the
/// lean default of at most 12 series per check.
struct MetricsSettings: ConfigSection {
    /// Bounds of the `healthcheck_latency_seconds` histogram in seconds; empty leaves it out.
    var latencyBuckets: [Double] = []

    static var keys: [ConfigKey<Self>] {
        [
            .key(
                "latency_buckets",
                \.latencyBuckets,
                .latencyBuckets,
                "Bounds of the `healthcheck_latency_seconds` histogram; each bound costs a series per check, plus 3 for `+Inf`, `_count` and `_sum`. `[]` (the default) leaves the histogram out."
            )
        ]
    }
}

extension ValueReader where Value == MetricsSettings {
    /// A check's own `metrics` mapping, read through the section's key table.
    static var metrics: ValueReader {
        ValueReader(
            kind: "mapping with `latency_buckets`",
            read: { validator, node, keyPath in
                guard
                    let mapping = validator.mapping(node, scope: .section(keyPath), described: keyPath, allowNull: true)
                else { return nil }
                validator.rejectUnknownKeys(in: mapping, allowed: MetricsSettings.keyNames)
                return validator.settings(MetricsSettings.self, from: mapping)
            },
            show: { .object($0.environmentMembers) }
        )
    }
}
