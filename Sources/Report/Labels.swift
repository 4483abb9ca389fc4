// Every user-visible word of the report in Japanese (default, for municipal staff) and English.
import Foundation

public enum ReportLanguage: String, Sendable, CaseIterable { case ja, en }

struct Labels {
    let lang: ReportLanguage
    private func t(_ ja: String, _ en: String) -> String { lang == .ja ? ja : en }

    var documentTitle: String { t("ネットワーク分離（三層の対策）点検報告書", "Network Segregation (Three-Layer Model) Inspection Report") }
    var subtitle: String { t("自己点検・情報セキュリティ監査の証跡", "Evidence for self-inspection and information security audit") }
    var rangeSeparator: String { t(" 〜 ", " – ") }
    var unnamedPolicy: String { t("（ポリシー未指定）", "(no policy given)") }
    var organisation: String { t("対象ポリシー", "Policy") }
    var createdOn: String { t("作成日時", "Generated") }
    var period: String { t("対象期間", "Period covered") }
    var noPeriod: String { t("（時刻情報なし）", "(no timestamps)") }
    var approval: String { t("決裁欄", "Sign-off") }
    var approvalRoles: [String] { lang == .ja ? ["作成", "確認", "承認"] : ["Prepared", "Reviewed", "Approved"] }
    var documentClass: String { t("取扱注意（庁内限り）", "Internal use only") }

    var summaryHeading: String { t("点検結果の概要", "Summary of findings") }
    var verdictClean: String { t("対象期間・対象資料において、ポリシーに反する通信及びファイアウォール設定は検出されませんでした。", "No traffic or firewall configuration contrary to the policy was found in the period and sources covered.") }
    func verdictFindings(_ flows: Int, _ fw: Int) -> String {
        t("ポリシーに反する通信 \(flows.grouped) 件、ファイアウォール設定の指摘 \(fw.grouped) 件を検出しました。各項目について所管の情報システム管理者による確認と対処を求めます。",
          "Found \(flows.grouped) flow(s) and \(fw.grouped) firewall finding(s) contrary to the policy. Each needs review and remediation by the responsible system administrator.")
    }
    var healthWarning: String { t("注意：取得漏れ（ドロップ・フィード停止・読めないファイル・不正パケット・警告の欠落）があります。この報告は観測できた範囲についてのみ述べます。", "Caution: capture was incomplete (drops, stopped feeds, unreadable files, malformed packets or missing alerts). This report speaks only for what was observed.") }
    var keyFlows: String { t("違反通信", "Violating flows") }
    var keyFindings: String { t("FW指摘", "Firewall findings") }
    var keyPairs: String { t("違反ゾーン組合せ", "Zone pairs in violation") }
    var keyClauses: String { t("該当条項", "Clauses affected") }
    var keySources: String { t("入力資料", "Input files") }
    var keyObserved: String { t("観測フロー", "Flows observed") }

