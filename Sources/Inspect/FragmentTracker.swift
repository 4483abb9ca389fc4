// Inspect: follows IP fragments per datagram so every fragment lands in its flow (ports come only with the first), and flags overlap / tiny-fragment evasion.
import EventOutput
import Wire

/// Tracks the datagrams that arrive in fragments. Fragments are rare, so this uses a dictionary (bounded) rather
/// than the flat storage of the flow table.
struct FragmentTracker {
    struct DatagramKey: Hashable {
        var src: IPAddress
        var dst: IPAddress
        var id: UInt32
        var proto: UInt8
        var vlan: UInt16
    }
    struct Datagram {
        var tuple: FlowTuple?
        /// Wire lengths of fragments held until the first fragment names the ports.
        var held: [UInt32] = []
        /// Byte ranges of the fragments seen (offset, end).
        var ranges: [(UInt32, UInt32)] = []
        var overlapReported = false
        var tinyReported = false
        var lastSeen: Int64
    }
    struct Result {
        var tuple: FlowTuple?
        var evasion: FindingKind?
        var completedFirst = false
        var held: [UInt32] = []
    }

    /// Datagrams followed at once; beyond this the oldest are dropped (counted as `fragmentEvicted`).
    static let maxDatagrams = 65_536
    /// A non-final fragment carrying fewer payload bytes than this is an evasion attempt (RFC 1858 tiny fragments;
    /// honest fragmentation cuts at the path MTU, hundreds of bytes or more).
    static let tinyFragmentBytes: UInt32 = 64
    /// Held fragments per datagram (bounded memory).
    static let maxFragmentsPerDatagram = 256
    static let timeout: Int64 = 60 * 1_000_000_000

    var datagrams: [DatagramKey: Datagram] = [:]
    var pendingFragments: Int { datagrams.values.reduce(0) { $0 + ($1.tuple == nil ? $1.held.count : 0) } }
    var evicted: UInt64 = 0

    mutating func add(_ p: DecodedPacket, bytes: UnsafeRawBufferPointer, now: Int64) -> Result {
        let t = p.tuple
        let key = DatagramKey(src: t.src, dst: t.dst, id: p.ipIdentification, proto: t.proto, vlan: p.vlan)
        var d = datagrams[key] ?? Datagram(lastSeen: now)
        if datagrams[key] == nil && datagrams.count >= Self.maxDatagrams {
            if let oldest = datagrams.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key { datagrams[oldest] = nil; evicted += 1 }
        }
        d.lastSeen = now
        var result = Result()
        let start = UInt32(p.fragmentOffset) * 8
        let end = start + p.l4Length
        for (s, e) in d.ranges where start < e && s < end {
            if !d.overlapReported { d.overlapReported = true; result.evasion = .fragmentOverlap }
            break
        }
        if d.ranges.count < Self.maxFragmentsPerDatagram { d.ranges.append((start, end)) }
        if p.moreFragments && p.l4Length < Self.tinyFragmentBytes && !d.tinyReported && result.evasion == nil {
            d.tinyReported = true; result.evasion = .fragmentTooSmall
        }
        if p.fragmentOffset == 0 && d.tuple == nil {
            d.tuple = t
            result.completedFirst = true
            result.held = d.held
            d.held = []
        }
        if let tuple = d.tuple {
            result.tuple = tuple
        } else if d.held.count < Self.maxFragmentsPerDatagram {
            d.held.append(p.wireLength)
        }
        datagrams[key] = d
        return result
    }

    mutating func expire(now: Int64, counters: inout InspectionCounters) {
        guard !datagrams.isEmpty else { return }
        for (k, d) in datagrams where now - d.lastSeen > Self.timeout {
            if d.tuple == nil && !d.held.isEmpty { counters.anomaliesBy[Int(DecodeEvent.fragmentTimeout.rawValue)] &+= UInt64(d.held.count) }
            datagrams[k] = nil
        }
    }
}
