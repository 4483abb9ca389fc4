// First-match evaluation of a RuleSet: symbolic (the exact set of packets each hook accepts) and concrete (one
// packet, with the rule trace). Jumps, gotos, returns, default policies; every applicable attachment must accept.
import Policy
import Wire

/// One step of a rule trace: a rule that matched (or a chain's default action).
public struct TraceStep: Hashable, Sendable {
    public var chain: String
    /// Index into the chain's rules; nil = the chain's default action.
    public var ruleIndex: Int?
    public var location: SourceLocation
    public var text: String
    public var label: String?
    public var action: String
    /// True if the match depended on a construct the parser could not model.
    public var uncertain: Bool
}

/// The outcome of one concrete packet.
public struct PacketVerdict: Sendable {
    public var accepted: Bool
    public var steps: [TraceStep]
    /// The rule (or default) that decided acceptance; for accepted packets the explicit accept rule if any.
    public var deciding: TraceStep?
}

public final class RuleSetEvaluator {
    public let space: HeaderSpace
    public let ruleSet: RuleSet
    var bdd: BDD { space.bdd }
    let chainIndex: [String: Int]
    /// Per chain, per rule: (certainly matches, may match), compiled on first use.
    var compiled: [[(BDDRef, BDDRef)]?]
    /// Per chain, per rule: packets that reach the rule and may match it (union over all call sites).
    public private(set) var reach: [[BDDRef]]
    /// Like `reach`, counting only packets on the forward hook.
    public private(set) var forwardReach: [[BDDRef]]
    var currentHook: Hook = .forward
    /// Per chain: packets that reach the end of the chain (its default action).
    public private(set) var reachDefault: [BDDRef]
    /// Per chain: packets entering it.
    public private(set) var entering: [BDDRef]
    /// Per hook and attachment: (the attachment certainly applies, what its chain accepts), in evaluation order.
    var hookTerms: [Hook: [(applies: BDDRef, accepts: BDDRef, family: FamilySet, always: Bool)]] = [:]
    var acceptedByHook: [Hook: BDDRef] = [:]
    var acceptedWithinFamiliesByHook: [Hook: BDDRef] = [:]

    public init(space: HeaderSpace, ruleSet: RuleSet) throws {
        self.space = space
        self.ruleSet = ruleSet
        var idx: [String: Int] = [:]
        for (i, c) in ruleSet.chains.enumerated() {
            if idx[c.name] != nil { throw ConfigError(c.location, "chain \(c.name) is declared twice") }
            idx[c.name] = i
        }
        chainIndex = idx
        compiled = Array(repeating: nil, count: ruleSet.chains.count)
        reach = ruleSet.chains.map { Array(repeating: BDD.falseRef, count: $0.rules.count) }
        forwardReach = reach
        reachDefault = Array(repeating: BDD.falseRef, count: ruleSet.chains.count)
        entering = Array(repeating: BDD.falseRef, count: ruleSet.chains.count)
        for c in ruleSet.chains {
            for r in c.rules {
                switch r.action {
                case .jump(let t), .goto(let t):
                    if idx[t] == nil { throw ConfigError(r.location, "\(c.name) jumps to chain \(t), which is not defined") }
                default: break
                }
            }
        }
        for a in ruleSet.attachments where idx[a.chain] == nil {
            throw ConfigError(a.location, "chain \(a.chain) is attached to hook \(a.hook.rawValue) but not defined")
        }
        // Evaluate every hook once so reach sets cover all attachments.
        for hook in Hook.allCases where ruleSet.attachments.contains(where: { $0.hook == hook }) {
            currentHook = hook
            hookTerms[hook] = try evaluateHook(hook)
        }
    }

    public static var compileTime = Duration.zero
    func rules(_ c: Int) -> [(BDDRef, BDDRef)] {
        if let r = compiled[c] { return r }
        let t0 = ContinuousClock.now
        let r = ruleSet.chains[c].rules.map { space.compile($0.match) }
        RuleSetEvaluator.compileTime += ContinuousClock.now - t0
        compiled[c] = r
        return r
    }

