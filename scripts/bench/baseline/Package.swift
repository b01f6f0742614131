// swift-tools-version:6.2
import PackageDescription

// Reference programs for `make bench` (scripts/bench/run.sh): what Steward's figures are compared with.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "steward-bench-baseline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bcrypt-loop", targets: ["bcrypt-loop"]),
        .executable(name: "hello", targets: ["hello"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "bcrypt-loop",
            dependencies: [.product(name: "HummingbirdBcrypt", package: "hummingbird-auth")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hello",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
    ]
)