    var sourcesHeading: String { t("対象期間と入力資料", "Period and sources") }
    var sourcesIntro: String { t("本報告は次の資料から作成しました。ハッシュ値（SHA-256）により資料の同一性を確認できます。", "This report was produced from the files below; their SHA-256 hashes identify them.") }
    var colFile: String { t("ファイル", "File") }
    var colKind: String { t("種別", "Kind") }
    var kindEVE: String { t("通信記録（EVE）", "Traffic (EVE)") }
    var kindFirewall: String { t("FW設定検査", "Firewall check") }
    var colSensor: String { t("センサー・対象", "Sensor / target") }
    var colFrom: String { t("開始", "From") }
    var colTo: String { t("終了", "To") }
    var colEvents: String { t("件数", "Records") }
    var colHealth: String { t("取得状況", "Capture health") }
    var colHash: String { t("SHA-256", "SHA-256") }
    var healthOK: String { t("欠落なし", "complete") }
    func drops(_ n: Int64, of total: Int64) -> String {
        total > 0 ? t("ドロップ \(n.grouped) / \(total.grouped) パケット（\(percent(n, total))）", "\(n.grouped) of \(total.grouped) packets dropped (\(percent(n, total)))")
                  : t("ドロップ \(n.grouped) パケット", "\(n.grouped) packets dropped")
    }
    private func percent(_ n: Int64, _ total: Int64) -> String {
        let p = Double(n) * 100 / Double(total)
        return p >= 0.01 ? String(format: "%.2f%%", p) : (p > 0 ? "0.01%" : "0%").replacingOccurrences(of: "0.01%", with: "<0.01%")
    }
    func malformed(_ n: Int64) -> String { t("不正パケット \(n.grouped)", "\(n.grouped) malformed packets") }
    func deadFeeds(_ n: Int) -> String { t("フィード停止 \(n) 回", "\(n) feed outage(s)") }
    func unreadable(_ n: Int) -> String { t("読めないファイル \(n) 件", "\(n) unreadable file(s)") }
    func missingAlerts(_ n: Int64, _ reported: Int64) -> String { t("警告の欠落 \(n.grouped) 件（記録側の集計 \(reported.grouped) 件）", "\(n.grouped) alerts missing (writer counted \(reported.grouped))") }
    func blank(_ n: Int) -> String { t("空行 \(n) 行", "\(n) blank line(s)") }
    func eveCounts(lines: Int, alerts: Int, flows: Int) -> String {
        t("\(lines.grouped) 行（警告 \(alerts.grouped)、フロー \(flows.grouped)）", "\(lines.grouped) lines (\(alerts.grouped) alerts, \(flows.grouped) flows)")
    }
    func packetCounts(_ s: SourceSummary) -> String? {
        let total = s.capturePackets > 0 ? s.capturePackets : s.decodedPackets + s.skippedPackets + s.malformedPackets
        guard total > 0 else { return nil }
        var parts = [t("解析 \(s.decodedPackets.grouped)", "\(s.decodedPackets.grouped) decoded")]
        if s.skippedPackets > 0 { parts.append(t("対象外 \(s.skippedPackets.grouped)", "\(s.skippedPackets.grouped) skipped")) }
        return t("パケット \(total.grouped)（\(parts.joined(separator: "、"))）", "\(total.grouped) packets (\(parts.joined(separator: ", ")))")
    }
    func andMore(_ n: Int) -> String { t("ほか \(n) 件", "and \(n) more") }
    func firewallCounts(findings: Int, anomalies: Int, proofs: Int) -> String {
        t("指摘 \(findings)、ルール異常 \(anomalies)", "\(findings) findings, \(anomalies) anomalies") + (proofs > 0 ? t("、遮断を証明したゾーン組合せ \(proofs)", ", \(proofs) zone pairs proven closed") : "")
    }
    /// Firewall anomaly kinds, in the words `segcheck firewall` uses.
    func anomalyKind(_ k: String) -> String {
        switch k {
        case "shadowed": return t("遮蔽（到達しない規則）", "shadowed")
        case "redundant": return t("冗長", "redundant")
        case "overly-broad": return t("過大な許可", "overly broad")
        case "never-matches": return t("一致しない規則", "never matches")
        case "unused-chain": return t("未使用チェーン", "unused chain")
        default: return k
        }
    }
    var uncertain: String { t("不確実（解析できない条件に依存）", "uncertain (depends on unmodelled matches)") }
    func firewallNotes(_ n: Int) -> String { t("解析上の注記 \(n) 件", "\(n) analysis note(s)") }
    var matrixProofNote: String { t("緑の「✓」は、ファイアウォール設定の検査で、ポリシーが禁じる通信が一切通らないことを証明したゾーン組合せです。", "A green ✓ marks zone pairs the firewall check proved closed: no packet the policy forbids is accepted.") }
    var outagesHeading: String { t("フィード停止・読めなかったファイル", "Feed outages and unreadable files") }
    var colRecovered: String { t("復旧", "Recovered") }
    var colResult: String { t("結果", "Result") }
    var reloadsHeading: String { t("監視中のポリシー再読込", "Policy reloads during monitoring") }
    func reloadResult(_ r: String) -> String {
        switch r { case "applied": return t("適用", "applied"); case "refused": return t("拒否（旧ポリシーで継続）", "refused (old policy kept)"); default: return r }
    }
    func outageText(_ o: FeedOutage) -> String {
        if let s = o.silentSeconds { return t("\(Int(s)) 秒間パケットが届かず、フィード停止と判定", "no packets for \(Int(s)) s: feed declared dead") + (o.detail.isEmpty ? "" : "（\(o.detail)）") }
        return o.detail.isEmpty ? t("フィード停止", "feed stopped") : o.detail
    }
    func recoveryText(_ o: FeedOutage, _ d: DateText) -> String {
        guard let r = o.recovered else { return o.recoveredTimestamp ?? t("記録なし（未復旧の可能性）", "not recorded (may still be down)") }
        return d.dateTime(r)
    }
    var colTime: String { t("日時", "Time") }
    var colDetail: String { t("内容", "Detail") }
    var noSources: String { t("入力資料がありません。", "No input files.") }

