// Wire: bounded IP fragment tracking: gives every fragment of a datagram the datagram's full tuple (the ports are in
// the first fragment, which may arrive last), and reports overlapping, tiny, oversized and excessive fragments.

/// What the flow layer gets back for one fragment.
public struct DefragResult: Sendable {
    public enum Status: UInt8, Sendable {
        /// The datagram's first fragment (with the ports) has not been seen: this fragment is held (counted only)
        /// until it arrives; it is then reported in `heldPackets`/`heldBytes` of the classifying result.
        case needMore
        /// `tuple` is the whole datagram's tuple, ports included.
        case classified
    }
    public var status: Status = .needMore
    /// The datagram's tuple; ports are zero while `status` is `.needMore`.
    public var tuple = FlowTuple()
    /// An evasion event raised by this fragment (`fragmentOverlap`, `fragmentTooSmall`, `fragmentTooLarge`,
    /// `fragmentTooMany`), each reported once per datagram; `.none` otherwise.
    public var event: DecodeEvent = .none
    /// Earlier fragments of this datagram that were held for lack of ports, now classified with this one
    /// (not counting this fragment). The caller adds them to the flow.
    public var heldPackets: UInt32 = 0
    public var heldBytes: UInt64 = 0
    /// Every byte of the datagram, from offset 0 to the last fragment's end, has now been seen.
    public var complete = false
    public init() {}
}

/// Fixed limits: memory is `maxDatagrams` × (`maxFragmentsPerDatagram` × 8 bytes + ~90 bytes), allocated once.
public struct DefragmenterLimits: Sendable {
    /// Datagrams tracked at once; the oldest is evicted (and counted) to make room.
    public var maxDatagrams = 4096
    /// Fragments remembered per datagram; more raise `fragmentTooMany`.
    public var maxFragmentsPerDatagram = 64
    /// A datagram is forgotten this long after its first fragment, in packet time (Linux ipfrag_time: 30 s).
    public var timeoutNanoseconds: Int64 = 30_000_000_000
    /// A fragment other than the last carrying fewer payload bytes than this is `fragmentTooSmall`. 48 is what
    /// the smallest legal IPv4 MTU (68) leaves after a 20-byte header; legitimate senders never go below it.
    public var minimumNonLastFragmentBytes = 48
    public init() {}
}

/// Counters for the stats output.
public struct DefragCounters: Sendable {
    public var fragments: UInt64 = 0
    public var datagramsCompleted: UInt64 = 0
    public var overlaps: UInt64 = 0
    public var tooSmall: UInt64 = 0
    public var tooLarge: UInt64 = 0
    public var tooMany: UInt64 = 0
    /// Datagrams dropped to make room while still waiting for fragments.
    public var evictedIncomplete: UInt64 = 0
    /// Datagrams that timed out before they were complete; `timedOutWithoutPorts` never saw their first fragment,
    /// so their held fragments were never classified.
    public var timedOutIncomplete: UInt64 = 0
    public var timedOutWithoutPorts: UInt64 = 0
    public var heldFragmentsNeverClassified: UInt64 = 0
    public init() {}
}

/// Tracks fragmented datagrams keyed on (source, destination, protocol, identification). One per worker thread;
/// after `init` it allocates nothing.
public struct Defragmenter {
    public let limits: DefragmenterLimits
    public private(set) var counters = DefragCounters()

    struct Key: Hashable {
        var src: IPAddress
        var dst: IPAddress
        var id: UInt32
        var proto: UInt8
    }

    struct Slot {
        var key = Key(src: .zero, dst: .zero, id: 0, proto: 0)
        var inUse = false
        var firstSeen: Int64 = 0
        var portsKnown = false
        var srcPort: UInt16 = 0
        var dstPort: UInt16 = 0
        var heldPackets: UInt32 = 0
        var heldBytes: UInt64 = 0
        var rangeCount: Int32 = 0
        /// End of the datagram (the last fragment's end), -1 until the last fragment is seen.
        var totalLength: Int32 = -1
        var complete = false
        /// Bit per event already reported for this datagram.
        var reported: UInt8 = 0
    }

    var slots: [Slot]
    /// Per slot, `maxFragmentsPerDatagram` (start, end) pairs in bytes.
    var ranges: [UInt32]
    var index: [Key: Int32]
    /// Slots are handed out round-robin, so the slot under the cursor is always the oldest allocation.
    var cursor = 0

    public init(limits: DefragmenterLimits = DefragmenterLimits()) {
        self.limits = limits
        slots = Array(repeating: Slot(), count: max(1, limits.maxDatagrams))
        ranges = Array(repeating: 0, count: max(1, limits.maxDatagrams) * max(1, limits.maxFragmentsPerDatagram) * 2)
        index = [:]
        index.reserveCapacity(max(1, limits.maxDatagrams))
    }

    /// Datagrams currently tracked.
    public var activeDatagrams: Int { index.count }

