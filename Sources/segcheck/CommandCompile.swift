// segcheck compile: validates a policy (YAML or CSV tables) and builds its match automaton; prints what was built.
import ArgumentParser
import Foundation
import Policy
import PolicyCompiler

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Validate a policy and build its match automaton (zones, classes, states, memory, build time).",
        discussion: "POLICY is a .yaml file, a directory with zones.csv + flows.csv (+ hosts.csv), or NAME-zones.csv. Exit 0 when it compiles, 2 on any error (printed as file:line:column).")

    @Argument(help: "Policy file or CSV directory.") var policy: String
    @Option(help: "Output language for labels: ja or en.") var lang: String = "ja"

    func run() throws {
        let loaded: Policy
        let compiled: CompiledPolicy
        do {
            loaded = try PolicyLoader.load(path: policy)
            compiled = try CompiledPolicy.compile(loaded)
        } catch let e as PolicyError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
        let s = compiled.statistics
        let ja = lang == "ja"
        print(ja ? "ポリシー: \(loaded.name)" : "policy: \(loaded.name)")
        print((ja ? "読み込み: " : "sources: ") + loaded.sources.joined(separator: ", "))
        let own = loaded.flows.filter { $0.inheritedFrom == nil }.count
        print(ja ? "ゾーン \(s.zones)、ホストグループ \(s.hostGroups)、ルール \(s.rules) (自前 \(own)、継承 \(s.rules - own))"
                 : "zones \(s.zones), host groups \(s.hostGroups), rules \(s.rules) (own \(own), inherited \(s.rules - own))")
        for (i, z) in loaded.zones.enumerated() {
            let nets = (z.networks.map(\.description) + z.ranges.map { "\($0.lowerBound)-\($0.upperBound)" }).joined(separator: " ")
            print("  [\(i)] \(z.name) (\(z.tier)\(z.label != z.name ? ", " + z.label : "")): \(nets)")
        }
        print(ja ? "アドレス区間 \(s.addressIntervals) → アドレスクラス \(s.addressClasses) (トライ ブロック IPv4 \(s.ipv4TrieBlocks)、IPv6 \(s.ipv6TrieBlocks))"
                 : "address intervals \(s.addressIntervals) → address classes \(s.addressClasses) (trie blocks IPv4 \(s.ipv4TrieBlocks), IPv6 \(s.ipv6TrieBlocks))")
        print(ja ? "プロトコルクラス \(s.protocolClasses)、ポート/ICMP クラス \(s.keyClasses)"
                 : "protocol classes \(s.protocolClasses), port/ICMP key classes \(s.keyClasses)")
        print(ja ? "状態: ペアクラス \(s.pairClasses)、判定行 \(s.verdictRows)、共有チャンク \(s.verdictChunks) (セル \(s.cells))"
                 : "states: pair classes \(s.pairClasses), verdict rows \(s.verdictRows), shared chunks \(s.verdictChunks) (cells \(s.cells))")
        print(ja ? String(format: "メモリ %.2f MB、構築時間 %.3f ms", Double(s.memoryBytes) / 1_048_576, s.buildSeconds * 1000)
                 : String(format: "memory %.2f MB, build time %.3f ms", Double(s.memoryBytes) / 1_048_576, s.buildSeconds * 1000))
        let overridden = compiled.unreachableInheritedRules
        if !overridden.isEmpty {
            print((ja ? "自前のルールで上書きされた継承ルール: " : "inherited rules overridden by own rules: ")
                  + overridden.map { loaded.flows[$0].id }.joined(separator: ", "))
        }
    }
}
