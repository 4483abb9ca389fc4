// Ruleset tests: flows taken from the seed policies' own sentences, with the verdict and deciding rule each city's
// example (and each MIC preset) must give. Every row quotes the seed sentence and checks it is on the cited line.
import Foundation
import Testing
import Policy
import PolicyCompiler
import Wire

/// One expected answer: a flow, its verdict and deciding rule, and the seed sentence it comes from.
struct SeedFlow: CustomTestStringConvertible, Sendable {
    var src: String, dst: String, proto: String, port: UInt16
    var verdict: Verdict
    var rule: String?
    /// Seed file, 1-based line and a phrase of the sentence on that line (nil for presets, cited from the research).
    var seed: (file: String, line: Int, phrase: String)?
    var testDescription: String { "\(src) → \(dst) \(proto)/\(port) ⇒ \(verdict) \(rule ?? "-")" }

    init(_ src: String, _ dst: String, _ proto: String, _ port: UInt16, _ verdict: Verdict, _ rule: String?, _ seed: (String, Int, String)? = nil) {
        self.src = src; self.dst = dst; self.proto = proto; self.port = port; self.verdict = verdict; self.rule = rule
        self.seed = seed.map { (file: $0.0, line: $0.1, phrase: $0.2) }
    }
}

enum Seeds {
    static let sendai = "000_ca3b4b8d87090bff.txt", sagamihara = "001_c9f716ea9ce012ef.txt", sapporo = "002_f0b6e1f1da3887eb.txt"
    static let iizuka = "003_e4d1a142ebfb5639.txt", miyazaki = "004_f6429b1a8b89e63b.txt"
}

/// Loads and compiles a ruleset file (from the repository, so it is the file users get).
func compiledRuleset(_ path: String) throws -> CompiledPolicy {
    if let c = RulesetCache.shared.withLock({ $0[path] }) { return c }
    let c = try CompiledPolicy.compile(try PolicyLoader.load(path: Repo.ruleset(path)))
    RulesetCache.shared.withLock { $0[path] = c }
    return c
}

/// Compiled rulesets shared by the parameterised tests (each file is compiled once per test run).
enum RulesetCache {
    static let shared = Locked<[String: CompiledPolicy]>([:])
}

final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(&value) }
}

func check(_ c: CompiledPolicy, _ f: SeedFlow) {
    let (verdict, rule) = ask(c, f.src, f.dst, f.proto, f.port, srcPort: f.proto.hasPrefix("icmp") ? 8 : 40000)
    #expect(verdict == f.verdict, "\(f.testDescription): got \(verdict) \(rule ?? "-")")
    #expect(rule == f.rule, "\(f.testDescription): deciding rule \(rule ?? "-")")
    guard let seed = f.seed else { return }
    let line = Repo.seedLine(seed.file, seed.line)
    #expect(line.contains(seed.phrase), "seed \(seed.file) L\(seed.line) does not contain 「\(seed.phrase)」")
    if let id = rule, let r = c.policy.flows.first(where: { $0.id == id }) {
        #expect(r.cite.contains("L\(seed.line)") || r.cite.contains("L\(seed.line)-") || r.cite.contains("-\(seed.line)"),
                "rule \(id) cites \(r.cite), not line \(seed.line)")
    }
}

