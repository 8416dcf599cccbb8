// swift-tools-version: 6.1
import PackageDescription

/// The release build of the `diarium` executable carries the Swift runtime, Foundation and
/// Dispatch inside it (`-static-stdlib`) instead of loading a dozen shared libraries at every
/// start: a fresh `diarium search` spends less in the dynamic loader (symbol lookups and
/// relocations) and in the runtime's start-up. Measured (docs/benchmarks.md, "A fresh
/// process"): `search lite` on the 100k index 158 M → 141 M instructions, 45 → 31–36 ms CPU.
/// Every release build gets it without a flag on the command line (`make build`, `make
/// install`, `make demo`, the benchmarks); the debug build the tests use links dynamically.
/// The modules are compiled against the shared Foundation, whose objects do not name
/// Foundation's own static dependencies, so those are listed here (CoreFoundation, ICU and
/// two shims, all in the toolchain's `swift_static`). Linux only: macOS has no static runtime.
let staticRuntimeInRelease: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections"],
                 .when(platforms: [.linux], configuration: .release)),
]

/// Generic types (`[UInt32: Range<Int>]`, `Set<String>`, …) get their metadata from functions
/// that call `swift_getGenericMetadata` with the conformances they need, instead of from a
/// mangled name the runtime demangles. Demangling looks every required conformance up
/// (`Key: Hashable`), and a first lookup walks all of the binary's ~6,800 conformance records,
/// about 0.4 M instructions each: with Foundation linked in statically (below) that was 7 M of
/// the 26 M instructions of a fresh `diarium search göteborg` on the 100k benchmark index
/// (callgrind, `swift_conformsToProtocolMaybeInstantiateSuperclasses`), half of it for
/// dictionaries and sets of this package's own modules. The accessors cost a little code
/// size. Release only: it is a start-up measure (docs/benchmarks.md, "A fresh process").
/// The release build of `diarium` also takes the C libraries from their static archives
/// (SQLite, zstd, libstemmer, libxml2 with ICU and liblzma, zlib, libstdc++), so a fresh process
/// maps and relocates one object besides glibc instead of eleven shared libraries: the dynamic
/// loader no longer opens them, maps them or looks up ~4,000 symbols (libstdc++'s and SQLite's
/// references to themselves among them). Measured on a fresh `diarium search kommun` on the 100k
/// benchmark index (docs/benchmarks.md, "A fresh process without shared C libraries"): 18.1 →
/// 14.0 M instructions (callgrind), 1,204 → 1,095 page faults. The Swift driver puts the
/// libraries it autolinks (GRDB's SQLite module names `sqlite3`) ahead of any flag given here,
/// so the choice is made in the linker's arguments by scripts/link-static-c.sh, which runs gold
/// as the driver would. The executable stays position-independent: a fixed load address would
/// save another ~370 page faults, but would give up address-space randomisation of the code of
/// a tool that parses hostile files. Linux, release only, like `staticRuntimeInRelease`.
let staticCLibrariesInRelease: [LinkerSetting] = [
    .unsafeFlags(["-Xclang-linker", "--ld-path=\(Context.packageDirectory)/scripts/link-static-c.sh"],
                 .when(platforms: [.linux], configuration: .release)),
]

