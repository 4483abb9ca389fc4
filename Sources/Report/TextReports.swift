// Renders the report as Markdown (a text version of the HTML) and as CSV (UTF-8 with BOM, RFC 4180 quoting, for Excel).
import Foundation

extension ReportRenderer {
    private func md(_ s: String) -> String {
        // Table cells: escape pipes, backslashes and markup characters; no newlines.
        var out = ""
        for c in s {
            switch c {
            case "|", "\\", "*", "_", "`", "<", ">", "[", "]": out.append("\\"); out.append(c)
            case "\n", "\r": out.append(" ")
            default: out.append(c)
            }
        }
        return out
    }

    public func markdown() -> String {
        let n = { (i: Int) in self.lang == .ja ? "\(i)．" : "\(i). " }
        var m = "# \(L.documentTitle)\n\n\(L.subtitle)\n\n"
        m += "| | |\n|---|---|\n| \(L.organisation) | \(md(policyNameText ?? L.unnamedPolicy)) |\n| \(L.period) | \(md(periodText())) |\n| \(L.createdOn) | \(md(D.dayTime(content.generatedAt))) |\n\n\(L.timezoneNote)\n\n"

        let flows = content.violations.count, fw = content.findings.count
        m += "## \(n(1))\(L.summaryHeading)\n\n**\(flows == 0 && fw == 0 ? L.verdictClean : L.verdictFindings(flows, fw))**\n\n"
        if content.sources.contains(where: { !$0.healthy }) { m += "> \(L.healthWarning)\n\n" }

        m += "## \(n(2))\(L.sourcesHeading)\n\n\(L.sourcesIntro)\n\n| \(L.colFile) | \(L.colKind) | \(L.period) | \(L.colEvents) | \(L.colHealth) | SHA-256 |\n|---|---|---|---|---|---|\n"
        for s in content.sources {
            var period = "—"
            if let a = s.firstTime, let b = s.lastTime { period = "\(D.dateTime(a))\(L.rangeSeparator)\(D.dateTime(b))" }
            let counts = s.kind == .eve ? L.eveCounts(lines: s.lines, alerts: s.eventsByType["alert"] ?? 0, flows: s.flowRecords) : L.firewallCounts(findings: s.findings, anomalies: s.anomalies, proofs: s.proofs.count)
            var health: [String] = []
            if s.captureDrops > 0 { health.append(L.drops(s.captureDrops, of: s.capturePackets)) }
            if s.malformedPackets > 0 { health.append(L.malformed(s.malformedPackets)) }
            if !s.deadFeeds.isEmpty { health.append(L.deadFeeds(s.deadFeeds.count)) }
            if !s.unreadableFiles.isEmpty { health.append(L.unreadable(s.unreadableFiles.count)) }
            if s.missingAlerts > 0, let r = s.reportedViolations { health.append(L.missingAlerts(s.missingAlerts, r)) }
            let healthText = s.kind == .firewall ? "—" : (health.isEmpty ? L.healthOK : health.joined(separator: "、"))
            m += "| \(md(URL(fileURLWithPath: s.path).lastPathComponent)) | \(s.kind == .eve ? L.kindEVE : L.kindFirewall) | \(md(period)) | \(md(counts)) | \(md(healthText)) | `\(s.sha256)` |\n"
        }
        for s in content.sources {
            for o in s.deadFeeds { m += "\n- \(L.deadFeeds(1)): \(md(o.time.map(D.dateTime) ?? o.timestamp)) \(md(o.sensor)) \(md(L.outageText(o))) — \(L.colRecovered): \(md(L.recoveryText(o, D)))" }
            for r in s.policyReloads { m += "\n- \(L.reloadsHeading): \(md(r.time.map(D.dateTime) ?? r.timestamp)) \(L.reloadResult(r.result)) `\(r.policy)`\(r.error.map { " " + md($0) } ?? "")" }
            for f in s.unreadableFiles { m += "\n- \(L.unreadable(1)): \(md(f))" }
        }
        m += "\n\n## \(n(3))\(L.matrixHeading)\n\n"
        let zones = content.matrixZones
        if zones.isEmpty { m += L.matrixNone + "\n\n" } else {
            var violations = content.violationsByPair
            for f in content.findings { violations[ZonePair(src: f.srcZone, dest: f.destZone), default: 0] += 1 }
            m += L.matrixIntro + "\n\n| \(md(L.matrixFrom)) | " + zones.map { md(zoneText($0, nil)) }.joined(separator: " | ") + " |\n|---|" + String(repeating: "---:|", count: zones.count) + "\n"
            for s in zones {
                m += "| **\(md(zoneText(s, nil)))** | " + zones.map { d in
                    let p = ZonePair(src: s, dest: d)
                    let v = violations[p] ?? 0
                    let f = content.flowsByPair[p]
                    return (v > 0 ? "**\(v.grouped)**" : (f == nil ? "–" : "0")) + (f.map { " (\($0.grouped))" } ?? "")
                }.joined(separator: " | ") + " |\n"
            }
            m += "\n"
        }
        m += "## \(n(4))\(L.timelineHeading)\n\n"
        let times = content.violations.compactMap(\.time)
        if times.isEmpty { m += L.timelineNone + "\n\n" } else {
            var days: [String: Int] = [:]
            for t in times { days[String(D.dateTime(t).prefix(10)), default: 0] += 1 }
            m += "| \(L.colTime) | \(L.colCount) |\n|---|---:|\n"
            for (d, c) in days.sorted(by: { $0.key < $1.key }) { m += "| \(d) | \(c.grouped) |\n" }
            m += "\n"
        }
        m += "## \(n(5))\(L.findingsHeading)\n\n"
        let groups = content.groupedByClause
        if groups.isEmpty { m += L.noFindings + "\n\n" }
        for (i, g) in groups.enumerated() {
            let cite = L.clauseTitle(g.cite)
            m += "### (\(i + 1)) \(md(cite))\n\n\(L.clauseCounts(g.flows.count, g.findings.count))\n\n"
            if !g.flows.isEmpty {
                let rows = FlowRow.rows(g.flows)
                m += "| \(L.colFirst) | \(L.colZones) | \(L.colFlow) | \(L.colRule) | \(L.colCount) | \(L.colEvidence) |\n|---|---|---|---|---:|---|\n"
                for r in rows.prefix(maxRowsPerClause) {
                    let v = r.first
                    m += "| \(md(r.firstTime.map(D.dateTime) ?? v.timestamp)) | \(md(zoneText(v.srcZone, v.srcZoneLabel))) → \(md(zoneText(v.destZone, v.destZoneLabel))) | `\(flowText(v))` | \(md(ruleText(v))) (\(L.verdict(v.kind))) | \(r.count) | `\(v.evidence.description)`\(v.communityID.map { " `\($0)`" } ?? "") |\n"
                }
                if rows.count > maxRowsPerClause { m += "\n" + L.truncated(maxRowsPerClause, rows.count) + "\n" }
                m += "\n"
            }
            if !g.findings.isEmpty {
                m += "| \(L.colZones) | \(L.colFWRule) | \(L.colWitness) | \(L.colPolicyRule) | \(L.colEvidence) |\n|---|---|---|---|---|\n"
                for f in g.findings {
                    let place = [f.ruleFile.map { URL(fileURLWithPath: $0).lastPathComponent }, f.ruleLine.map(String.init)].compactMap { $0 }.joined(separator: ":")
                    m += "| \(md(zoneText(f.srcZone, nil))) → \(md(zoneText(f.destZone, nil))) | \(md(place)) \(md(f.ruleText ?? f.kind)) | \(md(f.witness ?? "—")) | \(md(policyRuleText(f))) | `\(f.evidence.description)` |\n"
                }
                m += "\n"
            }
        }
        m += "## \(n(6))\(L.diffHeading)\n\n"
        if let d = diff {
            m += L.diffTotals(d.previous.violations, content.violations.count, d.previous.firewallFindings, content.findings.count) + "\n\n"
            if d.policyChanged { m += "> \(L.diffPolicyChanged)\n\n" }
            for (title, items) in [(L.diffNew, d.newFlows + d.newFindings), (L.diffResolved, d.resolvedFlows + d.resolvedFindings)] where !items.isEmpty {
                m += "### \(title) (\(items.count))\n\n"
                for k in items { m += "- \(md(zoneText(k.src, nil))) → \(md(zoneText(k.dest, nil))): `\(k.detail)` — \(md(L.clauseTitle(k.cite))) ×\(k.count)\n" }
                m += "\n"
            }
            if !d.clauseChanges.isEmpty {
                m += "### \(L.diffClause)\n\n| \(L.keyClauses) | \(L.diffBefore) | \(L.diffNow) |\n|---|---:|---:|\n"
                for c in d.clauseChanges { m += "| \(md(L.clauseTitle(c.cite))) | \(c.before) | \(c.now) |\n" }
                m += "\n"
            }
        } else { m += L.diffNone + "\n\n" }
        m += "## \(n(7))\(L.methodsHeading)\n\n\(L.methodsText)\n\n"
        m += "- \(L.toolVersion): `\(content.toolVersion)`\(content.toolSHA256.map { " (\(L.executable) SHA-256 `\($0)`)" } ?? "")\n"
        for p in content.policyFiles { m += "- \(L.policyFile): `\(p.path)` SHA-256 `\(p.sha256)`\n" }
        for s in content.sources { m += "- \(s.kind == .eve ? L.kindEVE : L.kindFirewall): `\(s.path)` SHA-256 `\(s.sha256.isEmpty ? "—" : s.sha256)`\n" }
        if !content.commandLine.isEmpty { m += "- \(L.commandLine): `\(content.commandLine)`\n" }
        m += "- \(L.generatedAt): \(D.dateTime(content.generatedAt)) JST (\(isoTimestamp(content.generatedAt)))\n\n\(L.verifyNote)\n"
        return m
    }