@Suite struct IizukaRulesetTests {
    static let flows: [SeedFlow] = [
        // 4(1)① L244: マイナンバー利用事務系と他の領域を通信できないようにしなければならない
        SeedFlow("192.0.2.5", "192.0.2.70", "tcp", 445, .denied, "MN-LG", (Seeds.iizuka, 244, "マイナンバー利用事務系と他の領域を通信できないようにしなければならない")),
        SeedFlow("192.0.2.70", "192.0.2.5", "tcp", 3389, .denied, "LG-MN", (Seeds.iizuka, 244, "他の領域を通信できない")),
        SeedFlow("192.0.2.5", "192.0.2.140", "tcp", 443, .denied, "MN-INET", (Seeds.iizuka, 244, "他の領域を通信できない")),
        SeedFlow("192.0.2.5", "8.8.8.8", "udp", 53, .denied, "MN-EXT", (Seeds.iizuka, 244, "インターネット等と接続してはならない")),
        SeedFlow("2001:db8:10::5", "2001:4860::8888", "tcp", 443, .denied, "MN-EXT", (Seeds.iizuka, 244, "インターネット等と接続してはならない")),
        // L244 ただし書き: 国等の公的機関が構築したシステム … LGWAN を経由して … データの移送を可能とする
        SeedFlow("192.0.2.10", "198.51.100.10", "tcp", 443, .allowed, "MN-CHUKAN", (Seeds.iizuka, 244, "国等の公的機関が構築したシステム")),
        // … but only with 通信経路の限定 (IP) and ポート番号の限定
        SeedFlow("192.0.2.11", "198.51.100.10", "tcp", 443, .denied, "MN-WAN", (Seeds.iizuka, 244, "通信経路の限定")),
        SeedFlow("192.0.2.10", "198.51.100.10", "tcp", 80, .denied, "MN-WAN", (Seeds.iizuka, 244, "ポート番号")),
        // 4(2)① L260: 両環境間の通信環境を分離した上で、必要な通信だけを許可
        SeedFlow("192.0.2.70", "192.0.2.131", "tcp", 443, .denied, "LG-INET", (Seeds.iizuka, 260, "必要な通信だけを許可")),
        // (イ) L264 画面転送方式
        SeedFlow("192.0.2.70", "192.0.2.141", "tcp", 3389, .allowed, "SCREEN", (Seeds.iizuka, 264, "画面を転送する方式")),
        SeedFlow("192.0.2.70", "192.0.2.149", "tcp", 1495, .allowed, "SCREEN", (Seeds.iizuka, 264, "画面を転送する方式")),
        // (ア) L262 メールテキスト化方式: only the gateway may send mail in
        SeedFlow("192.0.2.130", "192.0.2.70", "tcp", 25, .allowed, "MAILTEXT", (Seeds.iizuka, 262, "メールテキスト化方式")),
        SeedFlow("192.0.2.131", "192.0.2.70", "tcp", 25, .denied, "INET-LG", (Seeds.iizuka, 260, "無害化通信を図らなければならない")),
        // (ウ) L266 ファイル無害化
        SeedFlow("192.0.2.71", "192.0.2.150", "tcp", 443, .allowed, "FILE", (Seeds.iizuka, 266, "危険因子をファイルから除去")),
        // 4(3)② L272 自治体情報セキュリティクラウドに参加: proxy yes, direct no
        SeedFlow("192.0.2.135", "203.0.113.10", "tcp", 8080, .allowed, "INET-SC", (Seeds.iizuka, 272, "自治体情報セキュリティクラウドに参加")),
        SeedFlow("192.0.2.135", "93.184.216.34", "tcp", 443, .denied, "INET-EXT", (Seeds.iizuka, 272, "インターネットとの通信を集約する")),
        // 4(3)① L270 LGWANへの不適切なアクセス
        SeedFlow("192.0.2.135", "198.51.100.20", "tcp", 443, .denied, "INET-WAN", (Seeds.iizuka, 270, "LGWANへの不適切なアクセス")),
        // 5.3④ L341 LGWAN に集約
        SeedFlow("192.0.2.70", "198.51.100.20", "tcp", 443, .allowed, "LG-WAN", (Seeds.iizuka, 341, "総合行政ネットワーク(LGWAN)に集約")),
        // 7.1(10)④ L557: public web behind the firewall; 7.1(9) L549: separated from other networks
        SeedFlow("8.8.8.8", "192.0.2.195", "tcp", 443, .allowed, "EXT-WEB", (Seeds.iizuka, 557, "ファイアウォール等を外部ネットワークとの境界に設置")),
        SeedFlow("192.0.2.195", "192.0.2.70", "tcp", 445, .denied, "WEB-LG", (Seeds.iizuka, 549, "他のネットワーク及び情報システムと物理的に分離")),
        // 7.2(2)⑦ L677 インターネットを介した外部からのアクセスを原則として禁止
        SeedFlow("8.8.8.8", "192.0.2.70", "tcp", 3389, .denied, "EXT-LG", (Seeds.iizuka, 677, "インターネットを介した外部からのアクセスを原則として禁止")),
        // Inside one zone: allowed unless a rule says otherwise.
        SeedFlow("192.0.2.70", "192.0.2.71", "tcp", 445, .intraZone, nil),
        // Inherited from mic-alpha (C10 LGWAN mail into LGWAN接続系).
        SeedFlow("198.51.100.20", "192.0.2.70", "tcp", 25, .allowed, "WAN-LG-MAIL"),
    ]
    @Test(arguments: flows) func flow(_ f: SeedFlow) throws { check(try compiledRuleset("examples/iizuka.yaml"), f) }

