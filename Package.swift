// swift-tools-version: 6.0
// segcheck: a network segregation validator for Japanese local governments (三層の対策).
// Data flows one way: Capture → Wire (decode) → Flows → Inspect (verdict via PolicyCompiler) → EventOutput / Report.
import PackageDescription

let package = Package(
    name: "segcheck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "segcheck", targets: ["segcheck"]),
        // Libraries, for the benchmark package in Benchmarks/ and for embedding.
        .library(name: "SegcheckKit", targets: ["Wire", "Capture", "Policy", "PolicyCompiler", "Flows", "Inspect",
                                                "EventOutput", "Monitor", "Firewall", "FirewallParsers", "Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPrefetch"),                                 // header only: __builtin_prefetch for Swift

        // Library targets, one job each.
        .target(name: "Wire"),                                             // header views + packet decoder
        .target(name: "Capture", dependencies: ["CPcap", "CZlib", "CPrefetch", "Wire"]), // pcap/pcapng/gzip readers, live capture, pcap writer
        .target(name: "Policy", dependencies: ["Wire", "Yams"]),                    // policy model + YAML/CSV loaders + presets
        .target(name: "PolicyCompiler", dependencies: ["Policy", "Wire"]),          // policy → match automaton; linear-scan oracle
        .target(name: "Flows", dependencies: ["Wire", "CPrefetch"]),                     // bidirectional flow table on packet time
        .target(name: "Inspect", dependencies: ["Wire", "CPrefetch", "Capture", "Flows", "Policy", "PolicyCompiler", "EventOutput"]), // decode → flow → verdict pipeline
        .target(name: "EventOutput", dependencies: ["CCrypto", "Wire", "Policy", "PolicyCompiler", "Flows"]), // EVE JSON, Community ID, syslog, metrics, text
        .target(name: "Monitor", dependencies: ["Inspect", "Capture", "EventOutput", "CPcap"]), // live capture workers, signals, reload
        .target(name: "Firewall", dependencies: ["Wire", "Policy", "PolicyCompiler"]),                // rule model + symbolic analysis + witnesses
        .target(name: "FirewallParsers", dependencies: ["Wire", "Firewall", "Policy"]), // iptables, nftables, vendor formats
        .target(name: "Report", dependencies: ["Policy", "CCrypto", "CZlib"]), // audit report: HTML/Markdown/CSV (SHA-256 evidence hashes, gzip EVE)
        .executableTarget(name: "segcheck", dependencies: [
            "Wire", "Capture", "Policy", "PolicyCompiler", "Flows", "Inspect", "EventOutput",
            "Monitor", "Firewall", "FirewallParsers", "Report",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Wire"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "PolicyCompiler", "Wire",
            .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Wire"]),
        .testTarget(name: "InspectTests", dependencies: ["Inspect", "EventOutput", "Policy", "PolicyCompiler", "Flows", "Wire", "Capture"]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "Inspect"], exclude: ["Fixtures"]),
        .testTarget(name: "FirewallTests", dependencies: ["Firewall", "FirewallParsers", "Policy"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Policy"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: []),                  // runs the built segcheck binary end to end
    ],
    swiftLanguageModes: [.v5]
)
