// Capture: turns libpcap's 32-bit wrapping capture counters into 64-bit running totals.

/// One counter that libpcap reports as a 32-bit running total which wraps on long runs.
/// Feed every reading in order; the total stays right as long as fewer than 2^32 events happen between readings.
public struct WrappingCounter32: Sendable, Equatable {
    public private(set) var last: UInt32 = 0
    public private(set) var total: UInt64 = 0
    public init() {}
    /// Adds the difference since the previous reading, modulo 2^32.
    public mutating func update(_ reading: UInt32) {
        total &+= UInt64(reading &- last)
        last = reading
    }
}

/// 64-bit totals of one capture handle's received / kernel-dropped / interface-dropped counters.
public struct CaptureCounterTotals: Sendable, Equatable {
    public var received = WrappingCounter32()
    public var dropped = WrappingCounter32()
    public var interfaceDropped = WrappingCounter32()
    public init() {}
    public mutating func update(_ raw: RawCaptureStats) {
        received.update(raw.received)
        dropped.update(raw.dropped)
        interfaceDropped.update(raw.interfaceDropped)
    }
}

/// Packets the kernel accepted into a capture ring (received - dropped) that the reader has not taken yet; 0 when
/// the counters, read at different moments, disagree.
public func unreadPackets(received: UInt64, dropped: UInt64, delivered: UInt64) -> UInt64 {
    let accepted = received &- min(received, dropped)
    return accepted > delivered ? accepted - delivered : 0
}
