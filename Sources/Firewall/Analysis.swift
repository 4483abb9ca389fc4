// The firewall check: forbidden zone pairs ∩ accepted packets (findings with witnesses, or a proof of absence),
// rule anomalies (shadowed, redundant, overly broad) and differences between two rule sets.
import Policy
import Wire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A rule as cited in results.
public struct RuleRef: Hashable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var chain: String
    public var text: String
    public var label: String?
    public var action: String
    /// True for a chain's default action rather than a written rule.
    public var isDefault: Bool
}

public struct ZoneRef: Hashable, Sendable {
    public var name: String
    public var label: String
    public var tier: String
}

/// The policy rule (or default deny) a finding breaks.
public struct PolicyBreach: Hashable, Sendable {
    /// nil for default deny.
    public var ruleID: String?
    /// "deny" or "default-deny".
    public var action: String
    public var cite: String
    public var location: SourceLocation?
}

public struct Finding: Sendable {
    public var config: String
    public var srcZone: ZoneRef
    public var dstZone: ZoneRef
    public var rule: RuleRef
    public var trace: [RuleRef]
    public var breach: PolicyBreach
    public var witness: Packet
    /// True when the hole depends on rules the parser could not fully model.
    public var uncertain: Bool
    public var dependsOn: [UnknownMatch]
}

/// A zone pair proven closed: no packet the policy forbids is accepted.
public struct Proof: Sendable {
    public var config: String
    public var srcZone: ZoneRef
    public var dstZone: ZoneRef
}

public struct Anomaly: Sendable {
    public enum Kind: String, Sendable { case shadowed, redundant, overlyBroad = "overly-broad", neverMatches = "never-matches", unusedChain = "unused-chain" }
    public var kind: Kind
    public var config: String
    public var rule: RuleRef
    /// Earlier rules that hide this one (shadowed/redundant).
    public var blocking: [RuleRef]
    public var message: String
    /// The same message in Japanese (for --lang ja).
    public var messageJA: String = ""
    public var srcZone: ZoneRef?
    public var dstZone: ZoneRef?
    public var witness: Packet?
}

public struct DiffEntry: Sendable {
    public var srcZone: ZoneRef?
    public var dstZone: ZoneRef?
    public var witness: Packet
    public var oldDecision: RuleRef?
    public var newDecision: RuleRef?
    /// The policy forbids the witness (always checked; for newly permitted this is the dangerous case).
    public var policyForbids: Bool
    public var breach: PolicyBreach?
}

public struct DiffResult: Sendable {
    public var oldConfig: String
    public var newConfig: String
    public var newlyPermitted: [DiffEntry]
    public var newlyDenied: [DiffEntry]
}

public struct CheckResult: Sendable {
    public var config: String
    public var findings: [Finding]
    public var proofs: [Proof]
    public var anomalies: [Anomaly]
    /// Zone pairs the policy forbids at least something between.
    public var forbiddenPairs: Int
    /// Families the configuration filters; zone traffic of other families is outside the proof.
    public var families: FamilySet
    public var notes: [ParseNote]
}

public let defaultDenyCite = "ゾーン間の通信は許可規則に定めたものに限る (既定の拒否; 三層の対策 — 必要な通信だけを許可)"

public final class FirewallAnalysis {
    public let policy: Policy
    public let ruleSets: [RuleSet]
    public let space: HeaderSpace
    public let policySpace: PolicySpace
    public let evaluators: [RuleSetEvaluator]
    public var maxFindingsPerPair = 8
    var bdd: BDD { space.bdd }

