// Renders the report as one self-contained, print-ready (A4) HTML file with inline CSS, SVG and embedded JSON data.
import Foundation

/// Identical violating flows (same zones, addresses, protocol, responder port and rule) shown as one row.
struct FlowRow {
    var first: FlowViolation
    var count: Int
    var firstTime: Date?
    var lastTime: Date?

    static func rows(_ flows: [FlowViolation]) -> [FlowRow] {
        var order: [String] = []
        var byKey: [String: FlowRow] = [:]
        for v in flows {
            let k = v.diffKey
            if var r = byKey[k] {
                r.count += 1
                if let t = v.time {
                    if r.firstTime.map({ t < $0 }) ?? true { r.firstTime = t; r.first = v }
                    if r.lastTime.map({ t > $0 }) ?? true { r.lastTime = t }
                }
                byKey[k] = r
            } else {
                order.append(k)
                byKey[k] = FlowRow(first: v, count: 1, firstTime: v.time, lastTime: v.time)
            }
        }
        return order.map { byKey[$0]! }.sorted { ($0.firstTime ?? .distantFuture, $0.first.evidence.line) < ($1.firstTime ?? .distantFuture, $1.first.evidence.line) }
    }
}

func flowText(_ v: FlowViolation) -> String {
    let src = v.srcIP + (v.srcPort.map { ":\($0)" } ?? "")
    let dst = v.destIP + (v.destPort.map { ":\($0)" } ?? "")
    return "\(v.proto) \(src) → \(dst)"
}

public struct ReportRenderer {
    public var content: ReportContent
    public var lang: ReportLanguage
    /// Distinct flow rows per clause shown in HTML/Markdown; the CSV always lists every event.
    public var maxRowsPerClause = 1000

    /// Zone name → label from the policy, looked up once per row.
    let policyLabels: [String: String]

    public init(content: ReportContent, lang: ReportLanguage) {
        self.content = content; self.lang = lang
        policyLabels = Dictionary(content.zones.map { ($0.name, $0.label) }, uniquingKeysWith: { a, _ in a })
    }

    var L: Labels { Labels(lang: lang) }
    var D: DateText { DateText(lang: lang) }

    func zoneText(_ name: String, _ label: String?) -> String {
        if name.isEmpty { return L.unknownZone }
        return policyLabels[name] ?? label ?? content.eventZoneLabels[name] ?? name
    }

    /// The policy's name from --policy, else as the events name it.
    var policyNameText: String? {
        if let n = content.policyName { return n }
        return content.eventPolicyNames.isEmpty ? nil : content.eventPolicyNames.joined(separator: ", ")
    }

    func periodText() -> String {
        guard let s = content.periodStart, let e = content.periodEnd else { return L.noPeriod }
        return "\(D.dayTime(s))\(L.rangeSeparator)\(D.dayTime(e))"
    }

    func ruleText(_ v: FlowViolation) -> String {
        if v.rule.isEmpty { return L.noRule }
        var t = v.rule
        if let loc = v.ruleLocation ?? content.ruleCites[v.rule]?.location { t += " (\(loc))" }
        return t
    }

    /// The broken policy rule's id, or the default deny in words.
    func policyRuleText(_ f: FirewallFinding) -> String {
        guard let r = f.policyRule else { return "—" }
        return r == "default-deny" ? L.verdict(.defaultDeny) : r
    }

    var diff: ReportDiff? { content.previous.map { ReportDiff(previous: $0, current: content.summaryData()) } }

    // MARK: HTML

    public func html() -> String {
        let data = content.summaryData()
        var h = "<!DOCTYPE html>\n<html lang=\"\(lang.rawValue)\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"generator\" content=\"\(esc(content.toolVersion))\">\n"
        h += "<title>\(esc(L.documentTitle))\(policyNameText.map { " — " + esc($0) } ?? "")</title>\n"
        h += "<style>\n\(Self.css)\n</style>\n</head>\n<body>\n"
        h += header()
        h += section(1, L.summaryHeading, summary())
        h += section(2, L.sourcesHeading, sources())
        h += section(3, L.matrixHeading, matrix())
        h += section(4, L.timelineHeading, timeline())
        h += section(5, L.findingsHeading, findings())
        h += section(6, L.diffHeading, changes())
        h += section(7, L.methodsHeading, methods())
        h += "<script type=\"application/json\" id=\"\(ReportData.scriptID)\">\(data.jsonText())</script>\n"
        h += "</body>\n</html>\n"
        return h
    }

