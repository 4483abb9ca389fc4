// Inspect: the review pipeline for one worker thread — decode → defragment → flow → verdict (once per flow) → events.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPrefetch
import Capture
import EventOutput
import Flows
import Policy
import PolicyCompiler
import Synchronization
import Wire

/// Settings of one inspector.
public struct InspectorConfiguration: Sendable {
    /// Flows tracked at once; when full, the flow idle the longest is evicted (and counted).
    public var flowCapacity: Int = 1 << 20
    public var timeouts = FlowTimeouts()
    /// Key flows on their 802.1Q tags too (Suricata's `vlan.use-for-tracking`).
    public var vlanInFlowKey = true
    /// Packets of each violating flow written to the evidence sink.
    public var evidencePacketsPerFlow: UInt16 = 16
    /// Check outer tunnel flows as well as the flows inside them.
    public var checkOuterFlows = true
    public init() {}
}

/// Per-flow data the inspector keeps beside the flow table, indexed by slot. Fields are ordered so the struct is
/// 64 bytes (one cache line in the 64-byte aligned array).
struct FlowExtra {
    var decision: Decision
    var generation: UInt32
    var fileIndex: Int32
    /// Bit per `FindingKind` already raised on this flow.
    var raised: UInt16
    var evidenceLeft: UInt16
    /// MAC pinning checked for the initiator (1) and the responder (2).
    var macChecked: UInt8
    var tunnelDepth: UInt8
    var tunnelKind: UInt8
    var vlanCount: UInt8
    /// The initiator's ICMP type and code (ports of the classified tuple for ICMP).
    var icmpType: UInt8
    var icmpCode: UInt8
    var firstSenderIsA: Bool
    var vlan0: UInt16
    var vlan1: UInt16
    var firstSrcMAC: UInt64
    var firstDstMAC: UInt64
}

/// Per-packet state of an `Inspector`.
struct HotState {
    /// The packet being processed: one of the inspector's batch buffers.
    var pkt: UnsafeMutablePointer<DecodedPacket>
    /// Open flows classified with the current generation's policy (older generations: `Inspector.flowsByGeneration`).
    var flowsInGeneration = 0
    var now: Int64 = 0
    var nextExpiry: Int64 = .min
    var evidenceWritten = false
    var hasMACPins: Bool
    var generation: UInt32 = 0
    var fileIndex: Int32 = -1
    var counters = InspectionCounters()
    /// The flow of the previous packet, per layer (0 outer/plain, 1 inside a tunnel): packets come in bursts, so
    /// most find their flow here without hashing or touching the index.
    var recentKey: (FlowKey, FlowKey) = (FlowKey(a: .zero, b: .zero, aPort: 0, bPort: 0, proto: 0), FlowKey(a: .zero, b: .zero, aPort: 0, bPort: 0, proto: 0))
    var recentSlot: (Int32, Int32) = (-1, -1)
    /// `FindingKind.violationMask`, copied here: reading a global of another module per packet costs a call.
    let violationMask = FindingKind.violationMask
    init(hasMACPins: Bool, pkt: UnsafeMutablePointer<DecodedPacket>) { self.hasMACPins = hasMACPins; self.pkt = pkt }
}

/// Runs the pipeline on packets handed to it one at a time. Not thread-safe except `replacePolicy`, which any
/// thread may call: flows created after it use the new policy; flows already open keep the verdict they got.
public final class Inspector {
    public let configuration: InspectorConfiguration
    /// Every counter so far.
    public var counters: InspectionCounters { hot.pointee.counters }
    let table: FlowTable
    let extras: UnsafeMutablePointer<FlowExtra>
    let extrasBuffer: LargeBuffer
    let outersBuffer: LargeBuffer
    /// Outer tuples of flows seen inside tunnels, by slot. Written only for those flows, so the OS backs only
    /// the pages tunnels use.
    let outers: UnsafeMutablePointer<FlowTuple>
    let sink: any EventSink
    /// `sink.wantsFlowRecords`, read once: false lets ended flows skip building a `FlowInfo`.
    let sinkWantsFlowRecords: Bool

    // Policies by generation; flows point at the generation that classified them.
    var policy: CompiledPolicy
    var policies: [UInt32: CompiledPolicy] = [:]
    /// Open flows per older policy generation (the current one's count is `HotState.flowsInGeneration`).
    var flowsByGeneration: [UInt32: Int] = [:]
    // Hand-over from other threads.
    var pendingLock = pthread_mutex_t()
    var pending: CompiledPolicy?
    /// Set when `pending` holds a policy; read once per packet (a relaxed atomic load).
    let pendingFlag = Atomic<UInt32>(0)

