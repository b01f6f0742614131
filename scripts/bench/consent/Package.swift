// swift-tools-version:6.2
// Measures consent decisions per second with Steward's own Policy module (make bench builds it in release mode).
import PackageDescription

let package = Package(
    name: "consent-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "steward", path: "../../..")
    ],
    targets: [
        .executableTarget(
            name: "consent-bench",
            dependencies: [.product(name: "Policy", package: "steward")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        )
    ]
)