    private func section(_ n: Int, _ title: String, _ body: String) -> String {
        let number = lang == .ja ? "\(n)．" : "\(n). "
        return "<section id=\"s\(n)\">\n<h2><span class=\"num\">\(number)</span>\(esc(title))</h2>\n\(body)\n</section>\n"
    }

    private func header() -> String {
        var h = "<header class=\"doc\">\n<div class=\"docbar\"><span class=\"class\">\(esc(L.documentClass))</span>"
        h += "<table class=\"stamps\"><tr><th rowspan=\"2\" class=\"\(lang == .ja ? "vert" : "side")\">\(esc(L.approval))</th>"
        for r in L.approvalRoles { h += "<th>\(esc(r))</th>" }
        h += "</tr><tr>" + String(repeating: "<td></td>", count: L.approvalRoles.count) + "</tr></table></div>\n"
        h += "<h1>\(esc(L.documentTitle))</h1>\n<p class=\"subtitle\">\(esc(L.subtitle))</p>\n"
        h += "<table class=\"meta\">"
        h += "<tr><th>\(esc(L.organisation))</th><td>\(esc(policyNameText ?? L.unnamedPolicy))</td></tr>"
        h += "<tr><th>\(esc(L.period))</th><td>\(esc(periodText()))</td></tr>"
        h += "<tr><th>\(esc(L.createdOn))</th><td>\(esc(D.dayTime(content.generatedAt)))</td></tr>"
        h += "</table>\n<p class=\"tz\">\(esc(L.timezoneNote))</p>\n</header>\n"
        return h
    }

    private var unhealthy: Bool { content.sources.contains { !$0.healthy } }

    private func summary() -> String {
        let flows = content.violations.count, fw = content.findings.count
        let clean = flows == 0 && fw == 0
        var h = "<div class=\"verdict \(clean ? "ok" : "ng")\"><p>\(esc(clean ? L.verdictClean : L.verdictFindings(flows, fw)))</p>"
        if unhealthy { h += "<p class=\"warn\">\(esc(L.healthWarning))</p>" }
        h += "</div>\n<div class=\"tiles\">"
        let pairs = Set(content.violations.map { ZonePair(src: $0.srcZone, dest: $0.destZone) } + content.findings.map { ZonePair(src: $0.srcZone, dest: $0.destZone) }).count
        let clauses = content.groupedByClause.count
        let observed = content.flowsByPair.values.reduce(0, +)
        let tiles: [(String, Int, Bool)] = [(L.keyFlows, flows, flows > 0), (L.keyFindings, fw, fw > 0), (L.keyPairs, pairs, pairs > 0),
                                            (L.keyClauses, clauses, clauses > 0), (L.keyObserved, observed, false), (L.keySources, content.sources.count, false)]
        for (name, n, bad) in tiles {
            h += "<div class=\"tile\(bad ? " bad" : "")\"><div class=\"n\">\(n.grouped)</div><div class=\"k\">\(esc(name))</div></div>"
        }
        h += "</div>\n"
        return h
    }

    private func healthText(_ s: SourceSummary) -> [String] {
        var parts: [String] = []
        if s.captureDrops > 0 { parts.append(L.drops(s.captureDrops, of: s.capturePackets)) }
        if s.malformedPackets > 0 { parts.append(L.malformed(s.malformedPackets)) }
        if !s.deadFeeds.isEmpty { parts.append(L.deadFeeds(s.deadFeeds.count)) }
        if !s.unreadableFiles.isEmpty { parts.append(L.unreadable(s.unreadableFiles.count)) }
        if s.missingAlerts > 0, let r = s.reportedViolations { parts.append(L.missingAlerts(s.missingAlerts, r)) }
        if s.blankLines > 0 { parts.append(L.blank(s.blankLines)) }
        return parts
    }

