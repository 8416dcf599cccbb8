// swift-tools-version: 6.1
// The libFuzzer driver of diarium's fuzz targets (Sources/DiariumFuzzing). Not part of the
// main build: scripts/fuzz.sh builds it with `-sanitize=fuzzer,address`.
import PackageDescription

let package = Package(
    name: "diarium-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "diarium", path: "..")],
    targets: [
        .target(name: "FuzzMain"),
        .executableTarget(name: "diarium-fuzz", dependencies: ["FuzzMain", .product(name: "DiariumFuzzing", package: "diarium")]),
    ]
)
