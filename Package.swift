// swift-tools-version:6.1
import PackageDescription

/// The version and git revision stamped into every executable (`--version`, the coordinator's `GET /version`):
/// `C8S_VERSION=0.1.0 C8S_REVISION=$(git rev-parse HEAD) swift build`, as `make images` and `make release` do. A
/// plain `swift build` stamps `dev` and `unknown`. Only the tiny C target `C8SBuildStamp` sees them, so a new
/// version recompiles one C file and relinks the executables; no tracked file changes.
let buildStamp: [CSetting] = [("C8S_VERSION", "dev"), ("C8S_REVISION", "unknown")].map { variable, fallback in
    let value = Context.environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    let allowed =
        value.utf8.count <= 128
        && value.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || "._+-".utf8.contains(byte)
        }
    guard allowed else {
        fatalError("\(variable)=\(value): expected at most 128 of [0-9A-Za-z._+-]")
    }
    return .define(variable, to: "\"\(value)\"")
}

/// c8s: a Kubernetes-native CI system. See README.md and docs/ for the architecture.
let package = Package(
    name: "c8s",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "c8s", targets: ["c8s"]),
        .executable(name: "c8s-sim", targets: ["c8s-sim"]),
        .executable(name: "c8s-coordinator", targets: ["c8s-coordinator"]),
        .executable(name: "c8s-agent", targets: ["c8s-agent"]),
        .library(name: "C8SCore", targets: ["C8SCore"]),
        .library(name: "C8SLogs", targets: ["C8SLogs"]),
        .library(name: "C8SKube", targets: ["C8SKube"]),
        .library(name: "C8SAPI", targets: ["C8SAPI"]),
        .library(name: "C8SLocal", targets: ["C8SLocal"]),
        .library(name: "C8STestSupport", targets: ["C8STestSupport"]),
        .library(name: "C8SCoordinator", targets: ["C8SCoordinator"]),
        .library(name: "C8SAgent", targets: ["C8SAgent"]),
        .library(name: "C8SClient", targets: ["C8SClient"]),
        .library(name: "C8SService", targets: ["C8SService"]),
        .library(name: "C8SVersion", targets: ["C8SVersion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // System libraries: one shim per library, nothing else.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CURing", pkgConfig: "liburing", providers: [.apt(["liburing-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // The build's version and revision (see `buildStamp` above), and the Swift type that carries them.
        .target(name: "C8SBuildStamp", cSettings: buildStamp),
        .target(name: "C8SVersion", dependencies: ["C8SBuildStamp"]),

        // The small pieces every module shares: calendar, percent-encoding, backoff.
        .target(name: "C8SCommon"),
        // The one way to start a process (posix_spawn in its own process group, or a supervised fork for a child
        // that must not outlive c8s), for product and test code.
        .target(name: "C8SProcess", dependencies: ["CProcessSpawn"]),
        // C8SProcess's C part: the supervisor that kills a child's process group when c8s dies, and pipe2.
        .target(name: "CProcessSpawn"),
        // The one YAML reader (libyaml events to positioned nodes, with size, nesting and alias bounds).
        .target(name: "C8SYAML", dependencies: ["CYAML"]),
        // Pipeline model, parser, validator, matrix expansion and planner.
        .target(name: "C8SCore", dependencies: ["C8SYAML"]),
        // CRI logs, tailer, masker, chunker, log stores and retrieval.
        .target(
            name: "C8SLogs",
            dependencies: [
                "CZstd", "CURing", "CCurl", "CZlib", "C8SCommon",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Kubernetes API client, informers, leader election.
        .target(
            name: "C8SKube",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "DequeModule", package: "swift-collections"),
                "C8SYAML", "C8SCommon", "C8SProcess",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What every long-running process shares: the ServiceGroup, /healthz, /readyz and /metrics.
        .target(
            name: "C8SService",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Our CRDs as Swift resource types.
        .target(name: "C8SAPI", dependencies: ["C8SCore", "C8SKube"]),
        // Local-mode executor.
        .target(
            name: "C8SLocal",
            dependencies: [
                "C8SCore", "C8SLogs", "C8SProcess", .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Coordinator: webhooks, forge status reporting, reconcilers, REST API.
        .target(
            name: "C8SCoordinator",
            dependencies: [
                "C8SCommon", "C8SCore", "C8SAPI", "C8SKube", "C8SLogs", "C8SService", "C8SVersion",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The node agent: ships the logs of the step Pods of its node.
        .target(
            name: "C8SAgent",
            dependencies: [
                "C8SAPI", "C8SKube", "C8SLogs", "C8SService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The cluster side of the command line: kubeconfig, runs and configs, tables, the coordinator's log API.
        .target(
            name: "C8SClient",
            dependencies: [
                "C8SCommon", "C8SCore", "C8SAPI", "C8SKube", "C8SLogs", "C8SVersion",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Test-only support: in-memory API server, kubelet simulator, SeaweedFS launcher.
        .target(
            name: "C8STestSupport",
            dependencies: [
                "C8SKube", "C8SLogs", "C8SProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // Executables: argument parsing and wiring only.
        .executableTarget(
            name: "c8s",
            dependencies: [
                "C8SCore", "C8SLocal", "C8SLogs", "C8SClient", "C8SVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "c8s-logtail",
            dependencies: [
                "C8SLogs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Log pipeline and dispatch benchmarks (`make bench`, release build).
        .executableTarget(
            name: "c8s-bench",
            dependencies: [
                "C8SLogs", "C8SCore", "C8SLocal", "C8SProcess", "C8SAPI", "C8SKube", "C8SCoordinator",
                "C8STestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/c8s-bench"
        ),
        .executableTarget(
            name: "c8s-coordinator",
            dependencies: [
                "C8SCoordinator", "C8SKube", "C8SLogs", "C8SVersion",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "c8s-agent",
            dependencies: [
                "C8SAgent", "C8SKube", "C8SLogs", "C8SVersion",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "c8s-sim",
            dependencies: [
                "C8SKube", "C8STestSupport", "C8SVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(name: "C8SCommonTests", dependencies: ["C8SCommon"]),
        .testTarget(name: "C8SCoreTests", dependencies: ["C8SCore", "C8STestSupport"]),
        .testTarget(name: "C8SVersionTests", dependencies: ["C8SVersion"]),
        .testTarget(
            name: "C8SLogsTests",
            dependencies: [
                "C8SCommon", "C8SLogs", "C8STestSupport", .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "C8SKubeTests",
            dependencies: [
                "C8SKube", "C8STestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "C8SAPITests", dependencies: ["C8SAPI", "C8STestSupport"]),
        .testTarget(name: "C8SLocalTests", dependencies: ["C8SLocal", "C8SCore", "C8SLogs", "C8STestSupport"]),
        .testTarget(
            name: "C8STestSupportTests",
            dependencies: [
                "C8STestSupport", "C8SKube", "C8SLogs",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "C8SCoordinatorTests",
            dependencies: [
                "C8SCommon", "C8SCoordinator", "C8SCore", "C8SAPI", "C8SKube", "C8SLogs", "C8STestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "C8SServiceTests",
            dependencies: [
                "C8SService",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "C8SAgentTests",
            dependencies: [
                "C8SAgent", "C8SAPI", "C8SKube", "C8SLogs", "C8STestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "C8SClientTests",
            dependencies: [
                "C8SClient", "C8SVersion", "C8SAPI", "C8SCore", "C8SKube", "C8SLogs", "C8STestSupport",
                "C8SCoordinator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The c8s images built with podman and run as containers (`make test` builds them from the debug executables).
        .testTarget(
            name: "C8SImageTests",
            dependencies: ["C8SLogs", "C8STestSupport", "C8SVersion"]
        ),
        // The scenarios of a whole installation: the in-memory API server, the simulator, SeaweedFS, the coordinator
        // and agents (`make test`), or the cluster KUBECONFIG names (`make e2e`).
        .testTarget(
            name: "C8SIntegrationTests",
            dependencies: [
                "C8SCoordinator", "C8SAgent", "C8SAPI", "C8SCore", "C8SKube", "C8SLogs", "C8STestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
