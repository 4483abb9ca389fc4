// segcheck lookup: answers one flow against a policy — verdict, zones, host groups and the deciding rule with its cite.
import ArgumentParser
import Foundation
import Policy
import PolicyCompiler
import Wire

struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Answer one flow: verdict, source and destination zone, deciding rule and its cite.",
        discussion: """
        SRC is the initiator, DST the responder. PROTO is tcp, udp, icmp, icmpv6 or a number. DPORT is the responder port;
        for icmp/icmpv6 give TYPE or TYPE/CODE. Exit 0 when the flow is allowed, intra-zone or an alert, 1 when it is a
        violation (denied, default deny between zones, or an address in no zone), 2 on errors.
        """)

    @Argument(help: "Policy file or CSV directory.") var policy: String
    @Argument(help: "Source (initiator) address.") var src: String
    @Argument(help: "Destination (responder) address.") var dst: String
    @Argument(help: "Protocol: tcp, udp, icmp, icmpv6, any number.") var proto: String
    @Argument(help: "Destination port, or ICMP TYPE[/CODE].") var dport: String?
    @Option(help: "Output language: ja or en.") var lang: String = "ja"
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("segcheck lookup: \(message)\n".utf8))
        return ExitCode(2)
    }

    func run() throws {
        guard lang == "ja" || lang == "en" else { throw fail("--lang must be ja or en") }
        guard let s = IPAddress(src) else { throw fail("bad source address '\(src)'") }
        guard let d = IPAddress(dst) else { throw fail("bad destination address '\(dst)'") }
        let p: UInt8
        switch proto.lowercased() {
        case "tcp": p = 6
        case "udp": p = 17
        case "icmp": p = 1
        case "icmpv6", "ipv6-icmp": p = 58
        default:
            guard let n = UInt8(proto) else { throw fail("bad protocol '\(proto)': expected tcp, udp, icmp, icmpv6 or 0-255") }
            p = n
        }
        var sport: UInt16 = 0, dportValue: UInt16 = 0
        if let dport {
            if p == 1 || p == 58 {
                let parts = dport.split(separator: "/")
                guard let t = UInt8(parts[0]), parts.count <= 2 else { throw fail("bad ICMP type '\(dport)': expected TYPE or TYPE/CODE") }
                sport = UInt16(t)
                if parts.count == 2 { guard let c = UInt8(parts[1]) else { throw fail("bad ICMP code in '\(dport)'") }; dportValue = UInt16(c) }
            } else {
                guard let n = UInt16(dport) else { throw fail("bad port '\(dport)': expected 0-65535") }
                dportValue = n
            }
        }
        let compiled: CompiledPolicy
        do {
            compiled = try CompiledPolicy.compile(try PolicyLoader.load(path: policy))
        } catch let e as PolicyError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
        let decision = compiled.classify(src: s, dst: d, proto: p, srcPort: sport, dstPort: dportValue)
        let pol = compiled.policy
        func zoneText(_ z: Int32, _ h: Int32) -> String {
            guard z >= 0 else { return lang == "ja" ? "(どのゾーンにも属さない)" : "(no zone)" }
            let zone = pol.zones[Int(z)]
            var t = lang == "ja" ? "\(zone.label) [\(zone.name), \(zone.tier)]" : "\(zone.name) [\(zone.tier)\(zone.label != zone.name ? ", " + zone.label : "")]"
            if h >= 0 { let host = pol.hosts[Int(h)]; t += lang == "ja" ? " ホスト \(host.label)" : " host \(host.name)" }
            return t
        }
        let verdictText: String
        switch (decision.verdict, lang) {
        case (.intraZone, "ja"): verdictText = "許可 (同一ゾーン内)"
        case (.intraZone, _): verdictText = "allowed (intra-zone)"
        case (.allowed, "ja"): verdictText = "許可"
        case (.allowed, _): verdictText = "allowed"
        case (.alert, "ja"): verdictText = "要確認 (alert)"
        case (.alert, _): verdictText = "alert"
        case (.denied, "ja"): verdictText = "違反 (拒否ルール)"
        case (.denied, _): verdictText = "violation (denied by rule)"
        case (.defaultDeny, "ja"): verdictText = "違反 (ゾーン間の既定拒否)"
        case (.defaultDeny, _): verdictText = "violation (default deny between zones)"
        case (.unknownZone, "ja"): verdictText = "違反 (ゾーン未定義のアドレス)"
        case (.unknownZone, _): verdictText = "violation (address in no zone)"
        }
        let rule = decision.rule >= 0 ? pol.flows[Int(decision.rule)] : nil
        if json {
            var o: [String: Any] = ["verdict": "\(decision.verdict)", "violation": decision.verdict.isViolation,
                                    "src_zone": decision.srcZone >= 0 ? pol.zones[Int(decision.srcZone)].name : NSNull(),
                                    "dest_zone": decision.dstZone >= 0 ? pol.zones[Int(decision.dstZone)].name : NSNull()]
            if decision.srcHost >= 0 { o["src_host"] = pol.hosts[Int(decision.srcHost)].name }
            if decision.dstHost >= 0 { o["dest_host"] = pol.hosts[Int(decision.dstHost)].name }
            if let rule {
                o["rule"] = rule.id; o["cite"] = rule.cite; o["rule_location"] = rule.location.description
                if let v = rule.via { o["via"] = v }
                if let n = rule.note { o["note"] = n }
            }
            let data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let ja = lang == "ja"
            print((ja ? "判定: " : "verdict: ") + verdictText)
            print((ja ? "送信元: " : "source: ") + "\(s) " + zoneText(decision.srcZone, decision.srcHost))
            print((ja ? "宛先: " : "destination: ") + "\(d) " + zoneText(decision.dstZone, decision.dstHost))
            if let rule {
                print((ja ? "ルール: " : "rule: ") + "\(rule.id) (\(rule.location))" + (rule.via.map { ja ? " 方式 \($0)" : " via \($0)" } ?? ""))
                print((ja ? "根拠: " : "cite: ") + (rule.cite.isEmpty ? "-" : rule.cite))
                if let n = rule.note { print((ja ? "備考: " : "note: ") + n) }
            } else {
                print(ja ? "ルール: なし" : "rule: none")
            }
        }
        if decision.verdict.isViolation { throw ExitCode(1) }
    }
}