    @Test func macPinning() throws {
        // 通信経路の限定 (MAC アドレス、IP アドレス) L244: the 連携端末 is pinned to its MAC.
        let c = try compiledRuleset("examples/iizuka.yaml")
        let h = c.hostIndex(of: ip("192.0.2.10"))
        #expect(h >= 0 && c.policy.hosts[Int(h)].name == "mn-renkei")
        #expect(c.macAllowed(hostIndex: h, mac: MACAddress("02:00:00:00:00:0a")!))
        #expect(!c.macAllowed(hostIndex: h, mac: MACAddress("02:00:00:00:00:0b")!))
        #expect(Repo.seedLine(Seeds.iizuka, 244).contains("MAC アドレス"))
    }
}

@Suite struct SendaiRulesetTests {
    static let flows: [SeedFlow] = [
        SeedFlow("192.0.2.5", "8.8.8.8", "tcp", 443, .denied, "MN-EXT", (Seeds.sendai, 615, "外部ネットワークとの接続又は通信を行ってはならない")),
        SeedFlow("192.0.2.5", "192.0.2.70", "tcp", 445, .denied, "MN-LG", (Seeds.sendai, 615, "原則として")),
        SeedFlow("192.0.2.10", "192.0.2.80", "tcp", 443, .allowed, "MN-EXCEPTION", (Seeds.sendai, 615, "安全が確認された通信対象に限定")),
        SeedFlow("192.0.2.10", "192.0.2.81", "tcp", 443, .denied, "MN-LG", (Seeds.sendai, 615, "安全が確認された通信対象に限定")),
        SeedFlow("192.0.2.70", "192.0.2.140", "tcp", 3389, .denied, "LG-INET", (Seeds.sendai, 631, "インターネット接続系ネットワークとの接続又は通信を行えないようにしなければならない")),
        SeedFlow("192.0.2.140", "192.0.2.70", "tcp", 25, .denied, "INET-LG", (Seeds.sendai, 631, "接続又は通信を行えない")),
        SeedFlow("192.0.2.140", "203.0.113.10", "tcp", 8080, .allowed, "INET-SC", (Seeds.sendai, 643, "宮城県自治体情報セキュリティクラウドに参加")),
        SeedFlow("192.0.2.140", "93.184.216.34", "tcp", 443, .alert, "INET-EXT-DIRECT", (Seeds.sendai, 647, "参加しないインターネット接続系ネットワーク")),
        SeedFlow("192.0.2.70", "198.51.100.5", "tcp", 443, .allowed, "LG-WAN", (Seeds.sendai, 534, "LGWAN にアクセスする情報システム")),
        SeedFlow("192.0.2.200", "8.8.8.8", "udp", 123, .denied, "IND-EXT", (Seeds.sendai, 542, "独立系ネットワークに分類する")),
        // 独立系 ↔ LGWAN 接続系: no rule, different zones → default deny.
        SeedFlow("192.0.2.200", "192.0.2.70", "tcp", 445, .defaultDeny, nil),
        SeedFlow("93.184.216.34", "192.0.2.140", "tcp", 22, .denied, "EXT-INET", (Seeds.sendai, 853, "外部からのアクセスの許可は、必要最小限")),
    ]
    @Test(arguments: flows) func flow(_ f: SeedFlow) throws { check(try compiledRuleset("examples/sendai.yaml"), f) }
}

