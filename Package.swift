// swift-tools-version: 6.1
import PackageDescription

// Dependencies run one way: CLua → LuaRuntime → Policies; CCurl → LLM; Storage;
// Sessions uses those, Operations uses Sessions too; HTTPServer uses everything; OracleChat assembles.
// Nothing below HTTPServer imports Hummingbird.
let package = Package(
    name: "oracle-chat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "oracle-chat", targets: ["OracleChat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // The HTTP connection layer (Sources/HTTPServer/Connections) works on NIO's pipeline directly.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // The contacts file (config/contacts.yaml) is YAML, as operators write Alertmanager's.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Child processes (diagnostics' tar/pkg-config, and the tests' `oracle-chat`, curl, python3)
        // are spawned with it, never Foundation.Process: see OracleCore/ChildProcess.swift.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        // MARK: C libraries (Debian: liblua5.4-dev, libcurl4-openssl-dev)
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: Modules
        .target(name: "OracleCore", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        // The C half of the Lua host: allocator, count hook, trampoline, bounded library functions.
        .target(name: "CLuaHost", dependencies: ["CLua"]),
        .target(name: "LuaRuntime", dependencies: ["CLua", "CLuaHost"]),
        .target(name: "Storage", dependencies: [
            "OracleCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Policies", dependencies: [
            "OracleCore", "LuaRuntime", "Storage",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "LLM", dependencies: [
            "CCurl", "OracleCore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "Operations", dependencies: [
            "OracleCore", "Storage", "Policies", "LuaRuntime", "LLM", "Sessions",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Sessions", dependencies: [
            "OracleCore", "Storage", "LLM", "Policies", "LuaRuntime",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "HTTPServer", dependencies: [
            "OracleCore", "Storage", "LLM", "Policies", "Sessions", "LuaRuntime", "Operations",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], resources: [
            // The OpenAPI document, served at GET /openapi.yaml; the one copy of it.
            .copy("Resources/openapi.yaml"),
        ]),
        .executableTarget(name: "OracleChat", dependencies: [
            "OracleCore", "Storage", "LLM", "Policies", "Sessions", "HTTPServer", "LuaRuntime", "Operations",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // MARK: Benchmarks (`make bench`): print their figures, never asserted in tests
        .executableTarget(name: "LuaBench", dependencies: ["LuaRuntime", "CLua", "CLuaHost"], path: "bench/LuaBench"),
        .executableTarget(name: "SessionBench", dependencies: ["Sessions", "Storage", "Policies", "LLM", "OracleCore"], path: "bench/SessionBench"),
        .executableTarget(name: "PolicyReloadBench", dependencies: [
            "Policies", "LuaRuntime", "OracleCore", "Storage", .product(name: "Logging", package: "swift-log"),
        ], path: "bench/PolicyReloadBench"),
        .executableTarget(name: "FakeUpstreamServer", dependencies: ["TestSupport"], path: "bench/FakeUpstreamServer"),
        .executableTarget(name: "GatewayBench", dependencies: [
            "HTTPServer", "LLM", "Operations", "OracleCore", "Policies", "Storage", "TestSupport", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
        ], path: "bench/GatewayBench"),

        // MARK: Tests (Swift Testing), one target per module
        .target(name: "TestSupport", dependencies: [
            "OracleCore",
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "OracleCoreTests", dependencies: ["OracleCore", "TestSupport"]),
        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime", "CLua", "CLuaHost"]),
        .testTarget(name: "StorageTests", dependencies: [
            "Storage", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "PoliciesTests", dependencies: ["Policies", "LuaRuntime", "Storage", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "LLMTests", dependencies: [
            "LLM", "OracleCore", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .testTarget(name: "HTTPServerTests", dependencies: [
            "HTTPServer", "Storage", "LLM", "Policies", "Operations", "Sessions", "LuaRuntime", "OracleCore", "TestSupport",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "OracleChatTests", dependencies: ["OracleCore", "TestSupport"]),
        .testTarget(name: "SessionsTests", dependencies: [
            "Sessions", "Storage", "Policies", "LLM", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "OperationsTests", dependencies: [
            "Operations", "Policies", "Storage", "LLM", "OracleCore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