let metadataAccessorsInRelease: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "diarium",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "diarium", targets: ["diarium"]),
        .library(name: "DiariumIngest", targets: ["DiariumIngest"]),
        .library(name: "DiariumSearch", targets: ["DiariumSearch"]),
        // The fuzz targets, for the libFuzzer driver in Fuzz/ (see scripts/fuzz.sh).
        .library(name: "DiariumFuzzing", targets: ["DiariumFuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // C libraries: one system-library target each, imported by exactly one Swift module.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CStemmer", providers: [.apt(["libstemmer-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // fork + rlimits + exec for the one child-process runner (no library behind it).
        .target(name: "CSpawn"),
        // glibc's <malloc.h> (mallopt, malloc_trim), which the Glibc module leaves out: imported
        // only by DiariumIngest's Malloc.swift; does nothing on another C library.
        .target(name: "CMalloc"),

        // Output safety for every front end: document-derived strings to a terminal, CSV,
        // Markdown or HTML (no dependencies; the CLI and the report renderers share it).
        .target(name: "DiariumOutput", swiftSettings: metadataAccessorsInRelease),

        // files → extraction → analysis → index → search → CLI
        .target(name: "DiariumExtraction", dependencies: ["CLibXML2", "CZlib", "CSpawn"], swiftSettings: metadataAccessorsInRelease),
        .target(name: "DiariumAnalysis", dependencies: ["CStemmer"], swiftSettings: metadataAccessorsInRelease),
        // Index: runtime exclusivity checking off. Its decoding loops (PostingsCursor's stored
        // properties) paid a `swift_beginAccess` + `AccessSet::insert` per access — with the
        // old block-max evaluator, callgrind: 25 % + 8.6 % of all instructions of
        // `(världen OR hemma)` on the 10k benchmark index (docs/benchmarks.md, "Query
        // evaluation"). Static exclusivity checking (compile time) stays on; the code has no
        // overlapping accesses the compiler cannot see (no inout aliasing across closures).
        // Search keeps the runtime checks: its query engine (QueryTree.swift) keeps its state in
        // unsafe buffers of plain values, not in captured variables, and measured the same
        // with and without the flag (callgrind per query class on the 100k harness, within
        // 0.2 M instructions; docs/benchmarks.md, "One query engine").
        .target(name: "DiariumIndex", dependencies: [
            "CZstd", .product(name: "GRDB", package: "GRDB.swift"),
            // SQLite's C API, imported only by Catalog/Catalog+DocumentRows.swift to bind a
            // row's values without GRDB's StatementArguments (docs/index-format.md).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])] + metadataAccessorsInRelease),
        .target(name: "DiariumSearch", dependencies: ["DiariumAnalysis", "DiariumIndex", "DiariumExtraction"], swiftSettings: metadataAccessorsInRelease),
        .target(name: "DiariumReport", dependencies: ["DiariumIndex", "DiariumExtraction", "DiariumAnalysis", "DiariumOutput"], swiftSettings: metadataAccessorsInRelease),
        .target(name: "DiariumIngest", dependencies: [
            "DiariumExtraction", "DiariumAnalysis", "DiariumIndex", "CMalloc",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: metadataAccessorsInRelease),
        // The JSON shapes the CLI's --format json and the server's /api/ share.
        .target(name: "DiariumAPI", dependencies: ["DiariumIndex", "DiariumOutput"], swiftSettings: metadataAccessorsInRelease),
        // `diarium serve`: the HTTP/1.1 server, routes, pages and their assets (no dependency).
        .target(name: "DiariumServer", dependencies: [
            "DiariumAPI", "DiariumSearch", "DiariumReport", "DiariumExtraction", "DiariumOutput",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: metadataAccessorsInRelease),
        .executableTarget(name: "diarium", dependencies: [
            "DiariumIngest", "DiariumSearch", "DiariumReport", "DiariumOutput", "DiariumAPI", "DiariumServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: metadataAccessorsInRelease, linkerSettings: staticRuntimeInRelease + staticCLibrariesInRelease),

        // Fuzz entry points: driven by libFuzzer (Fuzz/) and replayed by DiariumFuzzTests.
        .target(name: "DiariumFuzzing", dependencies: [
            "DiariumExtraction", "DiariumAnalysis", "DiariumIndex", "DiariumSearch", "DiariumIngest", "DiariumReport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // Release-mode measurements, never part of the tests.
        // What the benchmarks share with each other and with the tests (the seeded RNG).
        .target(name: "BenchmarkSupport", path: "Benchmarks/Support"),
        .executableTarget(name: "analysis-benchmark", dependencies: ["DiariumAnalysis"], path: "Benchmarks/AnalysisBenchmark"),
        .executableTarget(name: "query-benchmark", dependencies: ["DiariumSearch", "DiariumIndex", "DiariumIngest", "BenchmarkSupport"], path: "Benchmarks/QueryBenchmark"),
        .executableTarget(name: "index-benchmark", dependencies: ["DiariumIndex", "BenchmarkSupport"], path: "Benchmarks/IndexBenchmark"),
        .executableTarget(name: "office-benchmark", dependencies: ["DiariumExtraction"], path: "Benchmarks/OfficeBenchmark"),

        .testTarget(name: "DiariumOutputTests", dependencies: ["DiariumOutput"]),
        // Helpers shared by the test targets (fixture writers such as MiniPDF).
        .target(name: "DiariumTestSupport", dependencies: ["BenchmarkSupport"], path: "Tests/DiariumTestSupport"),
        .testTarget(name: "DiariumExtractionTests", dependencies: ["DiariumExtraction", "DiariumTestSupport"]),
        .testTarget(name: "DiariumAnalysisTests", dependencies: ["DiariumAnalysis", "DiariumTestSupport"]),
        .testTarget(name: "DiariumIndexTests", dependencies: ["DiariumIndex", "DiariumTestSupport"]),
        .testTarget(name: "DiariumSearchTests", dependencies: ["DiariumSearch", "DiariumIngest", "DiariumTestSupport"]),
        .testTarget(name: "DiariumReportTests", dependencies: ["DiariumReport", "DiariumIngest", "DiariumTestSupport"]),
        .testTarget(name: "DiariumServerTests", dependencies: ["DiariumServer", "DiariumIngest", "DiariumOutput", "DiariumAPI", "DiariumReport", "DiariumTestSupport"]),
        .testTarget(name: "DiariumEndToEndTests", dependencies: ["diarium", "DiariumIndex", "DiariumTestSupport"]),
        .testTarget(name: "DiariumFuzzTests", dependencies: ["DiariumFuzzing", "DiariumIngest", "DiariumTestSupport"]),
        .testTarget(name: "DiariumIngestTests", dependencies: ["DiariumIngest", "DiariumTestSupport"]),
    ]
)
