// Flows: a fixed-capacity bidirectional flow table — open addressing over flat preallocated storage, timeouts on packet time, LRU eviction.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPrefetch
import Wire

/// Idle timeouts in nanoseconds of packet time, by flow state (defaults follow Suricata's `flow-timeouts`).
public struct FlowTimeouts: Sendable, Equatable {
    public var tcpNew: Int64 = 60 * 1_000_000_000
    public var tcpEstablished: Int64 = 600 * 1_000_000_000
    public var tcpClosed: Int64 = 60 * 1_000_000_000
    /// UDP, ICMP and other protocols, before a reply is seen.
    public var new: Int64 = 30 * 1_000_000_000
    /// UDP, ICMP and other protocols, once both directions have been seen.
    public var established: Int64 = 300 * 1_000_000_000
    public init() {}

    /// All timeouts scaled from seconds, for configuration.
    public init(tcpNew: Double, tcpEstablished: Double, tcpClosed: Double, new: Double, established: Double) {
        func ns(_ s: Double) -> Int64 { Int64(s * 1e9) }
        self.tcpNew = ns(tcpNew); self.tcpEstablished = ns(tcpEstablished); self.tcpClosed = ns(tcpClosed)
        self.new = ns(new); self.established = ns(established)
    }

    @inlinable func value(_ c: FlowState) -> Int64 {
        switch c {
        case .tcpNew: return tcpNew
        case .tcpEstablished: return tcpEstablished
        case .tcpClosed: return tcpClosed
        case .new: return new
        case .established: return established
        }
    }
}

/// The state of a flow, which also selects its timeout. Each state keeps its own LRU list.
public enum FlowState: UInt8, Sendable, CaseIterable {
    case tcpNew = 0, tcpEstablished, tcpClosed, new, established
    public var eveName: String {
        switch self {
        case .tcpNew, .new: return "new"
        case .tcpEstablished, .established: return "established"
        case .tcpClosed: return "closed"
        }
    }
}

/// One flow. Plain value, no references; lives in the table's flat storage and is addressed by slot.
public struct FlowEntry: Sendable {
    public var key: FlowKey
    /// Positive, non-zero 63-bit id (EVE `flow_id`), derived from the key and the start time.
    public var flowID: UInt64
    /// Packet time in nanoseconds since the epoch.
    public var start: Int64
    public var last: Int64
    /// When the flow was last moved to the tail of its LRU list (lists are re-ordered at most once per
    /// `FlowTable.relinkInterval` per flow, so most packets touch only their own entry).
    @usableFromInline var listTime: Int64
    public var pktsToServer: UInt64
    public var pktsToClient: UInt64
    public var bytesToServer: UInt64
    public var bytesToClient: UInt64
    /// LRU links within the list of `state` (slot numbers, -1 = none); `next` also links the free list.
    @usableFromInline var prev: Int32
    @usableFromInline var next: Int32
    public var state: FlowState
    /// True when the initiator is `key.a`.
    public var initiatorIsA: Bool
    public var initiatorMethod: InitiatorMethod
    /// TCP bits seen: 1 FIN to server, 2 FIN to client, 4 RST, 8 SYN.
    public var tcpSeen: UInt8
    /// A byte for the table's user, 0 on insert (the inspector keeps its "look at this flow's packets" bits here,
    /// in a line each packet touches anyway). Fits in the entry's padding.
    public var mark: UInt8

    @inlinable
    init(key: FlowKey, flowID: UInt64, start: Int64, state: FlowState, initiatorIsA: Bool, initiatorMethod: InitiatorMethod) {
        self.key = key; self.flowID = flowID; self.start = start; self.last = start; self.listTime = start
        pktsToServer = 0; pktsToClient = 0; bytesToServer = 0; bytesToClient = 0
        prev = -1; next = -1; self.state = state; self.initiatorIsA = initiatorIsA; self.initiatorMethod = initiatorMethod; tcpSeen = 0
        mark = 0
    }

    /// The initiator's (client's) address and port, and the responder's.
    public var client: (ip: IPAddress, port: UInt16) { initiatorIsA ? (key.a, key.aPort) : (key.b, key.bPort) }
    public var server: (ip: IPAddress, port: UInt16) { initiatorIsA ? (key.b, key.bPort) : (key.a, key.aPort) }
}