    /// The state touched per packet, behind a pointer: no dynamic exclusivity checks on the hot path.
    let hot: UnsafeMutablePointer<HotState>
    /// Packets of one batch, decoded (`processBatch`); single packets use the first.
    let packets: UnsafeMutablePointer<DecodedPacket>
    /// Per packet of a batch: the flow hash whose index cell and entry are being prefetched, or 0.
    let batchHashes: UnsafeMutablePointer<UInt64>
    /// Most packets `processBatch` takes at once.
    public static let batchSize = 32
    var defrag = Defragmenter()
    var files: [String] = []

    public init(policy: CompiledPolicy, sink: any EventSink, configuration: InspectorConfiguration = InspectorConfiguration()) {
        self.configuration = configuration
        self.policy = policy
        self.sink = sink
        self.sinkWantsFlowRecords = sink.wantsFlowRecords
        self.table = FlowTable(capacity: configuration.flowCapacity, timeouts: configuration.timeouts)
        // Huge-page backed, 64-byte aligned (see LargeBuffer); only the pages flows touch are backed.
        self.extrasBuffer = LargeBuffer(byteCount: configuration.flowCapacity * MemoryLayout<FlowExtra>.stride)
        self.extras = extrasBuffer.pointer.bindMemory(to: FlowExtra.self, capacity: configuration.flowCapacity)
        self.outersBuffer = LargeBuffer(byteCount: configuration.flowCapacity * MemoryLayout<FlowTuple>.stride)
        self.outers = outersBuffer.pointer.bindMemory(to: FlowTuple.self, capacity: configuration.flowCapacity)
        assert(MemoryLayout<FlowExtra>.stride == 64, "FlowExtra should fill one cache line")
        self.hot = UnsafeMutablePointer<HotState>.allocate(capacity: 1)
        self.packets = UnsafeMutablePointer<DecodedPacket>.allocate(capacity: Inspector.batchSize)
        packets.initialize(repeating: DecodedPacket(), count: Inspector.batchSize)
        self.batchHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: Inspector.batchSize)
        batchHashes.initialize(repeating: 0, count: Inspector.batchSize)
        hot.initialize(to: HotState(hasMACPins: policy.policy.hosts.contains { !$0.macs.isEmpty }, pkt: packets))
        policies[0] = policy
        pthread_mutex_init(&pendingLock, nil)
    }

    deinit {
        hot.deinitialize(count: 1)
        hot.deallocate()
        packets.deinitialize(count: Inspector.batchSize)
        packets.deallocate()
        batchHashes.deallocate()
        extrasBuffer.release()
        outersBuffer.release()
        pthread_mutex_destroy(&pendingLock)
    }

    /// The policy new flows are classified with.
    public var currentPolicy: CompiledPolicy { policy }
    /// Flows open now.
    public var activeFlows: Int { table.count }

    /// Hands a new policy over (from any thread). It takes effect for flows that start after the next packet.
    public func replacePolicy(_ newPolicy: CompiledPolicy) {
        pthread_mutex_lock(&pendingLock)
        pending = newPolicy
        pendingFlag.store(1, ordering: .releasing)
        pthread_mutex_unlock(&pendingLock)
    }

    func adoptPendingPolicy() {
        pthread_mutex_lock(&pendingLock)
        if let p = pending {
            flowsByGeneration[hot.pointee.generation] = hot.pointee.flowsInGeneration
            hot.pointee.flowsInGeneration = 0
            hot.pointee.generation &+= 1
            policy = p
            policies[hot.pointee.generation] = p
            let hadMACPins = hot.pointee.hasMACPins
            hot.pointee.hasMACPins = p.policy.hosts.contains { !$0.macs.isEmpty }
            if hot.pointee.hasMACPins && !hadMACPins {
                // Open flows were not marked for MAC checks; checks apply to them from now on, as to new flows.
                table.forEachFlow { slot in
                    if extras[Int(slot)].macChecked != 3 { table.entries[Int(slot)].mark |= Inspector.markMACPending }
                }
            }
            pending = nil
        }
        pendingFlag.store(0, ordering: .relaxed)
        pthread_mutex_unlock(&pendingLock)
        // Forget policies no open flow uses any more.
        for (g, n) in flowsByGeneration where n == 0 && g != hot.pointee.generation { policies[g] = nil; flowsByGeneration[g] = nil }
    }

    /// Names the capture file the following packets come from (shown as `pcap_filename` on flows that start in it).
    public func beginFile(_ name: String) {
        files.append(name)
        hot.pointee.fileIndex = Int32(files.count - 1)
        hot.pointee.counters.files += 1
    }

    public func process(_ record: PacketRecord) {
        process(bytes: record.bytes, timestamp: record.timestampNanoseconds, wireLength: record.wireLength, linkType: record.linkType)
    }

    /// Runs one packet through the pipeline.
    public func process(bytes: UnsafeRawBufferPointer, timestamp: Int64, wireLength: UInt32, linkType: UInt32) {
        hot.pointee.pkt = packets
        Decoder.decode(bytes, linkType: linkType, into: &packets.pointee)
        processDecoded(bytes: bytes, timestamp: timestamp, wireLength: wireLength, linkType: linkType)
    }

    /// Runs `count` (≤ `batchSize`) packets through the pipeline, with the same results as `process` on each in
    /// turn. Faster: all are decoded first and the flow-table memory of each packet that starts a new run of its
    /// flow is prefetched, so the cache misses of a batch overlap instead of stalling one after the other.
    public func processBatch(_ records: UnsafePointer<PacketRecord>, count: Int) {
        precondition(count <= Inspector.batchSize)
        // 1. Decode; start loading the index cell of each plain packet whose flow differs from the packet before.
        var prevKey = hot.pointee.recentKey.0
        var havePrev = hot.pointee.recentSlot.0 >= 0
        for i in 0..<count {
            let p = packets + i
            Decoder.decode(records[i].bytes, linkType: records[i].linkType, into: &p.pointee)
            batchHashes[i] = 0
            guard p.pointee.status == .decoded && p.pointee.tunnelDepth == 0 && !p.pointee.isFragment else { continue }
            let key = flowKey(p.pointee.tuple, layer: 0, packet: p).key
            if !havePrev || !(key == prevKey) {
                let h = key.hash64
                batchHashes[i] = h
                table.prefetchIndex(hash: h)
            }
            prevKey = key; havePrev = true
        }
        // 2. Start loading the flow entries those index cells point at (the extras are read only for marked flows,
        // see `attend`: not prefetched).
        for i in 0..<count where batchHashes[i] != 0 { _ = table.prefetchEntry(hash: batchHashes[i]) }
        // 3. The pipeline proper, packet by packet.
        for i in 0..<count {
            hot.pointee.pkt = packets + i
            let r = records[i]
            processDecoded(bytes: r.bytes, timestamp: r.timestampNanoseconds, wireLength: r.wireLength, linkType: r.linkType)
        }
        hot.pointee.pkt = packets
    }

    /// The pipeline after decoding, for the packet `hot.pointee.pkt` (decoded from `bytes`).
    @inline(__always)
    func processDecoded(bytes: UnsafeRawBufferPointer, timestamp: Int64, wireLength: UInt32, linkType: UInt32) {
        if pendingFlag.load(ordering: .relaxed) != 0 { adoptPendingPolicy() }
        hot.pointee.counters.packets &+= 1
        hot.pointee.counters.bytes &+= UInt64(wireLength)
        if hot.pointee.counters.packets == 1 { hot.pointee.counters.firstTimestamp = timestamp }
        if timestamp > hot.pointee.counters.lastTimestamp { hot.pointee.counters.lastTimestamp = timestamp }
        if timestamp > hot.pointee.now { hot.pointee.now = timestamp }
        if hot.pointee.now >= hot.pointee.nextExpiry { expire(now: hot.pointee.now) }

        hot.pointee.pkt.pointee.wireLength = wireLength
        switch hot.pointee.pkt.pointee.status {
        case .skipped:
            hot.pointee.counters.skipped &+= 1
            hot.pointee.counters.skippedBy[Int(hot.pointee.pkt.pointee.event.rawValue)] &+= 1
            return
        case .malformed:
            hot.pointee.counters.malformed &+= 1
            hot.pointee.counters.malformedBy[Int(hot.pointee.pkt.pointee.event.rawValue)] &+= 1
            return
        case .decoded:
            break
        }
        hot.pointee.counters.decoded &+= 1
        if hot.pointee.pkt.pointee.anomaly != .none { hot.pointee.counters.anomaliesBy[Int(hot.pointee.pkt.pointee.anomaly.rawValue)] &+= 1 }
        if hot.pointee.pkt.pointee.vlanCount > 0 { hot.pointee.counters.vlanTagged &+= 1 }
        if hot.pointee.pkt.pointee.tuple.src.isIPv4 { hot.pointee.counters.ipv4 &+= 1 } else { hot.pointee.counters.ipv6 &+= 1 }
        switch hot.pointee.pkt.pointee.tuple.proto {
        case IPProto.tcp: hot.pointee.counters.tcp &+= 1
        case IPProto.udp: hot.pointee.counters.udp &+= 1
        case IPProto.icmp: hot.pointee.counters.icmp &+= 1
        case IPProto.icmpv6: hot.pointee.counters.icmpv6 &+= 1
        default: hot.pointee.counters.otherProto &+= 1
        }
        hot.pointee.evidenceWritten = false

        if hot.pointee.pkt.pointee.tunnelDepth > 0 {
            hot.pointee.counters.tunnelled &+= 1
            if configuration.checkOuterFlows {
                track(hot.pointee.pkt.pointee.outer, layer: 0, tcpFlags: 0, bytes: bytes, timestamp: timestamp, linkType: linkType, inner: false)
            }
        }
        var tuple = hot.pointee.pkt.pointee.tuple
        if hot.pointee.pkt.pointee.isFragment {
            hot.pointee.counters.fragments &+= 1
            let result = defrag.feed(hot.pointee.pkt.pointee, timestampNanoseconds: timestamp)
            if result.event != .none {
                hot.pointee.counters.anomaliesBy[Int(result.event.rawValue)] &+= 1
                if let kind = FindingKind.from(result.event) { raisePacketFinding(kind, tuple: result.tuple, timestamp: timestamp) }
            }
            guard result.status == .classified else { return }   // no ports yet: accounted when the first fragment comes
            tuple = result.tuple
            let slot = track(tuple, layer: hot.pointee.pkt.pointee.tunnelDepth > 0 ? 1 : 0, tcpFlags: hot.pointee.pkt.pointee.tcpFlags, bytes: bytes,
                             timestamp: timestamp, linkType: linkType, inner: hot.pointee.pkt.pointee.tunnelDepth > 0)
            // Fragments that came before the first one are accounted to the flow now.
            if result.heldPackets > 0 {
                let senderIsA = FlowKey.canonical(src: tuple.src, dst: tuple.dst, srcPort: tuple.srcPort, dstPort: tuple.dstPort, proto: tuple.proto).srcIsA
                table.addHeld(slot, senderIsA: senderIsA, packets: UInt64(result.heldPackets), bytes: result.heldBytes)
            }
            return
        }
        track(tuple, layer: hot.pointee.pkt.pointee.tunnelDepth > 0 ? 1 : 0, tcpFlags: hot.pointee.pkt.pointee.tcpFlags, bytes: bytes, timestamp: timestamp, linkType: linkType, inner: hot.pointee.pkt.pointee.tunnelDepth > 0)
    }

    /// The flow key of tuple `t` seen in `packet` (VLAN tags from it), which end sent it, and whether it is an ICMP reply.
    @inline(__always)
    func flowKey(_ t: FlowTuple, layer: UInt8, packet: UnsafeMutablePointer<DecodedPacket>) -> (key: FlowKey, senderIsA: Bool, isReply: Bool) {
        var sport = t.srcPort, dport = t.dstPort
        var isReply = false
        let isICMP = t.proto == IPProto.icmp || t.proto == IPProto.icmpv6
        if isICMP {
            let n = ICMPPairing.normalize(proto: t.proto, type: UInt8(truncatingIfNeeded: t.srcPort))
            sport = UInt16(n.keyType); isReply = n.isReply
            dport = t.dstPort
        }
        let v0: UInt16 = configuration.vlanInFlowKey && packet.pointee.vlanCount > 0 ? packet.pointee.vlan0 : 0
        let v1: UInt16 = configuration.vlanInFlowKey && packet.pointee.vlanCount > 1 ? packet.pointee.vlan1 : 0
        // ICMP: both "ports" hold the request type of the pair, so requests and replies share one key.
        let (key, senderIsA) = FlowKey.canonical(src: t.src, dst: t.dst, srcPort: sport,
                                                 dstPort: isICMP ? sport : dport, proto: t.proto, vlan0: v0, vlan1: v1, layer: layer)
        return (key, senderIsA, isReply)
    }

    /// Finds or creates the flow of `t` and accounts the packet to it.
    @inline(__always) @discardableResult
    func track(_ t: FlowTuple, layer: UInt8, tcpFlags: UInt8, bytes: UnsafeRawBufferPointer, timestamp: Int64, linkType: UInt32, inner: Bool) -> Int32 {
        let (key, senderIsA, isReply) = flowKey(t, layer: layer, packet: hot.pointee.pkt)
        var slot: Int32
        let recent = layer == 0 ? hot.pointee.recentSlot.0 : hot.pointee.recentSlot.1
        if recent >= 0 && (layer == 0 ? hot.pointee.recentKey.0 == key : hot.pointee.recentKey.1 == key) {
            slot = recent
        } else {
            let hash = key.hash64
            slot = table.lookup(key, hash: hash)
            if slot < 0 {
                slot = createFlow(key, hash: hash, t: t, tcpFlags: tcpFlags, senderIsA: senderIsA, isReply: isReply, inner: inner, timestamp: timestamp)
            }
            if layer == 0 { hot.pointee.recentKey.0 = key; hot.pointee.recentSlot.0 = slot }
            else { hot.pointee.recentKey.1 = key; hot.pointee.recentSlot.1 = slot }
        }
        table.update(slot, now: timestamp, senderIsA: senderIsA, bytes: hot.pointee.pkt.pointee.wireLength, tcpFlags: tcpFlags)
        // Most flows need nothing more; the entry's mark says which do, so the extras stay out of the cache.
        if table.entries[Int(slot)].mark != 0 {
            attend(slot, t: t, layer: layer, senderIsA: senderIsA, bytes: bytes, timestamp: timestamp, linkType: linkType)
        }
        return slot
    }

    /// Entry mark bits: MAC pinning not yet checked both ways (`FlowExtra.macChecked` ≠ 3), and evidence packets
    /// to write (a violation raised, `evidenceLeft` > 0).
    static let markMACPending: UInt8 = 1
    static let markEvidence: UInt8 = 2

    /// The per-packet work of a marked flow: MAC pinning checks and evidence packets.
    func attend(_ slot: Int32, t: FlowTuple, layer: UInt8, senderIsA: Bool, bytes: UnsafeRawBufferPointer, timestamp: Int64, linkType: UInt32) {
        let x = extras + Int(slot)
        let e = table.entries + Int(slot)
        // Without MAC pins in the current policy there is nothing to check until a policy with pins is adopted
        // (which marks every open flow again).
        if !hot.pointee.hasMACPins { e.pointee.mark &= ~Inspector.markMACPending }
        if hot.pointee.hasMACPins && x.pointee.macChecked != 3 && hot.pointee.pkt.pointee.srcMAC.value != 0 && layer == 0 {
            let toServer = senderIsA == e.pointee.initiatorIsA
            let bit: UInt8 = toServer ? 1 : 2
            if x.pointee.macChecked & bit == 0 {
                x.pointee.macChecked |= bit
                if x.pointee.macChecked == 3 { e.pointee.mark &= ~Inspector.markMACPending }
                checkMAC(slot: slot, sender: t.src, mac: hot.pointee.pkt.pointee.srcMAC, timestamp: timestamp)
            }
        }
        if x.pointee.raised & hot.pointee.violationMask != 0 && x.pointee.evidenceLeft > 0 && !hot.pointee.evidenceWritten {
            x.pointee.evidenceLeft -= 1
            if x.pointee.evidenceLeft == 0 { e.pointee.mark &= ~Inspector.markEvidence }
            hot.pointee.evidenceWritten = true
            sink.evidence(flowID: e.pointee.flowID, timestamp: timestamp, linkType: linkType, wireLength: hot.pointee.pkt.pointee.wireLength, bytes: bytes)
        }
    }

    func createFlow(_ key: FlowKey, hash: UInt64, t: FlowTuple, tcpFlags: UInt8, senderIsA: Bool, isReply: Bool, inner: Bool, timestamp: Int64) -> Int32 {
        if table.isFull {
            let victim = table.oldest()
            hot.pointee.counters.flowsEvicted &+= 1
            endFlow(victim, reason: .evicted)
        }
        let (senderIsInitiator, method) = InitiatorRule.decide(proto: t.proto, tcpFlags: tcpFlags, srcPort: t.srcPort, dstPort: t.dstPort, isReply: isReply)
        let initiatorIsA = senderIsInitiator == senderIsA
        let slot = table.insert(key, hash: hash, now: timestamp, initiatorIsA: initiatorIsA, method: method)
        hot.pointee.counters.flows &+= 1
        hot.pointee.flowsInGeneration += 1
        if inner { hot.pointee.counters.tunnelInnerFlows &+= 1 }

        // The verdict: once per flow, with the initiator as source.
        let cSrc = senderIsInitiator ? t.src : t.dst
        let cDst = senderIsInitiator ? t.dst : t.src
        let isICMP = t.proto == IPProto.icmp || t.proto == IPProto.icmpv6
        let icmpType = isICMP ? UInt8(truncatingIfNeeded: key.aPort) : 0
        let icmpCode = isICMP ? UInt8(truncatingIfNeeded: t.dstPort) : 0
        let cSport: UInt16 = isICMP ? UInt16(icmpType) : (senderIsInitiator ? t.srcPort : t.dstPort)
        let cDport: UInt16 = isICMP ? UInt16(icmpCode) : (senderIsInitiator ? t.dstPort : t.srcPort)
        let decision = policy.classify(src: cSrc, dst: cDst, proto: t.proto, srcPort: cSport, dstPort: cDport)

        extras.advanced(by: Int(slot)).initialize(to: FlowExtra(
            decision: decision, generation: hot.pointee.generation, fileIndex: hot.pointee.fileIndex, raised: 0,
            evidenceLeft: configuration.evidencePacketsPerFlow, macChecked: 0,
            tunnelDepth: inner ? hot.pointee.pkt.pointee.tunnelDepth : 0, tunnelKind: inner ? hot.pointee.pkt.pointee.tunnelKind.rawValue : 0,
            vlanCount: hot.pointee.pkt.pointee.vlanCount, icmpType: icmpType, icmpCode: icmpCode, firstSenderIsA: senderIsA,
            vlan0: hot.pointee.pkt.pointee.vlan0, vlan1: hot.pointee.pkt.pointee.vlan1,
            firstSrcMAC: hot.pointee.pkt.pointee.srcMAC.value, firstDstMAC: hot.pointee.pkt.pointee.dstMAC.value))
        if inner { (outers + Int(slot)).initialize(to: hot.pointee.pkt.pointee.outer) }
        table.entries[Int(slot)].mark = hot.pointee.hasMACPins ? Inspector.markMACPending : 0
        if let kind = FindingKind.from(decision.verdict) {
            raise(kind, slot: slot, timestamp: timestamp, detail: nil)
        }
        return slot
    }

    /// 通信経路の限定: a pinned host group's address must send from one of its MACs.
    /// MAC pins are a check on senders, not part of a flow's verdict: they come from the current policy, so pins added
    /// by a reload apply to flows already open (which `adoptPendingPolicy` marks for a check).
    func checkMAC(slot: Int32, sender: IPAddress, mac: MACAddress, timestamp: Int64) {
        let host = policy.hostIndex(of: sender)
        guard host >= 0, !policy.macAllowed(hostIndex: host, mac: mac) else { return }
        let group = policy.policy.hosts[Int(host)]
        let allowed = group.macs.map(\.description).joined(separator: ", ")
        raise(.macNotAllowed, slot: slot, timestamp: timestamp,
              detail: "\(sender) (\(group.name)) sent from \(mac), allowed: \(allowed)",
              detailJA: "\(sender) (\(group.name)) が許可されていない MAC アドレス \(mac) から送信 (許可: \(allowed))")
    }

    /// The policy model that classified the flow in `slot` (without copying the compiled policy around it).
    @inline(__always) func policyModel(for slot: Int32) -> Policy {
        let g = extras[Int(slot)].generation
        if g == hot.pointee.generation { return policy.policy }
        return (policies[g] ?? policy).policy
    }

    @inline(__always) func policy(for slot: Int32) -> CompiledPolicy {
        let g = extras[Int(slot)].generation
        return g == hot.pointee.generation ? policy : (policies[g] ?? policy)
    }

    func raise(_ kind: FindingKind, slot: Int32, timestamp: Int64, detail: String?, detailJA: String? = nil) {
        let bit = UInt16(1) << UInt16(kind.rawValue)
        let x = extras + Int(slot)
        guard x.pointee.raised & bit == 0 else { return }
        let wasViolating = x.pointee.raised & FindingKind.violationMask != 0
        x.pointee.raised |= bit
        if x.pointee.raised & hot.pointee.violationMask != 0 && x.pointee.evidenceLeft > 0 { table.entries[Int(slot)].mark |= Inspector.markEvidence }
        hot.pointee.counters.findingsBy[Int(kind.rawValue)] &+= 1
        if kind.isViolation && !wasViolating { hot.pointee.counters.violatingFlows &+= 1 }
        sink.finding(Finding(kind: kind, timestamp: timestamp, flow: info(slot, reason: .shutdown), detail: detail, detailJA: detailJA))
    }

    /// Fragment evasion: a finding about a packet, attached to the flow its tuple names (ports may be unknown).
    func raisePacketFinding(_ kind: FindingKind, tuple: FlowTuple, timestamp: Int64) {
        hot.pointee.counters.findingsBy[Int(kind.rawValue)] &+= 1
        var f = FlowInfo(policy: policy.policy)
        f.src = tuple.src; f.dst = tuple.dst; f.srcPort = tuple.srcPort; f.dstPort = tuple.dstPort; f.proto = tuple.proto
        f.start = timestamp; f.end = timestamp
        f.vlan0 = hot.pointee.pkt.pointee.vlan0; f.vlan1 = hot.pointee.pkt.pointee.vlan1; f.vlanCount = hot.pointee.pkt.pointee.vlanCount
        if hot.pointee.pkt.pointee.srcMAC.value != 0 || hot.pointee.pkt.pointee.dstMAC.value != 0 { f.srcMAC = hot.pointee.pkt.pointee.srcMAC; f.dstMAC = hot.pointee.pkt.pointee.dstMAC; f.hasMACs = true }
        f.decision = policy.classify(src: tuple.src, dst: tuple.dst, proto: tuple.proto, srcPort: tuple.srcPort, dstPort: tuple.dstPort)
        f.tunnelDepth = hot.pointee.pkt.pointee.tunnelDepth
        if hot.pointee.pkt.pointee.tunnelDepth > 0 { f.outer = hot.pointee.pkt.pointee.outer }
        f.alerted = true
        let (key, _) = FlowKey.canonical(src: tuple.src, dst: tuple.dst, srcPort: 0, dstPort: 0, proto: tuple.proto)
        f.flowID = (key.hash64 ^ (UInt64(hot.pointee.pkt.pointee.ipIdentification) &* 0x9E37_79B9_7F4A_7C15)) & 0x7FFF_FFFF_FFFF_FFFF
        if hot.pointee.fileIndex >= 0 { f.captureFile = files[Int(hot.pointee.fileIndex)] }
        let what = kind == .fragmentOverlap ? "overlapping fragments" : "tiny fragment"
        let whatJA = kind == .fragmentOverlap ? "重なり合う IP フラグメント" : "極端に小さい IP フラグメント"
        let id = hot.pointee.pkt.pointee.ipIdentification
        sink.finding(Finding(kind: kind, timestamp: timestamp, flow: f,
                             detail: "\(what) \(tuple.src) → \(tuple.dst) id \(id)",
                             detailJA: "\(whatJA) \(tuple.src) → \(tuple.dst) (ID \(id))"))
    }

    /// Everything the events say about the flow in `slot`.
    func info(_ slot: Int32, reason: FlowEndReason) -> FlowInfo {
        let e = table.entries[Int(slot)]
        let x = extras[Int(slot)]
        var f = FlowInfo(policy: policyModel(for: slot))
        f.flowID = e.flowID
        let c = e.client, s = e.server
        f.src = c.ip; f.dst = s.ip
        if e.key.proto == IPProto.icmp || e.key.proto == IPProto.icmpv6 {
            f.srcPort = UInt16(x.icmpType); f.dstPort = UInt16(x.icmpCode)
        } else {
            f.srcPort = c.port; f.dstPort = s.port
        }
        f.proto = e.key.proto
        f.vlan0 = x.vlan0; f.vlan1 = x.vlan1; f.vlanCount = x.vlanCount
        if x.firstSrcMAC != 0 || x.firstDstMAC != 0 {
            // Stored as sender → receiver of the first packet; report as initiator → responder.
            let firstSenderIsInitiator = x.firstSenderIsA == e.initiatorIsA
            f.srcMAC = MACAddress(firstSenderIsInitiator ? x.firstSrcMAC : x.firstDstMAC)
            f.dstMAC = MACAddress(firstSenderIsInitiator ? x.firstDstMAC : x.firstSrcMAC)
            f.hasMACs = true
        }
        f.start = e.start; f.end = e.last
        f.pktsToServer = e.pktsToServer; f.pktsToClient = e.pktsToClient
        f.bytesToServer = e.bytesToServer; f.bytesToClient = e.bytesToClient
        f.state = e.state; f.endReason = reason
        f.initiator = e.initiatorMethod
        f.decision = x.decision
        f.tunnelDepth = x.tunnelDepth
        f.tunnelKind = Self.tunnelName(x.tunnelKind)
        if x.tunnelDepth > 0 { f.outer = outers[Int(slot)] }
        f.alerted = x.raised != 0
        if x.fileIndex >= 0 && Int(x.fileIndex) < files.count { f.captureFile = files[Int(x.fileIndex)] }
        return f
    }

    static func tunnelName(_ raw: UInt8) -> String {
        switch TunnelKind(rawValue: raw) {
        case .ipInIP: return "ip-in-ip"
        case .gre: return "gre"
        case .vxlan: return "vxlan"
        default: return ""
        }
    }

    /// Reports the flow in `slot` ended and takes it out of the table (`draining`: out of its LRU list only; the
    /// caller empties the table afterwards).
    func endFlow(_ slot: Int32, reason: FlowEndReason, draining: Bool = false) {
        if hot.pointee.recentSlot.0 == slot { hot.pointee.recentSlot.0 = -1 }
        if hot.pointee.recentSlot.1 == slot { hot.pointee.recentSlot.1 = -1 }
        if sinkWantsFlowRecords {
            sink.flowEnded(info(slot, reason: reason))
        } else {
            let x = extras + Int(slot)
            sink.flowEndedBrief(FlowBrief(flowID: table.entries[Int(slot)].flowID, decision: x.pointee.decision, alerted: x.pointee.raised != 0))
        }
        let g = extras[Int(slot)].generation
        if g == hot.pointee.generation { hot.pointee.flowsInGeneration -= 1 } else { flowsByGeneration[g, default: 1] -= 1 }
        if draining { table.drainOne(slot) } else { table.remove(slot) }
    }

    /// Ends flows idle past their timeout at packet time `now` (the monitor also calls this on a quiet feed).
    public func expire(now: Int64) {
        while true {
            let s = table.expired(now: now)
            if s < 0 { break }
            hot.pointee.counters.flowsTimedOut &+= 1
            endFlow(s, reason: .timeout)
        }
        defrag.expire(now: now)
        hot.pointee.nextExpiry = now + 1_000_000_000
    }

    /// A copy of the hot.pointee.counters with the open flows filled in (for periodic stats).
    public func snapshot() -> InspectionCounters {
        var c = hot.pointee.counters
        c.flowsActive = UInt64(table.count)
        c.reassembled = defrag.counters.datagramsCompleted
        return c
    }

    /// Ends every open flow (reason `shutdown`), emits the final stats and flushes the sink.
    public func finish() {
        defrag.expire(now: .max)
        hot.pointee.counters.reassembled = defrag.counters.datagramsCompleted
        hot.pointee.counters.fragmentsPending = defrag.counters.heldFragmentsNeverClassified
        // Oldest first, as expiry would. The lists are walked slot to slot in no memory order, so the entries two
        // steps ahead are prefetched; the index is not kept up to date on the way and is emptied at the end.
        while true {
            let s = table.oldest()
            if s < 0 { break }
            let n1 = table.lruNext(s)
            if n1 >= 0 {
                let n2 = table.lruNext(n1)
                if n2 >= 0 {
                    table.prefetch(slot: n2)
                    segcheck_prefetch(extras + Int(n2))
                }
            }
            hot.pointee.counters.flowsEndedAtShutdown &+= 1
            endFlow(s, reason: .shutdown, draining: true)
        }
        table.removeAll()
        hot.pointee.counters.flowsActive = 0
        sink.stats(hot.pointee.counters, at: hot.pointee.counters.lastTimestamp, final: true)
        sink.flush()
    }
}