    /// Feeds one decoded packet with `isFragment` set (other packets come back classified with their own tuple).
    public mutating func feed(_ p: DecodedPacket, timestampNanoseconds now: Int64) -> DefragResult {
        var result = DefragResult()
        result.tuple = p.tuple
        guard p.isFragment else { result.status = .classified; result.complete = true; return result }
        counters.fragments += 1

        let key = Key(src: p.tuple.src, dst: p.tuple.dst, id: p.ipIdentification, proto: p.tuple.proto)
        var s: Int
        if let found = index[key] {
            s = Int(found)
            if now &- slots[s].firstSeen > limits.timeoutNanoseconds {
                release(s, timedOut: true)
                s = allocate(key, now)
            }
        } else {
            s = allocate(key, now)
        }

        let start = Int(p.fragmentOffset) * 8
        let length = Int(p.l4Length)
        let end = start + length
        let proto = p.tuple.proto

        // Evasion checks, each reported once per datagram.
        if end > 65535 { raise(s, .fragmentTooLarge, &result) }
        if p.moreFragments && length < limits.minimumNonLastFragmentBytes { raise(s, .fragmentTooSmall, &result) }
        if start == 0 && length < Defragmenter.minimumTransportHeader(proto) { raise(s, .fragmentTooSmall, &result) }

        let base = s * limits.maxFragmentsPerDatagram * 2
        let count = Int(slots[s].rangeCount)
        var duplicate = false
        for i in 0..<count {
            let rs = Int(ranges[base + 2 * i]), re = Int(ranges[base + 2 * i + 1])
            if start < re && rs < end {
                if rs == start && re == end { duplicate = true } else { raise(s, .fragmentOverlap, &result) }
            }
        }
        if !duplicate {
            if count < limits.maxFragmentsPerDatagram {
                ranges[base + 2 * count] = UInt32(start)
                ranges[base + 2 * count + 1] = UInt32(end)
                slots[s].rangeCount += 1
            } else {
                raise(s, .fragmentTooMany, &result)
            }
        }
        if !p.moreFragments { slots[s].totalLength = Int32(min(end, Int(Int32.max))) }

        if start == 0 && !slots[s].portsKnown {
            // The decoder put the ports (or ICMP type/code) in the tuple if the first fragment carried them.
            let needed = Defragmenter.portBytes(proto)
            if Int(p.l4CapturedLength) >= needed {
                slots[s].portsKnown = true
                slots[s].srcPort = p.tuple.srcPort
                slots[s].dstPort = p.tuple.dstPort
            }
        }

        if slots[s].portsKnown {
            result.status = .classified
            result.tuple.srcPort = slots[s].srcPort
            result.tuple.dstPort = slots[s].dstPort
            result.heldPackets = slots[s].heldPackets
            result.heldBytes = slots[s].heldBytes
            slots[s].heldPackets = 0; slots[s].heldBytes = 0
        } else {
            result.status = .needMore
            result.tuple.srcPort = 0; result.tuple.dstPort = 0
            slots[s].heldPackets &+= 1
            slots[s].heldBytes &+= UInt64(p.wireLength)
        }

        if !slots[s].complete && slots[s].totalLength >= 0 && slots[s].portsKnown && covered(s) {
            slots[s].complete = true
            counters.datagramsCompleted += 1
        }
        result.complete = slots[s].complete
        return result
    }

    /// Forgets every datagram older than the timeout (in packet time), counting the incomplete ones. The flow layer
    /// calls this now and then (for example once per second of packet time); `feed` also expires lazily.
    public mutating func expire(now: Int64) {
        for s in 0..<slots.count where slots[s].inUse && now &- slots[s].firstSeen > limits.timeoutNanoseconds {
            release(s, timedOut: true)
        }
    }

    /// The minimum bytes a first fragment must carry for the transport header to be whole.
    static func minimumTransportHeader(_ proto: UInt8) -> Int {
        switch proto {
        case IPProto.tcp: return 20
        case IPProto.udp, IPProto.icmp, IPProto.icmpv6: return 8
        default: return 0
        }
    }

    /// Bytes of the first fragment needed to know the tuple's "ports".
    static func portBytes(_ proto: UInt8) -> Int {
        switch proto {
        case IPProto.tcp, IPProto.udp, 132, 33, 136: return 4
        case IPProto.icmp, IPProto.icmpv6: return 2
        default: return 0
        }
    }

    private mutating func raise(_ s: Int, _ event: DecodeEvent, _ result: inout DefragResult) {
        let bit: UInt8
        switch event {
        case .fragmentOverlap: bit = 1
        case .fragmentTooSmall: bit = 2
        case .fragmentTooLarge: bit = 4
        default: bit = 8
        }
        guard slots[s].reported & bit == 0 else { return }
        slots[s].reported |= bit
        switch event {
        case .fragmentOverlap: counters.overlaps += 1
        case .fragmentTooSmall: counters.tooSmall += 1
        case .fragmentTooLarge: counters.tooLarge += 1
        default: counters.tooMany += 1
        }
        // Overlap outranks the others when one fragment raises several.
        if result.event == .none || event == .fragmentOverlap { result.event = event }
    }

    private func covered(_ s: Int) -> Bool {
        let total = Int(slots[s].totalLength)
        let base = s * limits.maxFragmentsPerDatagram * 2
        let count = Int(slots[s].rangeCount)
        var reached = 0
        var progressed = true
        while reached < total && progressed {
            progressed = false
            for i in 0..<count {
                let rs = Int(ranges[base + 2 * i]), re = Int(ranges[base + 2 * i + 1])
                if rs <= reached && re > reached { reached = re; progressed = true }
            }
        }
        return reached >= total
    }

    private mutating func allocate(_ key: Key, _ now: Int64) -> Int {
        let s = cursor
        cursor = (cursor + 1) % slots.count
        if slots[s].inUse {
            release(s, timedOut: now &- slots[s].firstSeen > limits.timeoutNanoseconds)
        }
        slots[s] = Slot(key: key, inUse: true, firstSeen: now)
        index[key] = Int32(s)
        return s
    }

    private mutating func release(_ s: Int, timedOut: Bool) {
        let slot = slots[s]
        if !slot.complete {
            if timedOut {
                counters.timedOutIncomplete += 1
                if !slot.portsKnown { counters.timedOutWithoutPorts += 1 }
            } else {
                counters.evictedIncomplete += 1
            }
            counters.heldFragmentsNeverClassified += UInt64(slot.heldPackets)
        }
        index.removeValue(forKey: slot.key)
        slots[s].inUse = false
    }
}
