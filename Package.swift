// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "vitals",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vitals", targets: ["vitals"]),
        .library(name: "Vitals", targets: ["Vitals"]),
        .library(name: "VitalsProbes", targets: ["VitalsProbes"]),
        .library(name: "VitalsHTTP", targets: ["VitalsHTTP"]),
        .library(name: "VitalsSystemd", targets: ["VitalsSystemd"]),
        .library(name: "VitalsTesting", targets: ["VitalsTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Whole-buffer deflate, about 2.4 times zlib's speed at level 1: the part of `/metrics` that
        // changes between scrapes (BENCHMARKS.md).
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // Header-only: pidfd_open, PR_SET_CHILD_SUBREAPER and mallopt, which Swift cannot call directly.
        .systemLibrary(name: "CProcessControl"),
        .target(
            name: "Vitals",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VitalsProbes",
            dependencies: [
                "Vitals",
                .target(name: "CProcessControl", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VitalsHTTP",
            dependencies: [
                "Vitals",
                "CZlib",
                "CLibdeflate",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VitalsSystemd",
            dependencies: [
                "Vitals",
                .target(name: "CSystemd", condition: .when(platforms: [.linux])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VitalsDaemon",
            dependencies: [
                "Vitals", "VitalsProbes", "VitalsHTTP", "VitalsSystemd",
                .target(name: "CProcessControl", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "vitals",
            dependencies: [
                "VitalsDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test helpers for library users and our own tests: a manual clock and checks with known results.
        .target(name: "VitalsTesting", dependencies: ["Vitals"], swiftSettings: swiftSettings),
        // Examples/HummingbirdApp: a small app embedding the library; built and tested with the package.
        .target(
            name: "HummingbirdApp",
            dependencies: [
                "Vitals", "VitalsHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/HummingbirdApp/Sources/HummingbirdApp",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HummingbirdAppServer",
            dependencies: ["HummingbirdApp", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Examples/HummingbirdApp/Sources/HummingbirdAppServer",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HummingbirdAppTests",
            dependencies: [
                "HummingbirdApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Examples/HummingbirdApp/Tests/HummingbirdAppTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitalsTests",
            dependencies: ["Vitals", "VitalsTesting", "TestPeers"],
            // The golden /metrics files are read and written through #filePath, not as bundle resources.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        // Real peers shared by test targets: a PostgreSQL server, temporary folders, reserved ports.
        .target(
            name: "TestPeers",
            path: "Tests/TestPeers",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitalsProbesTests",
            dependencies: [
                "VitalsProbes", "Vitals", "VitalsTesting", "TestPeers",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitalsHTTPTests",
            dependencies: [
                "VitalsHTTP", "Vitals", "CZlib", "VitalsTesting", "TestPeers",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitalsSystemdTests",
            dependencies: ["VitalsSystemd", "Vitals", "VitalsTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VitalsDaemonTests",
            dependencies: [
                "VitalsDaemon", "Vitals", "VitalsProbes", "VitalsSystemd", "VitalsTesting", "TestPeers",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "TestPeers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // Programs the tests run as peers, read through #filePath.
            exclude: ["StandIns"],
            swiftSettings: swiftSettings
        ),
    ]
)

// Documentation: `VITALS_DOCS=1 swift package generate-documentation --target Vitals`. The plugin is
// added only then, so that users' builds never resolve it.
if Context.environment["VITALS_DOCS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"))
}
