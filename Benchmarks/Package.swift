// swift-tools-version:6.1
import PackageDescription

import struct Foundation.URL

// The parent package's identity is the name of its folder (`vitals` in a fresh
// clone, something else in a worktree), so derive it instead of hard-coding it.
let parentName = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .lastPathComponent

let package = Package(
    name: "VitalsBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Only the malloc interposer: the runtime interposer is not needed for these metrics.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "VitalsBenchmarks",
            dependencies: [
                .product(name: "Vitals", package: parentName),
                .product(name: "VitalsTesting", package: parentName),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/VitalsBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