@Suite struct SagamiharaRulesetTests {
    static let flows: [SeedFlow] = [
        SeedFlow("192.0.2.130", "192.0.2.20", "tcp", 1521, .denied, "DEV-SERVER", (Seeds.sagamihara, 613, "運用システムと開発するシステムは")),
        SeedFlow("192.0.2.70", "192.0.2.130", "tcp", 22, .denied, "CLIENT-DEV", (Seeds.sagamihara, 613, "ネットワークのセグメント")),
        SeedFlow("192.0.2.70", "192.0.2.15", "tcp", 443, .allowed, "CLIENT-AP", (Seeds.sagamihara, 463, "ルータ等の装置によるアクセス制御")),
        SeedFlow("192.0.2.70", "192.0.2.30", "tcp", 445, .alert, "CLIENT-SERVER", (Seeds.sagamihara, 477, "電子情報資産管理台帳に定める")),
        SeedFlow("192.0.2.70", "93.184.216.34", "tcp", 443, .allowed, "CLIENT-WEB", (Seeds.sagamihara, 606, "インターネット管理運用要領に従う")),
        SeedFlow("192.0.2.20", "93.184.216.34", "tcp", 443, .denied, "SERVER-INET", (Seeds.sagamihara, 490, "必要のないプロトコルやサービス等を制御する")),
        SeedFlow("93.184.216.34", "192.0.2.20", "tcp", 3389, .denied, "INET-IN", (Seeds.sagamihara, 489, "不要なポートは制御する")),
    ]
    @Test(arguments: flows) func flow(_ f: SeedFlow) throws { check(try compiledRuleset("examples/sagamihara.yaml"), f) }
}

@Suite struct SapporoRulesetTests {
    static let phrase = "住民基本台帳ネットワークシステム及びマイナンバー利用事務系においては、原則として、他の領域との通信をできないように"
    static let flows: [SeedFlow] = [
        SeedFlow("192.0.2.40", "192.0.2.70", "tcp", 445, .denied, "MN-CHONAI", (Seeds.sapporo, 172, phrase)),
        SeedFlow("192.0.2.70", "192.0.2.10", "tcp", 700, .denied, "CHONAI-JUKI", (Seeds.sapporo, 172, phrase)),
        SeedFlow("192.0.2.10", "8.8.8.8", "tcp", 443, .denied, "JUKI-EXT", (Seeds.sapporo, 172, phrase)),
        SeedFlow("2001:db8:10::1", "2001:4860::8888", "tcp", 443, .denied, "MN-EXT", (Seeds.sapporo, 172, phrase)),
        SeedFlow("192.0.2.40", "192.0.2.10", "tcp", 700, .alert, "MN-JUKI", (Seeds.sapporo, 172, phrase)),
        SeedFlow("192.0.2.40", "192.0.2.41", "tcp", 445, .intraZone, nil),
        SeedFlow("198.51.100.5", "192.0.2.70", "tcp", 443, .alert, "SCHOOL-OUT", (Seeds.sapporo, 114, "学校情報システム及び当該システムで取り扱う情報資産については、対象から除く")),
        SeedFlow("198.51.100.5", "192.0.2.40", "tcp", 443, .denied, "SCHOOL-MN", (Seeds.sapporo, 172, phrase)),
    ]
    @Test(arguments: flows) func flow(_ f: SeedFlow) throws { check(try compiledRuleset("examples/sapporo.yaml"), f) }
}

