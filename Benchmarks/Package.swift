// swift-tools-version: 6.1
// segcheck benchmarks, kept out of the main package so its build stays light. Run from the repository root:
//   scripts/bench-compiler.sh                      — ratio benchmark of the rules compiler (release build)
//   swift package --package-path Benchmarks benchmark — ordo-one/benchmark suites (allocation counts, latency)
import PackageDescription

let package = Package(
    name: "segcheck-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "segcheck", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Synthetic policies of a given size, shared by the benchmarks.
        .target(name: "SyntheticPolicies", dependencies: [.product(name: "SegcheckKit", package: "segcheck")]),
        // `bench-compiler`: lookups/s and compile time/memory at 10 … 100k rules, compiled vs linear scan.
        .executableTarget(name: "bench-compiler", dependencies: ["SyntheticPolicies", .product(name: "SegcheckKit", package: "segcheck")],
                          path: "Sources/BenchCompiler"),
        // ordo-one/benchmark suite: compiled lookup latency and allocations per lookup (must be zero).
        .executableTarget(
            name: "CompilerBenchmarks",
            dependencies: ["SyntheticPolicies", .product(name: "SegcheckKit", package: "segcheck"),
                           .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/CompilerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
