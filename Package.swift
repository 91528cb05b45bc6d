// swift-tools-version:6.1
import PackageDescription

/// One settings list for every target (as Hummingbird does): explicit `any`, imports that say what they use,
/// and internal imports unless a module re-exports on purpose.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "StripeFulfillment",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "StripeAPI", targets: ["StripeAPI"]),
        .library(name: "StripeEmulator", targets: ["StripeEmulator"]),
        .library(name: "FulfillmentCore", targets: ["FulfillmentCore"]),
        .library(name: "FulfillmentSQLite", targets: ["FulfillmentSQLite"]),
        .library(name: "FulfillmentPostgres", targets: ["FulfillmentPostgres"]),
        .library(name: "FulfillmentServer", targets: ["FulfillmentServer"]),
        .executable(name: "fulfill", targets: ["fulfill"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only (protobuf or JSON): the gRPC exporter's packages would double the build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Stripe's wire format: types, form encoding, client, webhook signatures. Knows nothing of our domain.
        .target(
            name: "StripeAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // A stateful, offline Stripe: API subset, hosted pages, signed webhook delivery, fault injection.
        .target(
            name: "StripeEmulator",
            dependencies: [
                "StripeAPI",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The domain: ledger and inbox state machines, CheckoutFulfiller, EventRouter, the store protocol and
        // an in-memory store. Knows Stripe's wire format, nothing of HTTP servers or databases (a store's
        // background work is a ServiceLifecycle service).
        .target(
            name: "FulfillmentCore",
            dependencies: [
                "StripeAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Texts/Catalogs")],
            swiftSettings: swiftSettings
        ),
        // The embedded default store: SQLite through GRDB (one DatabasePool, WAL).
        .target(
            name: "FulfillmentSQLite",
            dependencies: [
                "FulfillmentCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // The store for several instances: PostgreSQL through PostgresNIO (a pooled client, SKIP LOCKED claims,
        // LISTEN/NOTIFY wake-ups). The only target that depends on PostgresNIO.
        .target(
            name: "FulfillmentPostgres",
            dependencies: [
                "FulfillmentCore",
                "StripeAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application: routes, pages, workers as services, configuration, metrics.
        .target(
            name: "FulfillmentServer",
            dependencies: [
                "FulfillmentCore",
                "FulfillmentPostgres",
                "FulfillmentSQLite",
                "StripeAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: swiftSettings
        ),
        // The thin command line over the libraries.
        .executableTarget(
            name: "fulfill",
            dependencies: [
                "StripeAPI",
                "StripeEmulator",
                "FulfillmentCore",
                "FulfillmentServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every test target shares: the emulator and service harnesses, the test clock, builders of
        // events, plans and orders, and a throwaway PostgreSQL server.
        .target(
            name: "TestSupport",
            dependencies: [
                "FulfillmentCore",
                "FulfillmentPostgres",
                "FulfillmentServer",
                "FulfillmentSQLite",
                "StripeAPI",
                "StripeEmulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StripeAPITests",
            dependencies: ["StripeAPI"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StripeEmulatorTests",
            dependencies: [
                "StripeAPI",
                "StripeEmulator",
                "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulfillmentCoreTests",
            dependencies: ["FulfillmentCore", "StripeAPI", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // One contract, every store: memory, SQLite and a real PostgreSQL server.
        .testTarget(
            name: "StoreContractTests",
            dependencies: ["FulfillmentCore", "StripeAPI", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulfillmentSQLiteTests",
            dependencies: ["FulfillmentCore", "FulfillmentSQLite", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulfillmentPostgresTests",
            dependencies: [
                "FulfillmentCore",
                "FulfillmentPostgres",
                "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulfillmentServerTests",
            dependencies: [
                "FulfillmentCore",
                "FulfillmentServer",
                "StripeAPI",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
