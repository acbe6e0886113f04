// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "rekey",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rekey", targets: ["rekey"]),
        .executable(name: "gitea-standin", targets: ["gitea-standin"]),
        .library(name: "RekeyCore", targets: ["RekeyCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // Linux calls Glibc's module lacks: xattrs (TargetFile), prctl/setrlimit (ProcessHygiene).
        .systemLibrary(name: "CLinux"),
        .target(
            name: "RekeyCore",
            dependencies: [
                "CSodium",
                "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // What people read: the renderers of the core's typed results (step lines, dry-run plan,
        // prune line). A library, not part of the executable, so that `toy-rekey` and the tests
        // render exactly the lines `rekey` prints.
        .target(
            name: "RekeyText",
            dependencies: ["RekeyCore"]
        ),
        .executableTarget(
            name: "rekey",
            dependencies: [
                "RekeyCore",
                "RekeyText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "GiteaStandIn",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "gitea-standin",
            dependencies: [
                "GiteaStandIn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["RekeyCore", "GiteaStandIn", "CLinux"],
            path: "Tests/TestSupport"
        ),
        // Test-only: rekey's run, recover and dry run with a toy step registered (EndToEndTests runs it).
        .executableTarget(
            name: "toy-rekey",
            dependencies: ["RekeyCore", "RekeyText", "TestSupport", .product(name: "Logging", package: "swift-log")],
            path: "Tests/ToyRekey"
        ),
        .testTarget(
            name: "RekeyCoreTests",
            dependencies: ["RekeyCore", "RekeyText", "TestSupport", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "GiteaStandInTests",
            dependencies: [
                "GiteaStandIn", "RekeyCore", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["RekeyCore", "GiteaStandIn", "TestSupport", "CLinux", "rekey", "gitea-standin", "toy-rekey"],
            exclude: ["Fixtures/make-state-v1.sh"],
            resources: [.copy("Fixtures/state-v1")]
        ),
    ]
)