    /// The attachments on a hook in evaluation order.
    public func attachments(on hook: Hook) -> [Attachment] {
        ruleSet.attachments.enumerated().filter { $0.element.hook == hook }
            .sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map { $0.element }
    }

    /// Every packet (well-formed or not) the hook lets through; packets of families the rule set does not filter
    /// pass untouched (intersect with `space.family(ruleSet.families)` to exclude them).
    public func accepted(on hook: Hook) -> BDDRef {
        if let r = acceptedByHook[hook] { return r }
        var acc = BDD.trueRef
        for t in hookTerms[hook] ?? [] { acc = bdd.and(acc, bdd.or(bdd.not(t.applies), t.accepts)) }
        acceptedByHook[hook] = acc
        return acc
    }

    /// `accepted(on:)` ∧ `space.family(ruleSet.families)`, built without the packets of other families: when every
    /// attachment applies to all packets of those families this is just the conjunction of what the chains accept.
    public func acceptedWithinFamilies(on hook: Hook) -> BDDRef {
        if let r = acceptedWithinFamiliesByHook[hook] { return r }
        let families = ruleSet.families
        let inside = space.family(families)
        var acc = inside
        var first = true
        for t in hookTerms[hook] ?? [] {
            if t.always && families.isSubset(of: t.family) {
                // Here the attachment applies to every packet of `inside`, so its term is just what it accepts; a
                // chain accepts only packets it was given (of t.family), so with equal families the ∧ is a no-op.
                acc = first && families == t.family ? t.accepts : bdd.and(acc, t.accepts)
            } else {
                acc = bdd.and(acc, bdd.or(bdd.not(t.applies), t.accepts))
            }
            first = false
        }
        acceptedWithinFamiliesByHook[hook] = acc
        return acc
    }

    /// True when the hook runs exactly one chain, on every packet of the rule set's families: then what it accepts
    /// within those families is what that chain accepts, which holds every packet an accepting rule there matches.
    public func acceptsAllItsAcceptRulesMatch(on hook: Hook) -> Bool {
        guard let terms = hookTerms[hook], terms.count == 1 else { return false }
        return terms[0].always && terms[0].family == ruleSet.families
    }

    private func evaluateHook(_ hook: Hook) throws -> [(applies: BDDRef, accepts: BDDRef, family: FamilySet, always: Bool)] {
        var terms: [(applies: BDDRef, accepts: BDDRef, family: FamilySet, always: Bool)] = []
        for a in attachments(on: hook) {
            let (au, ao) = space.compile(a.applies)
            let fam = space.family(a.families)
            let enters = bdd.and(space.wellFormed, bdd.and(fam, ao))
            let c = chainIndex[a.chain]!
            let (chainAccept, returned) = try evaluate(chain: c, input: enters, depth: 0)
            let chain = ruleSet.chains[c]
            var accepts = chainAccept
            // Returning from (or falling off) a base chain applies its policy.
            if isAccepting(chain.defaultAction) { accepts = bdd.or(accepts, returned) }
            terms.append((applies: bdd.and(fam, au), accepts: accepts, family: a.families, always: au == BDD.trueRef))
        }
        return terms
    }

    func isAccepting(_ a: FirewallAction) -> Bool {
        if case .accept = a { return true }
        if case .unknown = a { return true }
        return false
    }

