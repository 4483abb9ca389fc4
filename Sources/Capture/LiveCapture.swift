// Capture: live libpcap capture on one interface (promiscuous, snaplen, buffer, immediate mode, BPF, ns timestamps, fanout).
import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// How to open one live capture handle.
public struct LiveCaptureOptions: Sendable {
    public var interface: String
    public var snaplen: Int32 = 262_144
    public var promiscuous: Bool = true
    /// Kernel ring size in bytes (pcap_set_buffer_size).
    public var bufferSize: Int32 = 32 << 20
    /// Deliver packets as they arrive instead of when a ring block fills.
    public var immediate: Bool = true
    /// Read timeout: how long a blocked read waits before returning so the worker can do housekeeping.
    public var timeoutMilliseconds: Int32 = 100
    /// Optional BPF capture filter (keep it coarse: VLAN/MPLS keywords shift offsets, see docs/monitor.md).
    public var filter: String?
    /// Ask for nanosecond timestamps; falls back to microseconds where the platform cannot.
    public var nanosecondTimestamps: Bool = true
    /// Join a PACKET_FANOUT group so several handles on one interface share its flows (Linux).
    public var fanout: FanoutSettings?

    public init(interface: String) { self.interface = interface }
}

/// Why a live capture could not be opened. `description` is the message the CLI prints (exit 2).
public struct LiveCaptureError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case create, activate, permission, noSuchDevice, interfaceDown, filter, fanout, option }
    public var kind: Kind
    public var interface: String
    public var message: String
    public init(_ kind: Kind, interface: String, message: String) { self.kind = kind; self.interface = interface; self.message = message }
    public var description: String { "\(interface): \(message)" }
}

/// Raw 32-bit counters as pcap_stats returns them (they wrap on long runs; feed them to `CaptureCounterTotals`).
public struct RawCaptureStats: Sendable, Equatable {
    public var received: UInt32
    public var dropped: UInt32
    public var interfaceDropped: UInt32
    public init(received: UInt32, dropped: UInt32, interfaceDropped: UInt32) {
        self.received = received; self.dropped = dropped; self.interfaceDropped = interfaceDropped
    }
}

/// What a worker's packet callback receives: valid only during the call.
public struct LivePacket {
    public var timestampNanoseconds: Int64
    public var capturedLength: UInt32
    public var wireLength: UInt32
    public var bytes: UnsafeRawBufferPointer
    public init(timestampNanoseconds: Int64 = 0, capturedLength: UInt32 = 0, wireLength: UInt32 = 0,
                bytes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) {
        self.timestampNanoseconds = timestampNanoseconds; self.capturedLength = capturedLength
        self.wireLength = wireLength; self.bytes = bytes
    }
}

/// The object a `dispatch` call hands packets to. One per worker thread; never shared between threads.
public final class LivePacketReceiver {
    public var handler: (LivePacket) -> Void
    /// Timestamps of the handle currently dispatching are in nanoseconds (else microseconds).
    @usableFromInline var nanos: Bool = true
    /// Packets delivered through this receiver since it was made.
    public private(set) var delivered: UInt64 = 0
    public init(_ handler: @escaping (LivePacket) -> Void) { self.handler = handler }

    @inline(__always) func receive(_ header: UnsafePointer<pcap_pkthdr>, _ data: UnsafePointer<UInt8>) {
        let h = header.pointee
        let sub = Int64(h.ts.tv_usec)
        let ts = Int64(h.ts.tv_sec) &* 1_000_000_000 &+ (nanos ? sub : sub &* 1000)
        let packet = LivePacket(timestampNanoseconds: ts, capturedLength: h.caplen, wireLength: h.len,
                                bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
        delivered &+= 1
        handler(packet)
    }
}

/// The C callback pcap_dispatch calls; `user` is an unretained `LivePacketReceiver`.
private let liveDispatchCallback: pcap_handler = { user, header, data in
    guard let user, let header, let data else { return }
    Unmanaged<LivePacketReceiver>.fromOpaque(UnsafeRawPointer(user)).takeUnretainedValue().receive(header, data)
}

/// One activated live capture handle. Reads happen on one thread; `breakLoop` may be called from any thread.
public final class LiveCapture: @unchecked Sendable {
    public let interface: String
    public let options: LiveCaptureOptions
    /// DLT/LINKTYPE of the interface (1 = Ethernet).
    public let linkType: UInt32
    public let nanosecondTimestamps: Bool
    /// Non-fatal remarks from activation (e.g. promiscuous mode not supported).
    public private(set) var warnings: [String] = []
    private var handle: OpaquePointer?