    var matrixHeading: String { t("ゾーン間通信マトリクス", "Zone-to-zone matrix") }
    var matrixIntro: String { t("行が通信の開始側（送信元）、列が宛先です。数字は違反通信の件数、括弧内は観測したフローの総数です。色が濃いほど違反が多いことを示します。", "Rows are initiators, columns responders. Numbers are violating flows; in brackets, all flows observed. Darker means more violations.") }
    var matrixFrom: String { t("送信元 ＼ 宛先", "From \\ To") }
    var matrixNone: String { t("ゾーン情報がないため、マトリクスは作成できません。", "No zone information; no matrix.") }
    var unknownZone: String { t("（ゾーン外）", "(no zone)") }

    var timelineHeading: String { t("違反の推移", "Violations over time") }
    func timelineIntro(_ bucket: String, outages: Bool) -> String {
        t("違反通信の件数を\(bucket)ごとに示します（日本標準時）。", "Violating flows per \(bucket) (Japan Standard Time).")
            + (outages ? t("赤い破線と三角はフィード停止です。", " Red dashed lines and triangles mark feed outages.") : "")
    }
    var timelineNone: String { t("時刻のある違反通信はありません。", "No timed violations.") }
    var bucketMinute: String { t("分", "minute") }
    func bucketMinutes(_ n: Int) -> String { t("\(n)分", "\(n) minutes") }
    var bucketHour: String { t("1時間", "hour") }
    func bucketHours(_ n: Int) -> String { t("\(n)時間", "\(n) hours") }
    var bucketDay: String { t("1日", "day") }
    var countAxis: String { t("件数", "count") }

    var findingsHeading: String { t("ポリシー条項別の指摘事項", "Findings by policy clause") }
    var findingsIntro: String { t("各指摘を、違反したポリシーの条項（ポリシーに記載された引用）ごとにまとめます。「証跡」はイベントの記録位置（ファイル名:行）と Community ID で、原記録と照合できます。", "Each finding is listed under the policy clause it breaks (as cited in the policy). The evidence column gives the record's place (file:line) and Community ID for matching against the original logs.") }
    var noFindings: String { t("指摘事項はありません。", "No findings.") }
    var clauseUnstated: String { t("（条項の記載なし）", "(no clause cited)") }
    /// The clause as plain text (no quotes), for CSV cells.
    func clausePlain(_ cite: String) -> String {
        cite.isEmpty || cite.hasPrefix(ReportContent.kindClausePrefix) ? clauseTitle(cite) : cite
    }
    /// A clause heading: the policy's own words in quotes, or for findings no rule decided, what kind they are.
    func clauseTitle(_ cite: String) -> String {
        if cite.isEmpty { return clauseUnstated }
        if cite.hasPrefix(ReportContent.kindClausePrefix), let kind = ViolationKind(rawValue: String(cite.dropFirst(ReportContent.kindClausePrefix.count))) {
            switch kind {
            case .defaultDeny: return t("（条項の引用なし）許可規則に定めのないゾーン間通信（既定の拒否）", "(no clause cited) cross-zone flows no rule allows (default deny)")
            case .unknownZone: return t("（条項の引用なし）ポリシーのどのゾーンにも属さないアドレス", "(no clause cited) addresses in no zone of the policy")
            case .macNotAllowed: return t("（条項の引用なし）通信経路の限定：登録外のMACアドレス", "(no clause cited) path restriction: MAC address not registered")
            case .fragmentEvasion: return t("（条項の引用なし）IPフラグメントによる検査回避の試み", "(no clause cited) evasion by IP fragments")
            case .denied: return t("（条項の引用なし）禁止規則に該当", "(no clause cited) deny rule matched")
            case .alert, .other: return clauseUnstated
            }
        }
        return lang == .ja ? "「\(cite)」" : "“\(cite)”"
    }
    func clauseCounts(_ flows: Int, _ fw: Int) -> String { t("違反通信 \(flows.grouped) 件・FW指摘 \(fw.grouped) 件", "\(flows.grouped) flows, \(fw.grouped) firewall findings") }
    var flowsSub: String { t("違反通信", "Violating flows") }
    var firewallSub: String { t("ファイアウォール設定", "Firewall configuration") }
    var colZones: String { t("ゾーン（送信元→宛先）", "Zones (from → to)") }
    var colFlow: String { t("通信", "Flow") }
    var colRule: String { t("判定ルール", "Deciding rule") }
    var colVerdict: String { t("判定", "Verdict") }
    var colEvidence: String { t("証跡", "Evidence") }
    var colFWRule: String { t("該当するFWルール", "Firewall rule") }
    var colWitness: String { t("実証パケット", "Witness packet") }
    var colPolicyRule: String { t("ポリシー規則", "Policy rule") }
    var colFirst: String { t("初回", "First seen") }
    var colCount: String { t("回数", "Count") }
    func truncated(_ shown: Int, _ total: Int) -> String { t("上位 \(shown.grouped) 件を表示（全 \(total.grouped) 件は CSV 出力を参照）。", "Showing \(shown.grouped) of \(total.grouped); the CSV output lists all.") }
    var noRule: String { t("該当ルールなし", "no rule") }
    func verdict(_ k: ViolationKind) -> String {
        switch k {
        case .denied: return t("禁止", "denied")
        case .defaultDeny: return t("許可なし（既定で禁止）", "not allowed (default deny)")
        case .unknownZone: return t("ゾーン外アドレス", "address in no zone")
        case .macNotAllowed: return t("許可されていないMACアドレス（通信経路の限定違反）", "MAC not allowed (path restriction)")
        case .fragmentEvasion: return t("不正なIPフラグメント（回避の試み）", "IP fragment evasion")
        case .alert: return t("要注意", "alert")
        case .other: return t("警告", "alert (no verdict)")
        }
    }
    var alertsHeading: String { t("参考：警告ルールに該当した通信（違反ではない）", "For reference: flows matching alert rules (not violations)") }
    var anomaliesHeading: String { t("参考：ファイアウォールのルール異常（到達しないルール等）", "For reference: firewall rule anomalies (shadowed rules, ...)") }

