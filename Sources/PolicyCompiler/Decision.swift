// PolicyCompiler: the answer to "is this flow allowed, and by which rule?" — shared by review, monitor and firewall.

/// The verdict on one flow (initiator → responder).
public enum Verdict: UInt8, Sendable {
    /// Both ends in the same zone, and no rule says otherwise.
    case intraZone
    /// A cross-zone flow an `allow` rule permits.
    case allowed
    /// A flow an `alert` rule matched: reported, not a violation.
    case alert
    /// A flow a `deny` rule matched (a violation naming that rule).
    case denied
    /// A cross-zone flow no rule allows (default deny between zones): a violation.
    case defaultDeny
    /// An address in no zone.
    case unknownZone

    public var isViolation: Bool { self == .denied || self == .defaultDeny || self == .unknownZone }
}

/// A compact, reference-free decision. Indices point into the compiled policy's tables.
public struct Decision: Hashable, Sendable {
    public var verdict: Verdict
    /// Index into `Policy.flows` of the deciding rule, or -1 when no rule decided.
    public var rule: Int32
    /// Index into `Policy.zones` (-1 = no zone).
    public var srcZone: Int32
    public var dstZone: Int32
    /// Index into `Policy.hosts` of the most specific host group (-1 = none).
    public var srcHost: Int32
    public var dstHost: Int32
    public init(verdict: Verdict, rule: Int32, srcZone: Int32, dstZone: Int32, srcHost: Int32 = -1, dstHost: Int32 = -1) {
        self.verdict = verdict; self.rule = rule; self.srcZone = srcZone; self.dstZone = dstZone; self.srcHost = srcHost; self.dstHost = dstHost
    }
}