    /// Returns (may be accepted, returned to caller or fell off the end).
    private func evaluate(chain c: Int, input: BDDRef, depth: Int) throws -> (BDDRef, BDDRef) {
        let chain = ruleSet.chains[c]
        if depth > 64 {
            throw ConfigError(chain.location, "chain \(chain.name) is reached through more than 64 nested jumps (a loop?)")
        }
        entering[c] = bdd.or(entering[c], input)
        let compiledRules = rules(c)
        var remaining = input
        var accepted = BDD.falseRef
        var returned = BDD.falseRef
        for (i, rule) in chain.rules.enumerated() {
            if remaining == BDD.falseRef { break }
            let (u, o) = compiledRules[i]
            // hit = remaining ∧ o; past = remaining ∧ ¬u (what goes on to the next rule if this one decides).
            // With a fully modelled match (u == o) both come from one pass.
            let hit: BDDRef, past: BDDRef
            switch rule.action {
            case .continue, .unknown:
                hit = bdd.and(remaining, o); past = remaining
            default:
                if u == o { (hit, past) = bdd.split(remaining, o) }
                else {
                    hit = bdd.and(remaining, o)
                    past = hit == BDD.falseRef ? remaining : bdd.andNot(remaining, u)
                }
            }
            if hit == BDD.falseRef { continue }
            reach[c][i] = bdd.or(reach[c][i], hit)
            if currentHook == .forward { forwardReach[c][i] = bdd.or(forwardReach[c][i], hit) }
            switch rule.action {
            case .accept:
                accepted = bdd.or(accepted, hit)
                remaining = past
            case .drop, .reject:
                remaining = past
            case .return:
                returned = bdd.or(returned, hit)
                remaining = past
            case .continue:
                break
            case .unknown:
                accepted = bdd.or(accepted, hit)
            case .jump(let t):
                let (a, r) = try evaluate(chain: chainIndex[t]!, input: hit, depth: depth + 1)
                accepted = bdd.or(accepted, a)
                remaining = bdd.or(past, r)
            case .goto(let t):
                let (a, r) = try evaluate(chain: chainIndex[t]!, input: hit, depth: depth + 1)
                accepted = bdd.or(accepted, a)
                returned = bdd.or(returned, r)
                remaining = past
            }
        }
        reachDefault[c] = bdd.or(reachDefault[c], remaining)
        switch chain.defaultAction {
        case .accept, .unknown: accepted = bdd.or(accepted, remaining)
        case .return, .continue, .jump, .goto: returned = bdd.or(returned, remaining)
        case .drop, .reject: break
        }
        return (accepted, returned)
    }

    // MARK: concrete evaluation

    enum Tri { case yes, no, maybe }

    static func test(_ p: Predicate, _ pk: Packet) -> Tri {
        func b(_ x: Bool) -> Tri { x ? .yes : .no }
        switch p {
        case .srcAddress(let rs): return b(rs.contains { $0.contains(pk.src) })
        case .dstAddress(let rs): return b(rs.contains { $0.contains(pk.dst) })
        case .proto(let ps): return b(ps.contains(pk.proto))
        case .srcPort(let rs): return b(rs.contains { $0.contains(pk.srcPort) })
        case .dstPort(let rs): return b(rs.contains { $0.contains(pk.dstPort) })
        case .icmpType(let ts): return b(ts.contains { UInt16($0) == pk.srcPort })
        case .icmpCode(let cs): return b(cs.contains { UInt16($0) == pk.dstPort })
        case .inInterface(let pats): return iface(pats, pk.inInterface)
        case .outInterface(let pats): return iface(pats, pk.outInterface)
        case .state(let s): return b(s.contains(pk.state))
        case .family(let f): return b(pk.src.isIPv4 ? f.contains(.ipv4) : f.contains(.ipv6))
        }
    }

    static func iface(_ pats: [InterfacePattern], _ name: String?) -> Tri {
        guard let name else {
            return pats.contains { if case .prefix = $0 { return true }; return false } ? .maybe : .no
        }
        return pats.contains { $0.matches(name) } ? .yes : .no
    }