    var diffHeading: String { t("前回報告からの変化", "Changes since the previous report") }
    var diffNone: String { t("前回の報告が指定されていないため、比較は行っていません（--previous で指定できます）。", "No previous report given (use --previous); nothing compared.") }
    func diffIntro(_ generated: String, _ period: String) -> String { t("前回報告（作成 \(generated)、対象期間 \(period)）と比較しました。", "Compared with the previous report (generated \(generated), period \(period)).") }
    var diffPolicyChanged: String { t("ポリシーファイルが前回から変更されています（ハッシュ値が異なります）。", "The policy file changed since the previous report (hash differs).") }
    var diffNew: String { t("新たに検出", "New") }
    var diffResolved: String { t("解消（今回検出されず）", "Resolved (not seen now)") }
    var diffContinuing: String { t("継続", "Continuing") }
    var diffClause: String { t("条項別件数の増減", "Change per clause") }
    var diffBefore: String { t("前回", "Before") }
    var diffNow: String { t("今回", "Now") }
    var diffItem: String { t("項目", "Item") }
    var diffNoChange: String { t("前回から変化はありません。", "No change since the previous report.") }
    func diffTotals(_ bf: Int, _ nf: Int, _ bw: Int, _ nw: Int) -> String {
        t("違反通信 \(bf.grouped) 件 → \(nf.grouped) 件、FW指摘 \(bw.grouped) 件 → \(nw.grouped) 件", "Violating flows \(bf.grouped) → \(nf.grouped); firewall findings \(bw.grouped) → \(nw.grouped)")
    }

