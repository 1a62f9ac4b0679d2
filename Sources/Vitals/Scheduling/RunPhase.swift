/// Where in its interval the scheduler runs a check: a fraction of the interval, from the check's name.
///
/// Stable for a name across restarts and platforms, and spread for names that differ only at their end,
/// so that a thousand checks added at once do not run at once. `/metrics` lists each family's series in
/// this order (``MetricsRenderer/runOrder(of:)``).
package enum RunPhase {
    /// The fraction of the interval, in `0..<1`, after the check was added at which its runs fall.
    package static func fraction(of name: String) -> Double {
        // FNV-1a: stable across runs and platforms, unlike `hashValue`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0100_0000_01b3
        }
        // FNV leaves the top bits nearly alike for names that differ only at the end (`web_1`,
        // `web_2`…), which would start them all at once; MurmurHash3's finalizer spreads them.
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return Double(hash >> 11) / Double(1 << 53)
    }
}