    static func eval(_ e: MatchExpr, _ pk: Packet) -> Tri {
        switch e {
        case .any: return .yes
        case .none: return .no
        case .test(let p): return test(p, pk)
        case .unknown: return .maybe
        case .not(let x):
            switch eval(x, pk) { case .yes: return .no; case .no: return .yes; case .maybe: return .maybe }
        case .and(let xs):
            var r = Tri.yes
            for x in xs { switch eval(x, pk) { case .no: return .no; case .maybe: r = .maybe; case .yes: break } }
            return r
        case .or(let xs):
            var r = Tri.no
            for x in xs { switch eval(x, pk) { case .yes: return .yes; case .maybe: r = .maybe; case .no: break } }
            return r
        }
    }

    /// Runs one packet through a hook. Uncertain matches are resolved the conservative way (accept-like actions
    /// match, drop-like actions do not), mirroring the symbolic over-approximation.
    public func run(_ pk: Packet, hook: Hook = .forward) -> PacketVerdict {
        var steps: [TraceStep] = []
        var deciding: TraceStep? = nil
        var fallbackDeciding: TraceStep? = nil
        for a in attachments(on: hook) {
            let fam = pk.src.isIPv4 ? a.families.contains(.ipv4) : a.families.contains(.ipv6)
            if !fam { continue }
            if RuleSetEvaluator.eval(a.applies, pk) == .no { continue }
            let c = chainIndex[a.chain]!
            let (outcome, decider) = runChain(c, pk, &steps, depth: 0)
            var accepted: Bool
            var d = decider
            switch outcome {
            case .accepted: accepted = true
            case .dropped: accepted = false
            case .returned:
                let chain = ruleSet.chains[c]
                accepted = isAccepting(chain.defaultAction)
                let step = TraceStep(chain: chain.name, ruleIndex: nil, location: chain.location, text: "policy \(chain.defaultAction)",
                                     label: nil, action: chain.defaultAction.description, uncertain: false)
                steps.append(step)
                d = step
            }
            if !accepted { return PacketVerdict(accepted: false, steps: steps, deciding: d) }
            if let d, d.ruleIndex != nil, deciding == nil { deciding = d }
            if fallbackDeciding == nil { fallbackDeciding = d }
        }
        return PacketVerdict(accepted: true, steps: steps, deciding: deciding ?? fallbackDeciding)
    }

    enum Outcome { case accepted, dropped, returned }

    private func runChain(_ c: Int, _ pk: Packet, _ steps: inout [TraceStep], depth: Int) -> (Outcome, TraceStep?) {
        let chain = ruleSet.chains[c]
        if depth > 64 { return (.dropped, nil) }
        for (i, rule) in chain.rules.enumerated() {
            let t = RuleSetEvaluator.eval(rule.match, pk)
            if t == .no { continue }
            let acceptLike: Bool
            switch rule.action {
            case .accept, .jump, .goto, .unknown, .continue: acceptLike = true
            case .drop, .reject, .return: acceptLike = false
            }
            if t == .maybe && !acceptLike { continue }
            let step = TraceStep(chain: chain.name, ruleIndex: i, location: rule.location, text: rule.text, label: rule.label,
                                 action: rule.action.description, uncertain: t == .maybe)
            steps.append(step)
            switch rule.action {
            case .accept, .unknown: return (.accepted, step)
            case .drop, .reject: return (.dropped, step)
            case .return: return (.returned, step)
            case .continue: continue
            case .jump(let target):
                let (o, d) = runChain(chainIndex[target]!, pk, &steps, depth: depth + 1)
                if o != .returned { return (o, d) }
            case .goto(let target):
                return runChain(chainIndex[target]!, pk, &steps, depth: depth + 1)
            }
        }
        switch chain.defaultAction {
        case .accept, .unknown, .drop, .reject:
            let step = TraceStep(chain: chain.name, ruleIndex: nil, location: chain.location, text: "policy \(chain.defaultAction)",
                                 label: nil, action: chain.defaultAction.description, uncertain: false)
            steps.append(step)
            return (isAccepting(chain.defaultAction) ? .accepted : .dropped, step)
        default:
            return (.returned, nil)
        }
    }
}