@Suite struct MiyazakiRulesetTests {
    static let flows: [SeedFlow] = [
        SeedFlow("192.0.2.5", "192.0.2.70", "tcp", 445, .denied, "MN-LG", (Seeds.miyazaki, 158, "原則として、他の領域との通信をできないようにした上で")),
        SeedFlow("192.0.2.5", "8.8.4.4", "udp", 53, .denied, "MN-EXT", (Seeds.miyazaki, 158, "他の領域との通信をできない")),
        SeedFlow("192.0.2.135", "192.0.2.70", "tcp", 445, .denied, "INET-LG", (Seeds.miyazaki, 159, "通信経路を分割する")),
        SeedFlow("192.0.2.130", "192.0.2.70", "tcp", 25, .allowed, "MAILTEXT", (Seeds.miyazaki, 159, "無害化通信を実施する")),
        SeedFlow("192.0.2.70", "192.0.2.145", "tcp", 3389, .allowed, "SCREEN", (Seeds.miyazaki, 114, "端末への画面転送")),
        SeedFlow("192.0.2.70", "192.0.2.135", "tcp", 443, .denied, "LG-INET", (Seeds.miyazaki, 112, "安全が確保された通信だけを許可")),
        SeedFlow("192.0.2.135", "203.0.113.20", "tcp", 443, .allowed, "INET-SC", (Seeds.miyazaki, 160, "自治体情報セキュリティクラウドの導入")),
        // Inherited from mic-alpha: C1 and α (LGWAN接続系 → Internet direct).
        SeedFlow("192.0.2.70", "8.8.8.8", "tcp", 443, .denied, "LG-EXT-DENY"),
    ]
    @Test(arguments: flows) func flow(_ f: SeedFlow) throws { check(try compiledRuleset("examples/miyazaki.yaml"), f) }
}

/// The presets, on their own example zones: flows from the MIC model matrices (../shared/research/mic-models.md §3).
@Suite struct PresetRulesetTests {
    // Example zones: mynumber .0/26, lgwan .64/26, internet .128/26, juki .192/27, security-cloud .224/27 (192.0.2.x),
    // lgwan-wan 198.51.100.0/24, cloud 203.0.113.0/25 (primes), external everything else.
    static let common: [SeedFlow] = [
        SeedFlow("192.0.2.5", "192.0.2.130", "tcp", 443, .denied, "MN-INET-DENY"),        // C2
        SeedFlow("192.0.2.5", "8.8.8.8", "tcp", 443, .denied, "MN-EXT-DENY"),              // C1
        SeedFlow("192.0.2.5", "192.0.2.70", "tcp", 445, .denied, "MN-LG-DENY"),            // C3
        SeedFlow("192.0.2.5", "198.51.100.9", "tcp", 443, .denied, "MN-WAN-DENY"),         // C4
        SeedFlow("192.0.2.5", "192.0.2.200", "tcp", 700, .alert, "MN-JUKI"),               // C6
        SeedFlow("192.0.2.70", "198.51.100.9", "tcp", 443, .allowed, "LG-WAN"),            // C10
        SeedFlow("192.0.2.130", "198.51.100.9", "tcp", 443, .denied, "INET-WAN-DENY"),     // C11
        SeedFlow("192.0.2.130", "192.0.2.230", "tcp", 8080, .allowed, "INET-SC"),          // C9
    ]
    static let alpha: [SeedFlow] = common + [
        SeedFlow("192.0.2.70", "192.0.2.130", "tcp", 3389, .allowed, "LG-INET-SCREEN"),    // C13(イ)
        SeedFlow("192.0.2.70", "192.0.2.130", "tcp", 445, .denied, "LG-INET-DENY"),        // C13
        SeedFlow("192.0.2.130", "192.0.2.70", "tcp", 25, .alert, "INET-LG-MAILTEXT"),      // C13(ア)
        SeedFlow("192.0.2.70", "8.8.8.8", "tcp", 443, .denied, "LG-EXT-DENY"),             // §3.1
        SeedFlow("192.0.2.130", "8.8.8.8", "icmp", 0, .allowed, "INET-EXT"),
    ]
    @Test(arguments: alpha) func micAlpha(_ f: SeedFlow) throws { check(try compiledRuleset("mic-alpha.yaml"), f) }