    /// One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled). Cells Excel would take for a
    /// formula (leading = + - @, tab, CR) get a leading apostrophe so they are shown as text, not evaluated.
    static func csvField(_ s: String) -> String {
        var v = s
        if let c = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(c) { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    /// Every violating flow event and firewall finding, one per row. Starts with the UTF-8 BOM; CRLF line ends.
    public func csv() -> String {
        var rows: [[String]] = [L.csvHeader]
        for v in content.violations.sorted(by: { ($0.time ?? .distantPast, $0.evidence.file, $0.evidence.line) < ($1.time ?? .distantPast, $1.evidence.file, $1.evidence.line) }) {
            rows.append([L.csvFlow, L.clausePlain(content.clause(of: v)), zoneText(v.srcZone, v.srcZoneLabel), zoneText(v.destZone, v.destZoneLabel),
                         v.time.map(D.dateTime) ?? v.timestamp, v.proto, v.srcIP, v.srcPort.map(String.init) ?? "", v.destIP,
                         v.destPort.map(String.init) ?? "", v.vlan.map(String.init).joined(separator: "/"), L.verdict(v.kind),
                         v.rule.isEmpty ? L.noRule : ruleText(v), "", "", v.communityID ?? "", v.evidence.description])
        }
        for f in content.findings {
            let place = [f.ruleFile, f.ruleLine.map(String.init)].compactMap { $0 }.joined(separator: ":")
            rows.append([L.csvFirewall, L.clausePlain(content.clause(of: f)), zoneText(f.srcZone, nil), zoneText(f.destZone, nil), "", "", "", "", "", "", "",
                         f.kind, policyRuleText(f), [place, f.ruleText ?? ""].filter { !$0.isEmpty }.joined(separator: " "),
                         f.witness ?? "", "", f.evidence.description])
        }
        return "\u{FEFF}" + rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