/// Why a flow left the table (EVE `flow.reason`).
public enum FlowEndReason: UInt8, Sendable {
    case timeout, evicted, shutdown
    public var eveName: String {
        switch self {
        case .timeout: return "timeout"
        case .evicted: return "forced"
        case .shutdown: return "shutdown"
        }
    }
}

/// The mutable bookkeeping of a `FlowTable`, kept behind a pointer so the hot path does no dynamic exclusivity checks.
@usableFromInline struct FlowTableState {
    @usableFromInline var index: UnsafeMutablePointer<UInt64>
    @usableFromInline var indexMask: Int
    var indexBuffer: LargeBuffer
    @usableFromInline var freeHead: Int32 = -1
    @usableFromInline var highWater: Int32 = 0
    @usableFromInline var liveCount: Int = 0
    @usableFromInline var createdCount: UInt64 = 0
    /// LRU list heads and tails, five of each (one per `FlowState`).
    @usableFromInline var heads: (Int32, Int32, Int32, Int32, Int32) = (-1, -1, -1, -1, -1)
    @usableFromInline var tails: (Int32, Int32, Int32, Int32, Int32) = (-1, -1, -1, -1, -1)
    init(indexBuffer: LargeBuffer, indexMask: Int) {
        self.indexBuffer = indexBuffer
        self.index = indexBuffer.pointer.bindMemory(to: UInt64.self, capacity: indexMask + 1)
        self.indexMask = indexMask
    }
}

/// A bidirectional flow table with a fixed capacity chosen up front.
///
/// Storage is one flat array of `FlowEntry` plus an open-addressing index of 64-bit cells
/// (`tag << 32 | slot + 1`, tag = high half of the key hash). The entry array is allocated once for the whole
/// capacity (the OS only backs the pages flows touch); the index starts small and doubles while the live flows
/// exceed half of it, up to twice the capacity, so a table with few flows stays in cache. Nothing is allocated per
/// packet. Each `FlowState` keeps a doubly linked LRU list ordered by last packet time, so expiry only looks at list
/// heads and eviction under a flood takes the flow idle the longest.
///
/// The table does not emit anything: callers drive it (`lookup`, `insert`, `update`, `expired`, `oldest`, `remove`)
/// and keep per-flow data of their own in arrays indexed by slot.
public final class FlowTable {
    public let capacity: Int
    public let timeouts: FlowTimeouts
    /// Packet-time granularity of the LRU order (and so of timeouts and eviction): 1 s.
    public static let relinkInterval: Int64 = 1_000_000_000
    public let entries: UnsafeMutablePointer<FlowEntry>
    let entriesBuffer: LargeBuffer
    @usableFromInline let st: UnsafeMutablePointer<FlowTableState>
    @usableFromInline let maxIndexCells: Int

    /// Flows in the table now.
    public var count: Int { st.pointee.liveCount }
    /// Total flows ever inserted.
    public var created: UInt64 { st.pointee.createdCount }
    /// Bytes of index in use now (for memory reports).
    public var indexBytes: Int { (st.pointee.indexMask + 1) * 8 }

    /// `capacity` flows at most (≥ 1). Memory: about `capacity × MemoryLayout<FlowEntry>.stride` bytes reserved
    /// (touched as flows arrive) plus an index of 16 bytes per flow at most.
    public init(capacity: Int, timeouts: FlowTimeouts = FlowTimeouts()) {
        precondition(capacity >= 1 && capacity < Int(Int32.max) / 2)
        self.capacity = capacity
        self.timeouts = timeouts
        // Huge-page backed and 64-byte aligned: an entry spans exactly two cache lines.
        entriesBuffer = LargeBuffer(byteCount: capacity * MemoryLayout<FlowEntry>.stride)
        entries = entriesBuffer.pointer.bindMemory(to: FlowEntry.self, capacity: capacity)
        var maxCells = 16
        while maxCells < capacity * 2 { maxCells <<= 1 }
        maxIndexCells = maxCells
        let cells = min(maxCells, 1 << 14)
        st = UnsafeMutablePointer<FlowTableState>.allocate(capacity: 1)
        st.initialize(to: FlowTableState(indexBuffer: LargeBuffer(byteCount: cells * MemoryLayout<UInt64>.stride), indexMask: cells - 1))
    }