    static let alphaPrime: [SeedFlow] = common + [
        SeedFlow("192.0.2.70", "203.0.113.5", "tcp", 443, .allowed, "LG-CLOUD-LBO"),       // §3.2
        SeedFlow("192.0.2.70", "203.0.113.5", "udp", 3479, .allowed, "LG-CLOUD-MEDIA"),
        SeedFlow("192.0.2.70", "203.0.113.5", "tcp", 22, .denied, "LG-CLOUD-DENY"),
        SeedFlow("192.0.2.70", "8.8.8.8", "tcp", 443, .denied, "LG-EXT-DENY"),             // general Internet still denied
        SeedFlow("192.0.2.70", "192.0.2.130", "tcp", 3389, .allowed, "LG-INET-SCREEN"),    // as α
    ]
    @Test(arguments: alphaPrime) func micAlphaPrime(_ f: SeedFlow) throws { check(try compiledRuleset("mic-alpha-prime.yaml"), f) }

    static let beta: [SeedFlow] = common + [
        SeedFlow("192.0.2.130", "192.0.2.70", "tcp", 3389, .allowed, "INET-LG-SCREEN"),    // §3.3 reversed direction
        SeedFlow("192.0.2.70", "192.0.2.130", "tcp", 3389, .denied, "LG-INET-DENY"),
        SeedFlow("192.0.2.130", "192.0.2.70", "tcp", 445, .denied, "INET-LG-DENY"),
        SeedFlow("192.0.2.130", "8.8.8.8", "tcp", 443, .allowed, "INET-EXT"),
    ]
    @Test(arguments: beta) func micBeta(_ f: SeedFlow) throws { check(try compiledRuleset("mic-beta.yaml"), f) }

    static let betaPrime: [SeedFlow] = common + [
        SeedFlow("192.0.2.130", "203.0.113.5", "tcp", 443, .allowed, "INET-CLOUD-BIZ"),    // §3.4
        SeedFlow("192.0.2.70", "203.0.113.5", "tcp", 443, .denied, "LG-CLOUD-DENY"),
        SeedFlow("192.0.2.5", "203.0.113.5", "tcp", 443, .denied, "MN-CLOUD-DENY"),
        SeedFlow("192.0.2.130", "192.0.2.70", "tcp", 3389, .allowed, "INET-LG-SCREEN"),    // inherited from β
    ]
    @Test(arguments: betaPrime) func micBetaPrime(_ f: SeedFlow) throws { check(try compiledRuleset("mic-beta-prime.yaml"), f) }

    @Test func everyPresetRuleHasACite() throws {
        for name in PolicyLoader.presetNames {
            let p = try PolicyLoader.loadPreset(name)
            for r in p.flows { #expect(!r.cite.isEmpty, "\(name) rule \(r.id) has no cite") }
        }
        for city in ["sendai", "sagamihara", "sapporo", "iizuka", "miyazaki"] {
            let p = try PolicyLoader.load(path: Repo.ruleset("examples/\(city).yaml"))
            for r in p.flows { #expect(!r.cite.isEmpty, "\(city) rule \(r.id) has no cite") }
            for r in p.flows where r.inheritedFrom == nil { #expect(r.cite.range(of: #"L[0-9]+"#, options: .regularExpression) != nil, "\(city) rule \(r.id) cites no seed line") }
        }
    }
}