    public init(policy: Policy, ruleSets: [RuleSet]) throws {
        self.policy = policy
        self.ruleSets = ruleSets
        var names = Set(policy.interfaces.keys)
        for rs in ruleSets {
            for c in rs.chains { for r in c.rules { FirewallAnalysis.collect(r.match, &names) } }
            for a in rs.attachments { FirewallAnalysis.collect(a.applies, &names) }
        }
        // About 500 nodes per rule in generated and real rule sets; sizing up front avoids rehashing the table.
        let ruleCount = ruleSets.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } }
        let sp = HeaderSpace(interfaces: names, expectedNodes: ruleCount * 512)
        space = sp
        let clock = ContinuousClock()
        let t0 = clock.now
        policySpace = PolicySpace(policy: policy, space: sp)
        let t1 = clock.now
        evaluators = try ruleSets.map { try RuleSetEvaluator(space: sp, ruleSet: $0) }
        let t2 = clock.now
        if FirewallAnalysis.timing {
            FirewallAnalysis.log("policy \(t1 - t0), rule sets \(t2 - t1) (compiling matches \(RuleSetEvaluator.compileTime)), nodes \(sp.bdd.nodeCount), steps \(sp.bdd.steps)")
        }
    }

    static let timing = getenv("SEGCHECK_FW_TIMING") != nil
    static func log(_ s: String) { fputs("segcheck firewall timing: \(s)\n", stderr) }

    static func collect(_ e: MatchExpr, _ names: inout Set<String>) {
        for p in e.predicates {
            switch p {
            case .inInterface(let ps), .outInterface(let ps):
                for x in ps { if case .exact(let n) = x { names.insert(n) } }
            default: break
            }
        }
    }

    func zoneRef(_ i: Int) -> ZoneRef { let z = policy.zones[i]; return ZoneRef(name: z.name, label: z.label, tier: z.tier) }

    func ruleRef(_ s: TraceStep) -> RuleRef {
        RuleRef(file: s.location.file, line: s.location.line, column: s.location.column, chain: s.chain, text: s.text,
                label: s.label, action: s.action, isDefault: s.ruleIndex == nil)
    }

    func ruleRef(_ ev: RuleSetEvaluator, _ c: Int, _ i: Int) -> RuleRef {
        let chain = ev.ruleSet.chains[c], r = chain.rules[i]
        return RuleRef(file: r.location.file, line: r.location.line, column: r.location.column, chain: chain.name, text: r.text,
                       label: r.label, action: r.action.description, isDefault: false)
    }

    func breach(_ p: Packet) -> PolicyBreach {
        let (rule, _) = policySpace.classify(p)
        if let rule {
            let f = policy.flows[rule]
            return PolicyBreach(ruleID: f.id, action: f.action.rawValue, cite: f.cite, location: f.location)
        }
        return PolicyBreach(ruleID: nil, action: "default-deny", cite: defaultDenyCite, location: nil)
    }

    /// Destination ports worth trying first in witnesses: those the rules name, then common services.
    lazy var portCandidates: [FieldValue] = {
        var seen = Set<UInt16>()
        var out: [UInt16] = []
        for rs in ruleSets {
            for c in rs.chains {
                for r in c.rules {
                    switch r.action { case .drop, .reject, .return: continue; default: break }
                    for p in r.match.predicates {
                        if case .dstPort(let rs) = p { for x in rs where seen.insert(x.lo).inserted { out.append(x.lo) } }
                    }
                    if out.count > 256 { break }
                }
            }
        }
        for p: UInt16 in [443, 80, 22, 53, 445, 3389, 25, 0] where seen.insert(p).inserted { out.append(p) }
        return out.map { FieldValue(lo: UInt64($0)) }
    }()

    func preferences(src: Int?, dst: Int?) -> [(FieldLayout, [FieldValue])] {
        func ifaces(_ z: Int?) -> [FieldValue] {
            guard let z else { return [] }
            return policySpace.zoneInterfaces[z].compactMap { space.index(ofInterface: $0) }.map { FieldValue(lo: UInt64($0)) }
        }
        func hosts(_ z: Int?) -> [FieldValue] {
            guard let z else { return [] }
            var out: [FieldValue] = []
            let zone = policy.zones[z]
            let nets = zone.networks.filter { $0.address.isIPv4 } + zone.networks.filter { !$0.address.isIPv4 }
            for n in nets {
                var a = FieldValue(n.first)
                if n.first != n.last { a.lo &+= 1; if a.lo == 0 { a.hi &+= 1 } }
                out.append(a); out.append(FieldValue(n.first))
            }
            for r in zone.ranges { out.append(FieldValue(r.lowerBound)) }
            return out
        }
        return [
            (space.inIface, ifaces(src)), (space.outIface, ifaces(dst)),
            (space.state, [FieldValue(lo: 0)]),
            (space.proto, [6, 17, 1, 58].map { FieldValue(lo: $0) }),
            (space.dstPort, portCandidates),
            (space.srcPort, [49152, 8, 128, 0].map { FieldValue(lo: $0) }),
            (space.srcAddr, hosts(src)), (space.dstAddr, hosts(dst)),
        ]
    }

    /// Packets crossing from one zone to another (NEW connections, families the rule set filters).
    func crossZoneBase(_ ev: RuleSetEvaluator) -> BDDRef {
        bdd.and(bdd.and(space.wellFormed, space.stateIn(.new)), space.family(ev.ruleSet.families))
    }

    // MARK: check

    public func check(_ index: Int, anomalies wantAnomalies: Bool = true) -> CheckResult {
        let ev = evaluators[index]
        let rs = ev.ruleSet
        // forb below already lies inside crossZoneBase, so accepted ∧ forb is the same set as (accepted ∧ base) ∧ forb
        // without rebuilding the whole accept set first.
        let acc = ev.acceptedWithinFamilies(on: .forward)
        var findings: [Finding] = []
        var proofs: [Proof] = []
        var forbiddenPairs = 0
        var forbiddenAll = BDD.falseRef
        for a in policy.zones.indices {
            for b in policy.zones.indices where a != b {
                let forb = bdd.and(policySpace.forbidden(a, b), crossZoneBase(ev))
                if forb == BDD.falseRef { continue }
                forbiddenPairs += 1
                forbiddenAll = bdd.or(forbiddenAll, forb)
                if !bdd.intersects(acc, forb) {
                    proofs.append(Proof(config: rs.file, srcZone: zoneRef(a), dstZone: zoneRef(b)))
                    continue
                }
                var hole = bdd.and(acc, forb)
                var n = 0
                while hole != BDD.falseRef && n < maxFindingsPerPair {
                    n += 1
                    guard let w = space.pick(hole, preferences: preferences(src: a, dst: b)) else { break }
                    let v = ev.run(w)
                    let steps = v.steps
                    let deciding = v.deciding ?? steps.last
                    let unknowns = steps.filter { $0.uncertain }.compactMap { s -> [UnknownMatch]? in
                        guard let ri = s.ruleIndex, let c = ev.chainIndex[s.chain] else { return nil }
                        return rs.chains[c].rules[ri].match.unknowns
                    }.flatMap { $0 }
                    let uncertain = !v.accepted || steps.contains { $0.uncertain }
                    let decidingRef = deciding.map(ruleRef) ?? RuleRef(file: rs.file, line: 0, column: 0, chain: "", text: "(no chain attached: everything passes)", label: nil, action: "accept", isDefault: true)
                    findings.append(Finding(config: rs.file, srcZone: zoneRef(a), dstZone: zoneRef(b), rule: decidingRef,
                                            trace: steps.map(ruleRef), breach: breach(w), witness: w,
                                            uncertain: uncertain, dependsOn: unknowns))
                    // Next finding for this pair: packets another rule lets through.
                    var covered = space.point(w)
                    if let d = deciding, let c = ev.chainIndex[d.chain] {
                        covered = bdd.or(covered, d.ruleIndex.map { ev.reach[c][$0] } ?? ev.reachDefault[c])
                    } else { covered = BDD.trueRef }
                    hole = bdd.andNot(hole, covered)
                }
            }
        }
        var anomalies: [Anomaly] = []
        if wantAnomalies { anomalies = findAnomalies(ev, forbiddenAll: forbiddenAll) }
        return CheckResult(config: rs.file, findings: findings, proofs: proofs, anomalies: anomalies,
                           forbiddenPairs: forbiddenPairs, families: rs.families, notes: rs.notes)
    }

    func verdictClass(_ a: FirewallAction) -> Int {
        switch a {
        case .accept: return 1
        case .drop, .reject: return 2
        case .return: return 3
        case .jump, .goto: return 4
        case .continue: return 0
        case .unknown: return 5
        }
    }

    func findAnomalies(_ ev: RuleSetEvaluator, forbiddenAll: BDDRef) -> [Anomaly] {
        let rs = ev.ruleSet
        var out: [Anomaly] = []
        let attached = Set(rs.attachments.map { $0.chain })
        let oneChain = ev.acceptsAllItsAcceptRulesMatch(on: .forward)
        for (c, chain) in rs.chains.enumerated() {
            if ev.entering[c] == BDD.falseRef {
                if !chain.rules.isEmpty {
                    out.append(Anomaly(kind: .unusedChain, config: rs.file,
                                       rule: RuleRef(file: chain.location.file, line: chain.location.line, column: chain.location.column, chain: chain.name, text: chain.name, label: nil, action: chain.defaultAction.description, isDefault: true),
                                       blocking: [], message: "chain \(chain.name) is never reached (no hook and no jump leads to it)",
                                       messageJA: "チェーン \(chain.name) はどのフックからもジャンプからも到達しません"))
                }
                continue
            }
            let compiled = ev.rules(c)
            var boxes: [MatchBox] = []
            for (i, rule) in chain.rules.enumerated() {
                let (_, o) = compiled[i]
                if case .continue = rule.action { continue }
                if ev.reach[c][i] != BDD.falseRef { continue }
                if !bdd.intersects(o, space.wellFormed) {
                    out.append(Anomaly(kind: .neverMatches, config: rs.file, rule: ruleRef(ev, c, i), blocking: [],
                                       message: "the match of this rule is empty: no packet can satisfy it",
                                       messageJA: "この規則の条件を満たすパケットは存在しません"))
                    continue
                }
                // Hidden by the union of earlier rules: name the earlier rules that overlap it.
                var blocking: [RuleRef] = []
                var differentAction = false
                let mine = bdd.and(o, ev.entering[c])
                if boxes.isEmpty { boxes = chain.rules.map { MatchBox($0.match) } }
                for j in stride(from: i - 1, through: 0, by: -1) where blocking.count < 5 {
                    if case .continue = chain.rules[j].action { continue }
                    if boxes[i].disjoint(boxes[j]) { continue }
                    if bdd.intersects(mine, compiled[j].1) {
                        blocking.append(ruleRef(ev, c, j))
                        if verdictClass(chain.rules[j].action) != verdictClass(rule.action) { differentAction = true }
                    }
                }
                out.append(Anomaly(kind: differentAction ? .shadowed : .redundant, config: rs.file, rule: ruleRef(ev, c, i),
                                   blocking: blocking,
                                   message: differentAction ? "never takes effect: every packet it matches is decided earlier, partly with a different action"
                                                            : "never takes effect: every packet it matches is already decided the same way by earlier rules",
                                   messageJA: differentAction ? "効果がありません: 一致するパケットはすべて先行する規則で (一部は異なる動作で) 決定済みです"
                                                              : "効果がありません: 一致するパケットはすべて先行する規則で同じ動作に決定済みです"))
            }
            // Removable rules in base chains: same verdict as the policy and no later rule overlaps.
            if attached.contains(chain.name), chain.defaultAction == .accept || chain.defaultAction == .drop {
                let defaultClass = verdictClass(chain.defaultAction)
                var later = BDD.falseRef
                for i in stride(from: chain.rules.count - 1, through: 0, by: -1) {
                    let r = chain.rules[i]
                    let reached = ev.reach[c][i]
                    if reached != BDD.falseRef, verdictClass(r.action) == defaultClass,
                       r.match.unknowns.isEmpty, !bdd.intersects(reached, later) {
                        out.append(Anomaly(kind: .redundant, config: rs.file, rule: ruleRef(ev, c, i), blocking: [],
                                           message: "removable: the chain's default policy (\(chain.defaultAction)) already does the same to every packet it matches",
                                           messageJA: "削除可能: 一致するパケットにはチェーンの既定ポリシー (\(chain.defaultAction)) が同じ動作をします"))
                    }
                    later = bdd.or(later, compiled[i].1)
                }
            }
            // Overly broad accepts on the forwarding path.
            for (i, rule) in chain.rules.enumerated() {
                guard case .accept = rule.action else { continue }
                // Cheap test first: most rules reach nothing forbidden at all.
                if !bdd.intersects(ev.forwardReach[c][i], forbiddenAll) { continue }
                // fr is only ever intersected with sets inside crossZoneBase (so inside the rule set's families).
                let fr = oneChain ? ev.forwardReach[c][i] : bdd.and(ev.forwardReach[c][i], ev.acceptedWithinFamilies(on: .forward))
                if !bdd.intersects(fr, forbiddenAll) { continue }
                for a in policy.zones.indices {
                    for b in policy.zones.indices where a != b {
                        let pairAll = bdd.and(policySpace.pair(a, b), crossZoneBase(ev))
                        if !bdd.intersects(fr, pairAll) { continue }
                        let x = bdd.and(fr, pairAll)
                        let bad = bdd.andNot(x, policySpace.allowed)
                        if bad == BDD.falseRef { continue }
                        // Allowances the rule could serve: judged on its whole match (earlier rules may already cover them).
                        let written = bdd.and(compiled[i].1, pairAll)
                        let served = policy.flows.indices.filter { policy.flows[$0].action != .deny && bdd.and(written, bdd.and(policySpace.flowMatch[$0], policySpace.allowed)) != BDD.falseRef }
                        let everything = bdd.implies(pairAll, ev.forwardReach[c][i])
                        if served.isEmpty && !everything { continue }
                        let w = space.pick(bad, preferences: preferences(src: a, dst: b))
                        let msg: String, ja: String
                        let za = policy.zones[a], zb = policy.zones[b]
                        if served.isEmpty {
                            msg = "accepts every packet from \(za.name) to \(zb.name) (any protocol, any port) although the policy allows none of it"
                            ja = "\(za.label) から \(zb.label) へのすべての通信 (全プロトコル・全ポート) を許可しますが、ポリシーはいずれも許可していません"
                        } else {
                            let ids = served.map { policy.flows[$0].id }.joined(separator: ", ")
                            msg = "broader than the policy rule(s) it serves (\(ids)): it also admits traffic from \(za.name) to \(zb.name) the policy forbids"
                            ja = "対応するポリシー規則 (\(ids)) より広く、\(za.label) から \(zb.label) へのポリシーが禁止する通信も許可しています"
                        }
                        out.append(Anomaly(kind: .overlyBroad, config: rs.file, rule: ruleRef(ev, c, i), blocking: [], message: msg, messageJA: ja,
                                           srcZone: zoneRef(a), dstZone: zoneRef(b), witness: w))
                    }
                }
            }
        }
        return out
    }

    // MARK: diff

    public func diff(old: Int, new: Int) -> DiffResult {
        let eo = evaluators[old], en = evaluators[new]
        let base = space.wellFormed
        let ao = bdd.and(eo.accepted(on: .forward), base), an = bdd.and(en.accepted(on: .forward), base)
        let permitted = bdd.andNot(an, ao), denied = bdd.andNot(ao, an)
        return DiffResult(oldConfig: eo.ruleSet.file, newConfig: en.ruleSet.file,
                          newlyPermitted: split(permitted, eo, en), newlyDenied: split(denied, eo, en))
    }

    func split(_ set: BDDRef, _ eo: RuleSetEvaluator, _ en: RuleSetEvaluator) -> [DiffEntry] {
        if set == BDD.falseRef { return [] }
        var out: [DiffEntry] = []
        var zonesS: [(Int?, BDDRef)] = policy.zones.indices.map { ($0, policySpace.srcZone[$0]) }
        var zonesD: [(Int?, BDDRef)] = policy.zones.indices.map { ($0, policySpace.dstZone[$0]) }
        zonesS.append((nil, bdd.not(zonesS.reduce(BDD.falseRef) { bdd.or($0, $1.1) })))
        zonesD.append((nil, bdd.not(zonesD.reduce(BDD.falseRef) { bdd.or($0, $1.1) })))
        for (a, sa) in zonesS {
            for (b, db) in zonesD {
                let part = bdd.and(set, bdd.and(sa, db))
                if part == BDD.falseRef { continue }
                let forb = (a != nil && b != nil) ? bdd.andNot(part, policySpace.allowed) : BDD.falseRef
                let target = forb != BDD.falseRef ? forb : part
                var prefs = preferences(src: a, dst: b)
                prefs[2] = (space.state, [FieldValue(lo: 0)])
                guard let w = space.pick(target, preferences: prefs) else { continue }
                let vo = eo.run(w), vn = en.run(w)
                let cls = policySpace.classify(w)
                let forbids = a != nil && b != nil && a != b && !cls.allowed
                out.append(DiffEntry(srcZone: a.map(zoneRef), dstZone: b.map(zoneRef), witness: w,
                                     oldDecision: (vo.deciding ?? vo.steps.last).map(ruleRef),
                                     newDecision: (vn.deciding ?? vn.steps.last).map(ruleRef),
                                     policyForbids: forbids, breach: forbids ? breach(w) : nil))
            }
        }
        return out
    }
}