    deinit {
        entriesBuffer.release()
        st.pointee.indexBuffer.release()
        st.deinitialize(count: 1)
        st.deallocate()
    }

    public var isFull: Bool { st.pointee.liveCount >= capacity }

    /// Doubles the index and re-inserts every live cell (amortised: a handful of times over a run).
    @usableFromInline func growIndex() {
        let oldMask = st.pointee.indexMask
        let old = st.pointee.index
        let cells = (oldMask + 1) * 2
        let mask = cells - 1
        let buffer = LargeBuffer(byteCount: cells * MemoryLayout<UInt64>.stride)
        let index = buffer.pointer.bindMemory(to: UInt64.self, capacity: cells)
        for i in 0...oldMask {
            let cell = old[i]
            if cell == 0 { continue }
            var j = Int(truncatingIfNeeded: cell >> 32) & mask
            while index[j] != 0 { j = (j + 1) & mask }
            index[j] = cell
        }
        st.pointee.indexBuffer.release()
        st.pointee.indexBuffer = buffer
        st.pointee.index = index
        st.pointee.indexMask = mask
    }

    /// The slot holding `key`, or -1.
    @inlinable
    public func lookup(_ key: FlowKey, hash: UInt64) -> Int32 {
        let tag = hash >> 32
        let index = st.pointee.index, mask = st.pointee.indexMask
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let cell = index[i]
            if cell == 0 { return -1 }
            if cell >> 32 == tag {
                let slot = Int32(truncatingIfNeeded: cell & 0xFFFF_FFFF) - 1
                if entries[Int(slot)].key == key { return slot }
            }
            i = (i + 1) & mask
        }
    }

    /// Starts loading the index cell where a lookup of `hash` begins (a hint: no effect on results).
    @inlinable @inline(__always)
    public func prefetchIndex(hash: UInt64) {
        segcheck_prefetch(st.pointee.index + (Int(truncatingIfNeeded: hash >> 32) & st.pointee.indexMask))
    }

    /// Starts loading the entry a lookup of `hash` will most likely compare (the first index cell with the hash's
    /// tag, read from the index: call `prefetchIndex` well before) and returns its slot, or -1 (no such cell there).
    /// A hint only: the slot may not hold the key, and the table may change before the lookup.
    @inlinable @inline(__always)
    public func prefetchEntry(hash: UInt64) -> Int32 {
        let tag = hash >> 32
        let cell = st.pointee.index[Int(truncatingIfNeeded: tag) & st.pointee.indexMask]
        guard cell >> 32 == tag, cell != 0 else { return -1 }
        let slot = Int32(truncatingIfNeeded: cell & 0xFFFF_FFFF) - 1
        prefetch(slot: slot)
        return slot
    }

    /// Starts loading the entry in `slot` (a hint).
    @inlinable @inline(__always)
    public func prefetch(slot: Int32) {
        // Entries are 128 bytes at 64-byte aligned addresses: two lines.
        let e = UnsafeRawPointer(entries + Int(slot))
        segcheck_prefetch(e)
        segcheck_prefetch(e + 64)
    }

    /// The flow after `slot` in its LRU list, or -1.
    @inlinable public func lruNext(_ slot: Int32) -> Int32 { entries[Int(slot)].next }

    /// Inserts a new flow (the key must not be present and the table must not be full) and returns its slot.
    @inlinable
    public func insert(_ key: FlowKey, hash: UInt64, now: Int64, initiatorIsA: Bool, method: InitiatorMethod) -> Int32 {
        precondition(st.pointee.liveCount < capacity, "FlowTable.insert on a full table")
        if (st.pointee.liveCount + 1) * 2 > st.pointee.indexMask + 1 && st.pointee.indexMask + 1 < maxIndexCells { growIndex() }
        let slot: Int32
        if st.pointee.freeHead >= 0 {
            slot = st.pointee.freeHead
            st.pointee.freeHead = entries[Int(slot)].next
        } else {
            slot = st.pointee.highWater
            st.pointee.highWater += 1
        }
        let state: FlowState = key.proto == IPProto.tcp ? .tcpNew : .new
        var id = (hash ^ UInt64(bitPattern: now) &* 0x9E37_79B9_7F4A_7C15) & 0x7FFF_FFFF_FFFF_FFFF
        if id == 0 { id = 1 }
        (entries + Int(slot)).initialize(to: FlowEntry(key: key, flowID: id, start: now, state: state,
                                                       initiatorIsA: initiatorIsA, initiatorMethod: method))
        let tag = hash >> 32
        let index = st.pointee.index, mask = st.pointee.indexMask
        var i = Int(truncatingIfNeeded: tag) & mask
        while index[i] != 0 { i = (i + 1) & mask }
        index[i] = tag << 32 | UInt64(UInt32(slot) + 1)
        append(slot, to: state)
        st.pointee.liveCount += 1
        st.pointee.createdCount &+= 1
        return slot
    }

    /// Accounts one packet to the flow in `slot`: counters, TCP state, LRU position.
    @inlinable
    public func update(_ slot: Int32, now: Int64, senderIsA: Bool, bytes: UInt32, tcpFlags: UInt8) {
        let e = entries + Int(slot)
        let toServer = senderIsA == e.pointee.initiatorIsA
        if toServer {
            e.pointee.pktsToServer &+= 1; e.pointee.bytesToServer &+= UInt64(bytes)
        } else {
            e.pointee.pktsToClient &+= 1; e.pointee.bytesToClient &+= UInt64(bytes)
        }
        if now > e.pointee.last { e.pointee.last = now }
        var newState = e.pointee.state
        if e.pointee.key.proto == IPProto.tcp {
            var seen = e.pointee.tcpSeen
            if tcpFlags & 0x01 != 0 { seen |= toServer ? 1 : 2 }
            if tcpFlags & 0x04 != 0 { seen |= 4 }
            if tcpFlags & 0x02 != 0 { seen |= 8 }
            e.pointee.tcpSeen = seen
            if seen & 4 != 0 || seen & 3 == 3 { newState = .tcpClosed }
            else if newState == .tcpNew && e.pointee.pktsToServer > 0 && e.pointee.pktsToClient > 0 { newState = .tcpEstablished }
        } else if newState == .new && e.pointee.pktsToServer > 0 && e.pointee.pktsToClient > 0 {
            newState = .established
        }
        // Move to the tail of its (possibly new) list, at most once per relink interval: each list stays ordered by
        // listTime, and `last` - listTime < relinkInterval, so expiry and eviction are off by less than that.
        if newState != e.pointee.state || now - e.pointee.listTime >= FlowTable.relinkInterval {
            unlink(slot, from: e.pointee.state)
            e.pointee.state = newState
            e.pointee.listTime = now > e.pointee.listTime ? now : e.pointee.listTime
            append(slot, to: newState)
        }
    }

    /// Adds packets seen earlier but only now attributed to the flow (fragments held until the first one came).
    public func addHeld(_ slot: Int32, senderIsA: Bool, packets: UInt64, bytes: UInt64) {
        let e = entries + Int(slot)
        if senderIsA == e.pointee.initiatorIsA {
            e.pointee.pktsToServer &+= packets; e.pointee.bytesToServer &+= bytes
        } else {
            e.pointee.pktsToClient &+= packets; e.pointee.bytesToClient &+= bytes
        }
    }

    /// A flow whose idle time at `now` exceeds its state's timeout, or -1. Call repeatedly (removing each) to drain.
    @inlinable
    public func expired(now: Int64) -> Int32 {
        for s in FlowState.allCases {
            let h = head(s)
            if h >= 0 && now - entries[Int(h)].last > timeouts.value(s) { return h }
        }
        return -1
    }

    /// The flow idle the longest (the eviction victim when the table is full), or -1 when empty.
    @inlinable
    public func oldest() -> Int32 {
        var best: Int32 = -1
        var bestTime = Int64.max
        for s in FlowState.allCases {
            let h = head(s)
            if h >= 0 && entries[Int(h)].last < bestTime { best = h; bestTime = entries[Int(h)].last }
        }
        return best
    }

    /// Any remaining flow, or -1 when empty (for draining at shutdown).
    public func any() -> Int32 { oldest() }

    /// Removes the flow in `slot` from the index and its list; the slot goes back to the free list.
    @inlinable
    public func remove(_ slot: Int32) {
        let e = entries + Int(slot)
        let hash = e.pointee.key.hash64
        let tag = hash >> 32
        let cellValue = tag << 32 | UInt64(UInt32(slot) + 1)
        let index = st.pointee.index, indexMask = st.pointee.indexMask
        var i = Int(truncatingIfNeeded: tag) & indexMask
        while index[i] != cellValue {
            precondition(index[i] != 0, "FlowTable.remove: slot not indexed")
            i = (i + 1) & indexMask
        }
        // Backward-shift deletion keeps linear probing correct without tombstones.
        var hole = i
        var j = i
        while true {
            j = (j + 1) & indexMask
            let cell = index[j]
            if cell == 0 { break }
            let ideal = Int(truncatingIfNeeded: cell >> 32) & indexMask
            // Move `cell` into the hole unless its ideal position lies cyclically in (hole, j].
            let distHole = (hole - ideal) & indexMask
            let distJ = (j - ideal) & indexMask
            if distHole <= distJ {
                index[hole] = cell
                hole = j
            }
        }
        index[hole] = 0
        unlink(slot, from: e.pointee.state)
        e.pointee.next = st.pointee.freeHead   // FlowEntry is trivial: a free slot only uses `next`
        st.pointee.freeHead = slot
        st.pointee.liveCount -= 1
    }

    /// Calls `body` with the slot of every flow in the table (in no particular order).
    public func forEachFlow(_ body: (Int32) -> Void) {
        for s in FlowState.allCases {
            var slot = head(s)
            while slot >= 0 {
                let next = entries[Int(slot)].next
                body(slot)
                slot = next
            }
        }
    }

    /// Takes the flow in `slot` out of its LRU list only, leaving the index stale: for draining the whole table
    /// (`oldest`, `drainOne`, ...), which must end with `removeAll`. Lookups and inserts are wrong until then.
    @inlinable
    public func drainOne(_ slot: Int32) {
        unlink(slot, from: entries[Int(slot)].state)
        st.pointee.liveCount -= 1
    }

    /// Empties the table: index, lists and free slots (entries are plain values; nothing to release).
    public func removeAll() {
        memset(st.pointee.index, 0, (st.pointee.indexMask + 1) * MemoryLayout<UInt64>.stride)
        st.pointee.heads = (-1, -1, -1, -1, -1)
        st.pointee.tails = (-1, -1, -1, -1, -1)
        st.pointee.freeHead = -1
        st.pointee.highWater = 0
        st.pointee.liveCount = 0
    }

    // MARK: - LRU lists

    @inlinable func head(_ s: FlowState) -> Int32 {
        switch s {
        case .tcpNew: return st.pointee.heads.0
        case .tcpEstablished: return st.pointee.heads.1
        case .tcpClosed: return st.pointee.heads.2
        case .new: return st.pointee.heads.3
        case .established: return st.pointee.heads.4
        }
    }
    @inlinable func setHead(_ s: FlowState, _ v: Int32) {
        switch s {
        case .tcpNew: st.pointee.heads.0 = v
        case .tcpEstablished: st.pointee.heads.1 = v
        case .tcpClosed: st.pointee.heads.2 = v
        case .new: st.pointee.heads.3 = v
        case .established: st.pointee.heads.4 = v
        }
    }
    @inlinable func tail(_ s: FlowState) -> Int32 {
        switch s {
        case .tcpNew: return st.pointee.tails.0
        case .tcpEstablished: return st.pointee.tails.1
        case .tcpClosed: return st.pointee.tails.2
        case .new: return st.pointee.tails.3
        case .established: return st.pointee.tails.4
        }
    }
    @inlinable func setTail(_ s: FlowState, _ v: Int32) {
        switch s {
        case .tcpNew: st.pointee.tails.0 = v
        case .tcpEstablished: st.pointee.tails.1 = v
        case .tcpClosed: st.pointee.tails.2 = v
        case .new: st.pointee.tails.3 = v
        case .established: st.pointee.tails.4 = v
        }
    }
    @inlinable func append(_ slot: Int32, to s: FlowState) {
        let t = tail(s)
        entries[Int(slot)].prev = t
        entries[Int(slot)].next = -1
        if t >= 0 { entries[Int(t)].next = slot } else { setHead(s, slot) }
        setTail(s, slot)
    }
    @inlinable func unlink(_ slot: Int32, from s: FlowState) {
        let p = entries[Int(slot)].prev, n = entries[Int(slot)].next
        if p >= 0 { entries[Int(p)].next = n } else { setHead(s, n) }
        if n >= 0 { entries[Int(n)].prev = p } else { setTail(s, p) }
    }
}
