// Capture: Linux PACKET_FANOUT on a live handle's socket, so several workers share one interface flow by flow.
import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// A PACKET_FANOUT group to join. Every handle of one interface joins the same group id; each interface gets its own id.
public struct FanoutSettings: Sendable, Equatable {
    /// 16-bit group id (unique per interface and per process; see `groupID(forInterfaceIndex:)`).
    public var groupID: UInt16
    /// PACKET_FANOUT_HASH (0): the kernel's symmetric flow hash, so both directions of a flow go to one member.
    public var mode: UInt16 = FanoutSettings.hash
    /// PACKET_FANOUT_FLAG_DEFRAG: reassemble IP fragments before hashing, so fragments follow their flow.
    public var defragment: Bool = true

    public static let hash: UInt16 = 0              // PACKET_FANOUT_HASH
    public static let flagDefrag: UInt16 = 0x8000   // PACKET_FANOUT_FLAG_DEFRAG
    public static let socketOption: Int32 = 18      // PACKET_FANOUT
    public static let solPacket: Int32 = 263        // SOL_PACKET

    public init(groupID: UInt16, mode: UInt16 = FanoutSettings.hash, defragment: Bool = true) {
        self.groupID = groupID; self.mode = mode; self.defragment = defragment
    }

    /// The 32-bit value setsockopt(PACKET_FANOUT) takes: group id in the low half, mode and flags in the high half.
    public var socketOptionValue: UInt32 {
        UInt32(groupID) | (UInt32(mode | (defragment ? FanoutSettings.flagDefrag : 0)) << 16)
    }

    /// A group id for one interface of this process: differs per interface and (very likely) per process,
    /// because the kernel refuses to let two sockets on different devices share an id.
    public static func groupID(forInterfaceIndex ifindex: UInt32, processID: Int32 = getpid()) -> UInt16 {
        UInt16(truncatingIfNeeded: (UInt32(bitPattern: processID) &* 31 &+ ifindex &* 0x9E37) & 0xFFFF)
    }
}

extension LiveCapture {
    /// Joins the handle's packet socket to a fanout group (after activation: the socket is bound to the interface).
    public func joinFanout(_ settings: FanoutSettings) throws(LiveCaptureError) {
        let fd = fileDescriptor
        guard fd >= 0 else { throw LiveCaptureError(.fanout, interface: interface, message: "no socket to join a fanout group") }
        var value = settings.socketOptionValue
        let rc = setsockopt(fd, FanoutSettings.solPacket, FanoutSettings.socketOption, &value, socklen_t(MemoryLayout<UInt32>.size))
        if rc != 0 {
            let err = errno
            throw LiveCaptureError(.fanout, interface: interface,
                                   message: "cannot join PACKET_FANOUT group \(settings.groupID): \(String(cString: strerror(err)))")
        }
    }
}

/// The kernel's index of a network interface (0 when it does not exist).
public func interfaceIndex(_ name: String) -> UInt32 { if_nametoindex(name) }