    private func sources() -> String {
        guard !content.sources.isEmpty else { return "<p>\(esc(L.noSources))</p>" }
        var h = "<p>\(esc(L.sourcesIntro))</p>\n<table class=\"list sources\"><colgroup><col style=\"width:24%\"><col style=\"width:13%\"><col style=\"width:14%\"><col style=\"width:17%\"><col style=\"width:14%\"><col></colgroup><thead><tr><th>\(esc(L.colFile))</th><th>\(esc(L.colKind))</th><th>\(esc(L.colSensor))</th><th>\(esc(L.period))</th><th>\(esc(L.colEvents))</th><th>\(esc(L.colHealth))</th></tr></thead>\n"
        for s in content.sources {
            let name = URL(fileURLWithPath: s.path).lastPathComponent
            let kind = s.kind == .eve ? L.kindEVE : L.kindFirewall
            let sensorList = s.kind == .eve ? Array(Set(s.sensors.map { $0.contains("/") ? URL(fileURLWithPath: $0).lastPathComponent : $0 })).sorted() : (s.analysedFiles.map { URL(fileURLWithPath: $0).lastPathComponent } + s.sensors.sorted())
            let sensors = sensorList.prefix(4).joined(separator: ", ") + (sensorList.count > 4 ? " " + L.andMore(sensorList.count - 4) : "")
            var period = ""
            if let a = s.firstTime, let b = s.lastTime { period = "\(D.minute(a))<br>\(L.rangeSeparator.trimmingCharacters(in: .whitespaces)) \(D.minute(b))" }
            var counts = s.kind == .eve ? L.eveCounts(lines: s.lines, alerts: s.eventsByType["alert"] ?? 0, flows: s.flowRecords)
                                        : L.firewallCounts(findings: s.findings, anomalies: s.anomalies, proofs: s.proofs.count)
            if s.kind == .eve, let p = L.packetCounts(s) { counts += "\n" + p }
            let health = healthText(s)
            let healthCell = s.kind == .firewall ? (s.firewallNotes.isEmpty ? "—" : "<span class=\"ng\">\(esc(L.firewallNotes(s.firewallNotes.count)))</span><div class=\"small\">\(s.firewallNotes.prefix(5).map(esc).joined(separator: "<br>"))</div>") : (health.isEmpty ? "<span class=\"ok\">\(esc(L.healthOK))</span>" : "<span class=\"ng\">" + health.map(esc).joined(separator: "<br>") + "</span>")
            h += "<tbody class=\"source\"><tr><td class=\"mono\">\(esc(name))</td><td>\(esc(kind))</td><td>\(esc(sensors.isEmpty ? "—" : sensors))</td><td>\(period.isEmpty ? "—" : period)</td><td>\(esc(counts).replacingOccurrences(of: "\n", with: "<br>"))</td><td>\(healthCell)</td></tr>"
            h += "<tr class=\"hashrow\"><td colspan=\"6\"><span class=\"hash\">SHA-256 \(esc(s.sha256.isEmpty ? "—" : s.sha256))</span></td></tr></tbody>\n"
        }
        h += "</table>\n"
        let outages = content.sources.flatMap { s in s.deadFeeds.map { (s, $0) } }
        let unreadable = content.sources.flatMap { s in s.unreadableFiles.map { (s, $0) } }
        if !outages.isEmpty || !unreadable.isEmpty {
            h += "<h3>\(esc(L.outagesHeading))</h3>\n<table class=\"list\"><colgroup><col style=\"width:18%\"><col style=\"width:12%\"><col><col style=\"width:22%\"><col style=\"width:18%\"></colgroup><thead><tr><th>\(esc(L.colTime))</th><th>\(esc(L.colSensor))</th><th>\(esc(L.colDetail))</th><th>\(esc(L.colRecovered))</th><th>\(esc(L.colFile))</th></tr></thead><tbody>\n"
            for (s, o) in outages {
                h += "<tr><td>\(esc(o.time.map(D.dateTime) ?? o.timestamp))</td><td class=\"mono\">\(esc(o.sensor))</td><td>\(esc(L.outageText(o)))</td><td>\(esc(L.recoveryText(o, D)))</td><td class=\"mono small\">\(esc(URL(fileURLWithPath: s.path).lastPathComponent))</td></tr>\n"
            }
            for (s, f) in unreadable {
                h += "<tr><td>—</td><td>—</td><td class=\"mono\">\(esc(L.unreadable(1))): \(esc(f))</td><td>—</td><td class=\"mono small\">\(esc(URL(fileURLWithPath: s.path).lastPathComponent))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        let reloads = content.sources.flatMap { s in s.policyReloads.map { (s, $0) } }
        if !reloads.isEmpty {
            h += "<h3>\(esc(L.reloadsHeading))</h3>\n<table class=\"list\"><colgroup><col style=\"width:18%\"><col style=\"width:12%\"><col><col style=\"width:18%\"></colgroup><thead><tr><th>\(esc(L.colTime))</th><th>\(esc(L.colResult))</th><th>\(esc(L.policyFile))</th><th>\(esc(L.colFile))</th></tr></thead><tbody>\n"
            for (s, r) in reloads {
                h += "<tr><td>\(esc(r.time.map(D.dateTime) ?? r.timestamp))</td><td\(r.result == "applied" ? "" : " class=\"ngtext\"")>\(esc(L.reloadResult(r.result)))</td><td><span class=\"mono\">\(esc(r.policy))</span>\(r.error.map { "<div class=\"small\">\(esc($0))</div>" } ?? "")</td><td class=\"mono small\">\(esc(URL(fileURLWithPath: s.path).lastPathComponent))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        return h
    }

    private func matrix() -> String {
        let zones = content.matrixZones
        guard !zones.isEmpty else { return "<p>\(esc(L.matrixNone))</p>" }
        var violations = content.violationsByPair
        for f in content.findings { violations[ZonePair(src: f.srcZone, dest: f.destZone), default: 0] += 1 }
        let proven = Set(content.sources.flatMap(\.proofs))
        let map = HeatMap(zones: zones, labels: zones.map { zoneText($0, nil) }, violations: violations, flows: content.flowsByPair,
                          proven: proven, fromLabel: L.matrixFrom)
        let note = lang == .ja ? "ファイアウォール設定の指摘も該当するゾーン組合せに計上しています。" : " Firewall findings are counted in their zone pair too."
        return "<p>\(esc(L.matrixIntro))\(content.findings.isEmpty ? "" : esc(note))\(proven.isEmpty ? "" : esc(L.matrixProofNote))</p>\n<figure>\(map.svg())</figure>\n"
    }

    private func timeline() -> String {
        let times = content.violations.compactMap(\.time)
        let outages = content.sources.flatMap(\.deadFeeds).compactMap(\.time)
        guard !times.isEmpty, let start = content.periodStart, let end = content.periodEnd else { return "<p>\(esc(L.timelineNone))</p>" }
        let chart = Timeline(start: start, end: end, times: times, outages: outages, labels: L, dates: D)
        return "<div class=\"keep\"><p>\(esc(L.timelineIntro(chart.bucket().name, outages: !outages.isEmpty)))</p>\n<figure>\(chart.svg())</figure></div>\n"
    }

    private func quoteCite(_ cite: String) -> String { L.clauseTitle(cite) }

    private func findings() -> String {
        let groups = content.groupedByClause
        var h = "<p>\(esc(L.findingsIntro))</p>\n"
        if groups.isEmpty { h += "<p class=\"none\">\(esc(L.noFindings))</p>\n" }
        for (i, g) in groups.enumerated() {
            let number = lang == .ja ? "(\(i + 1))" : "\(i + 1)."
            h += "<div class=\"clause\"><h3><span class=\"num\">\(number)</span> <span class=\"cite\">\(esc(quoteCite(g.cite)))</span></h3>"
            h += "<p class=\"counts\">\(esc(L.clauseCounts(g.flows.count, g.findings.count)))</p>\n"
            if !g.flows.isEmpty {
                let rows = FlowRow.rows(g.flows)
                h += "<h4>\(esc(L.flowsSub))</h4>\n<table class=\"list flows\"><colgroup><col style=\"width:16%\"><col style=\"width:21%\"><col style=\"width:27%\"><col style=\"width:15%\"><col style=\"width:6%\"><col></colgroup><thead><tr><th>\(esc(L.colFirst))</th><th>\(esc(L.colZones))</th><th>\(esc(L.colFlow))</th><th>\(esc(L.colRule))</th><th>\(esc(L.colCount))</th><th>\(esc(L.colEvidence))</th></tr></thead><tbody>\n"
                for r in rows.prefix(maxRowsPerClause) {
                    let v = r.first
                    let when = r.firstTime.map { D.dateTime($0).replacingOccurrences(of: " ", with: "\n") } ?? v.timestamp
                    var vlan = v.vlan.isEmpty ? "" : "<div class=\"small\">VLAN \(v.vlan.map(String.init).joined(separator: "/"))</div>"
                    if let d = v.detail { vlan += "<div class=\"small\">\(esc(d))</div>" }
                    h += "<tr><td class=\"nowrap\">\(esc(when).replacingOccurrences(of: "\n", with: "<br>"))</td>"
                    h += "<td>\(esc(zoneText(v.srcZone, v.srcZoneLabel)))<br>→ \(esc(zoneText(v.destZone, v.destZoneLabel)))</td>"
                    h += "<td class=\"mono\">\(esc(flowText(v)))\(vlan)</td>"
                    h += "<td>\(esc(ruleText(v)))<div class=\"small\">\(esc(L.verdict(v.kind)))</div></td>"
                    h += "<td class=\"num\">\(r.count.grouped)</td>"
                    h += "<td class=\"mono small\">\(esc(v.evidence.description))\(v.communityID.map { "<div class=\"cid\">" + esc($0) + "</div>" } ?? "")</td></tr>\n"
                }
                h += "</tbody></table>\n"
                if rows.count > maxRowsPerClause { h += "<p class=\"small\">\(esc(L.truncated(maxRowsPerClause, rows.count)))</p>\n" }
            }
            if !g.findings.isEmpty {
                h += "<h4>\(esc(L.firewallSub))</h4>\n<table class=\"list fw\"><colgroup><col style=\"width:21%\"><col style=\"width:33%\"><col style=\"width:22%\"><col style=\"width:10%\"><col></colgroup><thead><tr><th>\(esc(L.colZones))</th><th>\(esc(L.colFWRule))</th><th>\(esc(L.colWitness))</th><th>\(esc(L.colPolicyRule))</th><th>\(esc(L.colEvidence))</th></tr></thead><tbody>\n"
                for f in g.findings.prefix(maxRowsPerClause) {
                    let place = [f.ruleFile.map { URL(fileURLWithPath: $0).lastPathComponent }, f.ruleLine.map(String.init)].compactMap { $0 }.joined(separator: ":")
                    h += "<tr><td>\(esc(zoneText(f.srcZone, nil)))<br>→ \(esc(zoneText(f.destZone, nil)))</td>"
                    h += "<td>\(place.isEmpty ? "" : "<div class=\"small mono\">\(esc(place))</div>")<code>\(esc(f.ruleText ?? f.kind))</code>\(f.uncertain ? "<div class=\"small ngtext\">\(esc(L.uncertain))</div>" : "")\(f.message.map { "<div class=\"small\">\(esc($0))</div>" } ?? "")</td>"
                    h += "<td class=\"mono\">\(esc(f.witness ?? "—"))</td>"
                    h += "<td>\(esc(policyRuleText(f)))</td>"
                    h += "<td class=\"mono small\">\(esc(f.evidence.description))</td></tr>\n"
                }
                h += "</tbody></table>\n"
            }
            h += "</div>\n"
        }
        if !content.alerts.isEmpty {
            h += "<h3>\(esc(L.alertsHeading))</h3>\n<table class=\"list\"><thead><tr><th>\(esc(L.colFirst))</th><th>\(esc(L.colZones))</th><th>\(esc(L.colFlow))</th><th>\(esc(L.colRule))</th><th>\(esc(L.colCount))</th><th>\(esc(L.colEvidence))</th></tr></thead><tbody>\n"
            for r in FlowRow.rows(content.alerts).prefix(maxRowsPerClause) {
                let v = r.first
                h += "<tr><td class=\"nowrap\">\(esc(r.firstTime.map(D.dateTime) ?? v.timestamp))</td><td>\(esc(zoneText(v.srcZone, v.srcZoneLabel)))<br>→ \(esc(zoneText(v.destZone, v.destZoneLabel)))</td><td class=\"mono\">\(esc(flowText(v)))</td><td>\(esc(ruleText(v)))</td><td class=\"num\">\(r.count.grouped)</td><td class=\"mono small\">\(esc(v.evidence.description))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        if !content.anomalies.isEmpty {
            h += "<h3>\(esc(L.anomaliesHeading))</h3>\n<table class=\"list\"><thead><tr><th>\(esc(L.colKind))</th><th>\(esc(L.colFWRule))</th><th>\(esc(L.colDetail))</th><th>\(esc(L.colEvidence))</th></tr></thead><tbody>\n"
            for a in content.anomalies.prefix(maxRowsPerClause) {
                let place = [a.ruleFile.map { URL(fileURLWithPath: $0).lastPathComponent }, a.ruleLine.map(String.init)].compactMap { $0 }.joined(separator: ":")
                h += "<tr><td>\(esc(L.anomalyKind(a.kind)))</td><td>\(place.isEmpty ? "" : "<div class=\"small mono\">\(esc(place))</div>")<code>\(esc(a.ruleText ?? "—"))</code></td><td>\(esc(a.message ?? ""))</td><td class=\"mono small\">\(esc(a.evidence.description))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        return h
    }

    private func changes() -> String {
        guard let d = diff else { return "<p>\(esc(L.diffNone))</p>" }
        let prevPeriod: String = {
            guard let a = d.previous.periodStart.flatMap(parseEVETimestamp), let b = d.previous.periodEnd.flatMap(parseEVETimestamp) else { return L.noPeriod }
            return "\(D.dateTime(a))\(L.rangeSeparator)\(D.dateTime(b))"
        }()
        let prevGen = parseEVETimestamp(d.previous.generatedAt).map(D.dateTime) ?? d.previous.generatedAt
        var h = "<p>\(esc(L.diffIntro(prevGen, prevPeriod)))</p>\n"
        h += "<p class=\"totals\">\(esc(L.diffTotals(d.previous.violations, content.violations.count, d.previous.firewallFindings, content.findings.count)))</p>\n"
        if d.policyChanged { h += "<p class=\"warn\">\(esc(L.diffPolicyChanged))</p>\n" }
        if d.newFlows.isEmpty && d.resolvedFlows.isEmpty && d.newFindings.isEmpty && d.resolvedFindings.isEmpty && d.clauseChanges.isEmpty {
            return h + "<p>\(esc(L.diffNoChange))</p>\n"
        }
        if !d.clauseChanges.isEmpty {
            h += "<h3>\(esc(L.diffClause))</h3>\n<table class=\"list\"><thead><tr><th>\(esc(L.keyClauses))</th><th>\(esc(L.diffBefore))</th><th>\(esc(L.diffNow))</th><th>±</th></tr></thead><tbody>\n"
            for c in d.clauseChanges {
                let delta = c.now - c.before
                h += "<tr><td>\(esc(quoteCite(c.cite)))</td><td class=\"num\">\(c.before.grouped)</td><td class=\"num\">\(c.now.grouped)</td><td class=\"num \(delta > 0 ? "up" : "down")\">\(delta > 0 ? "+" : "")\(delta.grouped)</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        let lists: [(String, [ReportData.KeyCount], String)] = [
            (L.diffNew + "（" + L.keyFlows + "）", d.newFlows, "up"), (L.diffResolved + "（" + L.keyFlows + "）", d.resolvedFlows, "down"),
            (L.diffNew + "（" + L.keyFindings + "）", d.newFindings, "up"), (L.diffResolved + "（" + L.keyFindings + "）", d.resolvedFindings, "down")]
        for (title, items, cls) in lists where !items.isEmpty {
            let t = lang == .ja ? title : title.replacingOccurrences(of: "（", with: " (").replacingOccurrences(of: "）", with: ")")
            h += "<h3 class=\"\(cls)\">\(esc(t)) — \(items.count.grouped)</h3>\n<table class=\"list\"><colgroup><col style=\"width:20%\"><col style=\"width:38%\"><col><col style=\"width:7%\"></colgroup><thead><tr><th>\(esc(L.colZones))</th><th>\(esc(L.diffItem))</th><th>\(esc(L.keyClauses))</th><th>\(esc(L.colCount))</th></tr></thead><tbody>\n"
            for k in items.prefix(maxRowsPerClause) {
                h += "<tr><td>\(esc(zoneText(k.src, nil)))<br>→ \(esc(zoneText(k.dest, nil)))</td><td class=\"mono\">\(esc(k.detail))</td><td>\(esc(quoteCite(k.cite)))</td><td class=\"num\">\(k.count.grouped)</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        if !d.continuingFlows.isEmpty || d.continuingFindings > 0 {
            let text = lang == .ja ? "前回から継続している指摘：違反通信 \(d.continuingFlows.count) 種類、FW指摘 \(d.continuingFindings) 件。"
                                   : "Continuing from the previous report: \(d.continuingFlows.count) kinds of violating flow, \(d.continuingFindings) firewall findings."
            h += "<p>\(esc(text))</p>\n"
        }
        return h
    }

    private func methods() -> String {
        var h = "<p>\(esc(L.methodsText))</p>\n<table class=\"meta attest\">"
        h += "<tr><th>\(esc(L.toolVersion))</th><td><span class=\"mono\">\(esc(content.toolVersion))</span>\(content.toolSHA256.map { "<div class=\"hash\">\(esc(L.executable)) SHA-256 \(esc($0))</div>" } ?? "")</td></tr>"
        if content.policyFiles.isEmpty {
            h += "<tr><th>\(esc(L.policyFile))</th><td>\(esc(L.unnamedPolicy))</td></tr>"
        }
        for p in content.policyFiles {
            h += "<tr><th>\(esc(L.policyFile))</th><td><span class=\"mono\">\(esc(p.path))</span><div class=\"hash\">SHA-256 \(esc(p.sha256))</div></td></tr>"
        }
        for s in content.sources {
            h += "<tr><th>\(esc(s.kind == .eve ? L.kindEVE : L.kindFirewall))</th><td><span class=\"mono\">\(esc(s.path))</span><div class=\"hash\">SHA-256 \(esc(s.sha256.isEmpty ? "—" : s.sha256))</div></td></tr>"
        }
        if !content.commandLine.isEmpty { h += "<tr><th>\(esc(L.commandLine))</th><td class=\"mono\">\(esc(content.commandLine))</td></tr>" }
        h += "<tr><th>\(esc(L.generatedAt))</th><td>\(esc(D.dateTime(content.generatedAt))) JST（\(esc(isoTimestamp(content.generatedAt)))）</td></tr>"
        h += "</table>\n<p class=\"small\">\(esc(L.verifyNote))</p>\n"
        if lang == .ja { h += "<p class=\"end\">以上</p>\n" }   // the customary close of a Japanese official document
        return h
    }

    static let css = """
    @page { size: A4; margin: 16mm 15mm 18mm 15mm; @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
    :root { --ink: #1a1a1a; --line: #9aa5b1; --soft: #eef1f4; --ng: #b71c1c; --ok: #1b5e20; }
    html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", sans-serif; color: var(--ink);
           font-size: 10pt; line-height: 1.7; max-width: 180mm; margin: 0 auto; padding: 8mm 0; line-break: strict; word-break: normal;
           overflow-wrap: anywhere; font-feature-settings: "palt" 0; text-spacing-trim: space-first; }
    @media print { body { padding: 0; max-width: none; } }
    h1 { font-size: 17pt; text-align: center; letter-spacing: 0.08em; margin: 6mm 0 0; font-weight: 700; }
    .subtitle { text-align: center; margin: 0 0 4mm; color: #444; }
    h2 { font-size: 12.5pt; border-bottom: 2px solid var(--ink); padding-bottom: 1mm; margin: 8mm 0 3mm; break-after: avoid; }
    h3 { font-size: 10.5pt; margin: 5mm 0 2mm; break-after: avoid; }
    h4 { font-size: 9.5pt; margin: 3mm 0 1mm; color: #333; break-after: avoid; }
    h3.up { color: var(--ng); } h3.down { color: var(--ok); }
    p { margin: 1.5mm 0; }
    html:lang(ja) p { text-align: justify; }
    html:lang(en) h1 { letter-spacing: 0.02em; }
    .num { font-variant-numeric: tabular-nums; }
    td.num { text-align: right; white-space: nowrap; }
    .mono, code { font-family: "DejaVu Sans Mono", "Noto Sans Mono CJK JP", monospace; font-size: 8.5pt; }
    code { white-space: pre-wrap; }
    .small { font-size: 8pt; color: #444; }
    .nowrap { white-space: nowrap; }
    header.doc .docbar { display: flex; justify-content: space-between; align-items: flex-start; }
    .class { border: 1px solid var(--ink); padding: 0.5mm 2mm; font-size: 9pt; }
    table.stamps { border-collapse: collapse; font-size: 8pt; }
    table.stamps th, table.stamps td { border: 1px solid var(--ink); text-align: center; width: 17mm; font-weight: normal; }
    table.stamps th.vert { width: 6mm; writing-mode: vertical-rl; letter-spacing: 0.2em; padding: 1mm 0; }
    table.stamps td { height: 17mm; }
    table.stamps th.side { width: auto; padding: 0 1.5mm; }
    table.meta { border-collapse: collapse; margin: 2mm auto 0; min-width: 60%; }
    table.meta th, table.meta td { border: 1px solid var(--line); padding: 1mm 3mm; text-align: left; vertical-align: top; }
    table.meta th { background: var(--soft); font-weight: 600; white-space: nowrap; width: 1%; }
    table.attest { width: 100%; }
    .tz { text-align: center; font-size: 8pt; color: #555; margin: 1mm 0 0; }
    .verdict { border: 1.5px solid; padding: 2mm 4mm; margin: 2mm 0 3mm; }
    .verdict.ok { border-color: var(--ok); background: #f1f8f1; }
    .verdict.ng { border-color: var(--ng); background: #fdf3f2; }
    .verdict p { margin: 0.5mm 0; font-weight: 600; }
    .warn { color: #8a4b00; font-weight: 600; }
    .tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 2mm; }
    .tile { border: 1px solid var(--line); padding: 1.5mm 1mm; text-align: center; }
    .tile .n { font-size: 15pt; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
    .tile .k { font-size: 8pt; color: #444; }
    .tile.bad .n { color: var(--ng); }
    table.list { width: 100%; border-collapse: collapse; font-size: 8.5pt; line-height: 1.45; margin: 1mm 0 2mm; }
    table.list { table-layout: fixed; }
    table.list th { background: var(--soft); border: 1px solid var(--line); padding: 1mm 1.5mm; text-align: left; font-weight: 600; }
    table.list td.mono { overflow-wrap: anywhere; }
    tbody.source { break-inside: avoid; }
    tr.hashrow td { border-top: none; padding-top: 0; background: #fafbfc; }
    .cid { color: #555; font-size: 7pt; overflow-wrap: anywhere; }
    table.list td { border: 1px solid var(--line); padding: 1mm 1.5mm; vertical-align: top; }
    table.list tr { break-inside: avoid; }
    thead { display: table-header-group; }
    .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 6.5pt; color: #555; word-break: break-all; }
    .ngtext { color: var(--ng); font-weight: 600; }
    span.ok { color: var(--ok); } span.ng { color: var(--ng); font-weight: 600; }
    td.up { color: var(--ng); } td.down { color: var(--ok); }
    .clause { margin-bottom: 4mm; }
    .clause h3 { background: var(--soft); border-left: 4px solid var(--ng); padding: 1mm 2mm; font-weight: 600; }
    .clause .counts { font-size: 8.5pt; color: #444; margin: 0 0 1mm; }
    .none { color: var(--ok); font-weight: 600; }
    figure { margin: 2mm 0; break-inside: avoid; }
    .keep { break-inside: avoid; }
    p.end { text-align: right !important; margin-top: 4mm; }
    svg.chart { max-width: 100%; height: auto; font-family: inherit; }
    svg .col, svg .row, svg .axis { font-size: 11px; fill: #1a1a1a; }
    svg .axis { font-size: 10px; fill: #555; }
    svg .cell { font-size: 13px; font-weight: 700; fill: #555; }
    svg .cell.hot { fill: #1a1a1a; } svg .dark { fill: #ffffff !important; }
    svg .sub { font-size: 9px; fill: #555; } svg .proof { font-size: 10px; font-weight: 700; fill: #1b5e20; }
    svg .grid { stroke: #dde3e8; stroke-width: 0.7; } svg .axisline { stroke: #333; stroke-width: 1; }
    svg .tick { font-size: 9.5px; fill: #333; } svg .bar { fill: #c62828; } svg .outage { fill: #d50000; }
    svg .outageline { stroke: #d50000; stroke-width: 1; stroke-dasharray: 3 2; } svg .daygrid { stroke: #c5ccd3; stroke-width: 0.7; }
    """
}
