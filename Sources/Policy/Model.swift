// Policy: the municipality's segmentation policy as plain values — zones, host groups and ordered flow rules.
// Loaders (YAML, CSV) produce it; PolicyCompiler, Inspect and Firewall consume it.
import Wire

/// Where something was written, for error messages and citations (1-based line and column).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    public var description: String { "\(file):\(line):\(column)" }
}

/// A policy problem with its place. Every loader and validator error is one of these; the CLI prints it and exits 2.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) { self.location = location; self.message = message }
    public var description: String { "\(location): error: \(message)" }
}

/// A segment of the network: マイナンバー利用事務系, LGWAN接続系, インターネット接続系, ...
public struct Zone: Hashable, Sendable {
    public var name: String
    /// mynumber, lgwan, internet, external, independent, juki, school-admin, school-edu, or a custom word.
    public var tier: String
    /// Display label as the policy writes it (often Japanese); defaults to the name.
    public var label: String
    public var networks: [IPNetwork]
    /// Address ranges beyond CIDRs (inclusive), e.g. 10.1.0.10-10.1.0.20.
    public var ranges: [ClosedRange<IPAddress>]
    public var vlans: [UInt16]
    public var location: SourceLocation
    public init(name: String, tier: String, label: String? = nil, networks: [IPNetwork], ranges: [ClosedRange<IPAddress>] = [], vlans: [UInt16] = [], location: SourceLocation) {
        self.name = name; self.tier = tier; self.label = label ?? name; self.networks = networks; self.ranges = ranges; self.vlans = vlans; self.location = location
    }
}

/// A named group of hosts inside one zone (通信経路の限定: named hosts, optionally pinned to MACs).
public struct HostGroup: Hashable, Sendable {
    public var name: String
    public var zone: String
    public var label: String
    public var networks: [IPNetwork]
    public var ranges: [ClosedRange<IPAddress>]
    /// If non-empty, traffic from these addresses must come from one of these MACs.
    public var macs: [MACAddress]
    public var location: SourceLocation
    public init(name: String, zone: String, label: String? = nil, networks: [IPNetwork], ranges: [ClosedRange<IPAddress>] = [], macs: [MACAddress] = [], location: SourceLocation) {
        self.name = name; self.zone = zone; self.label = label ?? name; self.networks = networks; self.ranges = ranges; self.macs = macs; self.location = location
    }
}

public enum RuleAction: String, Sendable, Hashable {
    case allow, deny, alert
}

/// An inclusive port range.
public struct PortRange: Hashable, Sendable {
    public var lo: UInt16
    public var hi: UInt16
    public init(_ lo: UInt16, _ hi: UInt16) { self.lo = lo; self.hi = hi }
    public static let all = PortRange(0, 65535)
    @inlinable public func contains(_ p: UInt16) -> Bool { p >= lo && p <= hi }
}

/// One row of the flow table. `from` is the initiator, `to` the responder; each names a zone, a host group or `any`.
public struct FlowRule: Hashable, Sendable {
    public var id: String
    public var from: String
    public var to: String
    /// nil = any protocol.
    public var proto: UInt8?
    /// Destination (responder) ports; empty = any. Ignored for ICMP.
    public var ports: [PortRange]
    /// ICMP/ICMPv6 type and code; nil = any.
    public var icmpType: UInt8?
    public var icmpCode: UInt8?
    public var action: RuleAction
    /// The sanitising channel this rule stands for (screen-transfer, mail-text, file-sanitise, ...), if any.
    public var via: String?
    /// The clause of the municipality's policy (or MIC guideline) this rule implements.
    public var cite: String
    public var location: SourceLocation
    /// The preset this rule was inherited from through `extends:` (nil for the policy's own rules).
    public var inheritedFrom: String?
    /// Free text kept with the rule (for example "unverified: ..." notes in presets).
    public var note: String?
    public init(id: String, from: String, to: String, proto: UInt8? = nil, ports: [PortRange] = [], icmpType: UInt8? = nil, icmpCode: UInt8? = nil, action: RuleAction, via: String? = nil, cite: String = "", location: SourceLocation, inheritedFrom: String? = nil, note: String? = nil) {
        self.id = id; self.from = from; self.to = to; self.proto = proto; self.ports = ports; self.icmpType = icmpType; self.icmpCode = icmpCode; self.action = action; self.via = via; self.cite = cite; self.location = location
        self.inheritedFrom = inheritedFrom; self.note = note
    }
}

/// A whole policy. Zone and host-group names are unique across both tables.
public struct Policy: Sendable {
    public var name: String
    public var extends: String?
    public var zones: [Zone]
    public var hosts: [HostGroup]
    /// Ordered: first match wins among cross-zone rules.
    public var flows: [FlowRule]
    /// Firewall interface name → zone name (used by `segcheck firewall`).
    public var interfaces: [String: String]
    /// Files this policy was read from (for reports).
    public var sources: [String]
    public init(name: String, extends: String? = nil, zones: [Zone] = [], hosts: [HostGroup] = [], flows: [FlowRule] = [], interfaces: [String: String] = [:], sources: [String] = []) {
        self.name = name; self.extends = extends; self.zones = zones; self.hosts = hosts; self.flows = flows; self.interfaces = interfaces; self.sources = sources
    }
}