    var methodsHeading: String { t("点検方法と作成記録", "Method and attestation") }
    var methodsText: String { t("通信記録は segcheck review（取得済みパケット）又は segcheck monitor（ミラーポートの常時監視）が、ポリシーに定めたゾーン間の通信規則と照合して出力したものです。ファイアウォール設定は segcheck firewall が全パケット空間について記号的に検査し、ポリシーに反して通過する通信があれば実証パケットを示します。本報告は入力資料を要約したものであり、原記録は各入力ファイルに保存されています。",
        "Traffic records were produced by segcheck review (captured packets) or segcheck monitor (live mirror port), checking each flow against the policy's zone-to-zone rules. Firewall configurations were checked by segcheck firewall symbolically over the whole packet space; any packet that passes contrary to the policy is shown as a witness. This report summarises the inputs; the original records remain in the input files.") }
    var toolVersion: String { t("ツール", "Tool") }
    var executable: String { t("実行ファイル", "executable") }
    var policyFile: String { t("ポリシーファイル", "Policy file") }
    var commandLine: String { t("実行コマンド", "Command") }
    var generatedAt: String { t("作成日時", "Generated at") }
    var verifyNote: String { t("ハッシュ値は sha256sum コマンド等で照合できます。本報告に埋め込まれた機械可読データ（JSON）は次回報告との比較に使用します。", "Hashes can be checked with sha256sum. The machine-readable data (JSON) embedded in this report is used to compare with the next report.") }
    var page: String { t("頁", "Page") }
    var timezoneNote: String { t("日時は日本標準時（JST, UTC+9）で表記", "Times in Japan Standard Time (JST, UTC+9)") }
    var yes: String { t("あり", "yes") }

    // CSV header.
    var csvHeader: [String] {
        lang == .ja
            ? ["種別", "条項", "送信元ゾーン", "宛先ゾーン", "日時(JST)", "プロトコル", "送信元IP", "送信元ポート", "宛先IP", "宛先ポート", "VLAN", "判定", "判定ルール", "FWルール", "実証パケット", "Community ID", "証跡"]
            : ["Kind", "Clause", "From zone", "To zone", "Time (JST)", "Protocol", "Source IP", "Source port", "Destination IP", "Destination port", "VLAN", "Verdict", "Deciding rule", "Firewall rule", "Witness packet", "Community ID", "Evidence"]
    }
    var csvFlow: String { t("通信", "flow") }
    var csvFirewall: String { t("FW設定", "firewall") }
}

extension BinaryInteger {
    /// 12,345 (digit grouping is the same in Japanese and English).
    var grouped: String {
        let s = String(self.magnitude)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + String(out.reversed())
    }
}

/// Dates shown to people: Japan Standard Time, with the Japanese era in Japanese.
struct DateText {
    let lang: ReportLanguage
    static let jst = TimeZone(secondsFromGMT: 9 * 3600)!

    /// One Gregorian calendar in JST for every date shown (creating a Calendar per call is costly).
    private static let calendar: Calendar = {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = DateText.jst
        return cal
    }()

    private func parts(_ d: Date) -> DateComponents {
        DateText.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: d)
    }

    /// 令和8年（2026年）11月26日 or 2026-11-26.
    func day(_ d: Date) -> String {
        let c = parts(d)
        let y = c.year!, m = c.month!, dd = c.day!
        guard lang == .ja else { return String(format: "%04d-%02d-%02d", y, m, dd) }
        let weekdays = ["日", "月", "火", "水", "木", "金", "土"]
        return "\(DateText.era(y, m, dd))（\(y)年）\(m)月\(dd)日（\(weekdays[c.weekday! - 1])）"
    }

    /// 2026/11/26 17:40:30 (JST) in both languages: compact, sortable, unambiguous.
    func dateTime(_ d: Date) -> String {
        let c = parts(d)
        return String(format: "%04d/%02d/%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// 2026/11/26 17:40 (JST).
    func minute(_ d: Date) -> String { String(dateTime(d).prefix(16)) }

    func dayTime(_ d: Date) -> String {
        let c = parts(d)
        return lang == .ja ? "\(day(d)) " + String(format: "%02d:%02d", c.hour!, c.minute!)
                           : day(d) + String(format: " %02d:%02d JST", c.hour!, c.minute!)
    }

    /// 令和8年, 平成31年, 令和元年 (era change on 2019-05-01 and 1989-01-08).
    static func era(_ y: Int, _ m: Int, _ d: Int) -> String {
        let key = y * 10000 + m * 100 + d
        func name(_ era: String, _ n: Int) -> String { n == 1 ? "\(era)元年" : "\(era)\(n)年" }
        if key >= 20190501 { return name("令和", y - 2018) }
        if key >= 19890108 { return name("平成", y - 1988) }
        if key >= 19261225 { return name("昭和", y - 1925) }
        return "\(y)年"
    }
}