    public init(_ options: LiveCaptureOptions) throws(LiveCaptureError) {
        self.interface = options.interface
        self.options = options
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let p = pcap_create(options.interface, &errbuf) else {
            throw LiveCaptureError(.create, interface: options.interface, message: "cannot create capture: \(String(cString: errbuf))")
        }
        func check(_ rc: Int32, _ what: String) throws(LiveCaptureError) {
            if rc != 0 {
                pcap_close(p)
                throw LiveCaptureError(.option, interface: options.interface, message: "cannot set \(what) (error \(rc))")
            }
        }
        try check(pcap_set_snaplen(p, options.snaplen), "snaplen \(options.snaplen)")
        try check(pcap_set_promisc(p, options.promiscuous ? 1 : 0), "promiscuous mode")
        try check(pcap_set_buffer_size(p, options.bufferSize), "buffer size \(options.bufferSize)")
        try check(pcap_set_immediate_mode(p, options.immediate ? 1 : 0), "immediate mode")
        try check(pcap_set_timeout(p, options.timeoutMilliseconds), "timeout")
        var wantNanos = options.nanosecondTimestamps
        if wantNanos && pcap_set_tstamp_precision(p, Int32(PCAP_TSTAMP_PRECISION_NANO)) != 0 { wantNanos = false }

        let rc = pcap_activate(p)
        var warnings: [String] = []
        if rc < 0 {
            let detail = String(cString: pcap_geterr(p))
            pcap_close(p)
            throw LiveCapture.activationError(rc, interface: options.interface, detail: detail)
        } else if rc > 0 {
            let detail = String(cString: pcap_geterr(p))
            switch rc {
            case PCAP_WARNING_PROMISC_NOTSUP: warnings.append("promiscuous mode not supported: \(detail)")
            case PCAP_WARNING_TSTAMP_TYPE_NOTSUP: warnings.append("time stamp type not supported")
            default: warnings.append("warning while activating: \(detail)")
            }
        }
        self.handle = p
        self.linkType = UInt32(bitPattern: pcap_datalink(p))
        self.nanosecondTimestamps = wantNanos && pcap_get_tstamp_precision(p) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        self.warnings = warnings

        if let filter = options.filter {
            do { try setFilter(filter) } catch { close(); throw error }
        }
        if let fanout = options.fanout {
            do { try joinFanout(fanout) } catch { close(); throw error }
        }
    }

    deinit { close() }

    /// Closes the handle; later reads return nothing.
    public func close() {
        if let h = handle { pcap_close(h); handle = nil }
    }

    static func activationError(_ rc: Int32, interface: String, detail: String) -> LiveCaptureError {
        switch rc {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return LiveCaptureError(.noSuchDevice, interface: interface, message: "no such interface (\(detail))")
        case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
            return LiveCaptureError(.permission, interface: interface,
                                    message: "permission denied: run as root or give the binary CAP_NET_RAW (setcap cap_net_raw,cap_net_admin+ep) (\(detail))")
        case PCAP_ERROR_IFACE_NOT_UP:
            return LiveCaptureError(.interfaceDown, interface: interface, message: "interface is down (ip link set \(interface) up)")
        default:
            return LiveCaptureError(.activate, interface: interface, message: "cannot start capture: \(detail)")
        }
    }

    /// Compiles and installs a BPF filter; a bad filter names the filter and libpcap's reason.
    public func setFilter(_ expression: String) throws(LiveCaptureError) {
        guard let h = handle else { return }
        var program = bpf_program()
        if pcap_compile(h, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            throw LiveCaptureError(.filter, interface: interface,
                                   message: "bad capture filter '\(expression)': \(String(cString: pcap_geterr(h)))")
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(h, &program) != 0 {
            throw LiveCaptureError(.filter, interface: interface,
                                   message: "cannot install capture filter '\(expression)': \(String(cString: pcap_geterr(h)))")
        }
    }

    /// The packet socket behind the handle (for setsockopt and poll).
    public var fileDescriptor: Int32 { handle.map { pcap_fileno($0) } ?? -1 }

    /// Switches between blocking reads (wait up to the timeout) and non-blocking reads (return at once).
    public func setNonBlocking(_ on: Bool) {
        guard let h = handle else { return }
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        _ = pcap_setnonblock(h, on ? 1 : 0, &errbuf)
    }

    /// Reads up to `maxPackets` packets (-1 = one buffer's worth) into `receiver`.
    /// Returns the number read, 0 on timeout, `PCAP_ERROR_BREAK` (-2) after `breakLoop`, -1 on error (see `lastError`).
    @inline(__always)
    public func dispatch(maxPackets: Int32, into receiver: LivePacketReceiver) -> Int32 {
        guard let h = handle else { return PCAP_ERROR_BREAK }
        receiver.nanos = nanosecondTimestamps
        let user = Unmanaged.passUnretained(receiver).toOpaque().assumingMemoryBound(to: UInt8.self)
        return pcap_dispatch(h, maxPackets, liveDispatchCallback, user)
    }

    /// Reads the next packet without a callback (pcap_next_ex): 1 = `packet` filled (its bytes valid until the next
    /// call), 0 = none ready (non-blocking) or timeout, -1 = error (`lastError`), -2 = `breakLoop` was called.
    @inline(__always)
    public func next(_ packet: inout LivePacket) -> Int32 {
        guard let h = handle else { return PCAP_ERROR_BREAK }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let r = pcap_next_ex(h, &header, &data)
        guard r == 1, let hp = header, let data else { return r == 1 ? 0 : r }
        let sub = Int64(hp.pointee.ts.tv_usec)
        packet.timestampNanoseconds = Int64(hp.pointee.ts.tv_sec) &* 1_000_000_000 &+ (nanosecondTimestamps ? sub : sub &* 1000)
        packet.capturedLength = hp.pointee.caplen
        packet.wireLength = hp.pointee.len
        packet.bytes = UnsafeRawBufferPointer(start: data, count: Int(hp.pointee.caplen))
        return 1
    }

    /// The last libpcap error text for this handle.
    public var lastError: String { handle.map { String(cString: pcap_geterr($0)) } ?? "capture closed" }

    /// Makes a blocked or later `dispatch` return `PCAP_ERROR_BREAK`. Safe from any thread.
    public func breakLoop() {
        if let h = handle { pcap_breakloop(h) }
    }

    /// The kernel's counters for this handle (running totals, 32-bit, wrapping). Call on the reading thread.
    public func rawStats() -> RawCaptureStats? {
        guard let h = handle else { return nil }
        var s = pcap_stat()
        guard pcap_stats(h, &s) == 0 else { return nil }
        return RawCaptureStats(received: UInt32(truncatingIfNeeded: s.ps_recv),
                               dropped: UInt32(truncatingIfNeeded: s.ps_drop),
                               interfaceDropped: UInt32(truncatingIfNeeded: s.ps_ifdrop))
    }
}
