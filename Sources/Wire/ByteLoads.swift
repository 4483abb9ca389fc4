// Wire: unaligned big-endian loads from raw packet memory, the only way header views read bytes.

extension UnsafeRawPointer {
    /// One byte at `offset`. The caller has already checked the layer's length.
    @inline(__always) @usableFromInline func u8(_ offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }
    /// A big-endian 16-bit field at `offset`.
    @inline(__always) @usableFromInline func be16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    /// A big-endian 32-bit field at `offset`.
    @inline(__always) @usableFromInline func be32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    /// A big-endian 64-bit field at `offset`.
    @inline(__always) @usableFromInline func be64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    /// A 48-bit MAC address at `offset`.
    @inline(__always) @usableFromInline func mac(_ offset: Int) -> MACAddress {
        MACAddress(UInt64(be16(offset)) << 32 | UInt64(be32(offset + 2)))
    }
    /// An IPv4 address at `offset`, IPv4-mapped.
    @inline(__always) @usableFromInline func ipv4(_ offset: Int) -> IPAddress {
        IPAddress(v4: be32(offset))
    }
    /// A 128-bit IPv6 address at `offset`.
    @inline(__always) @usableFromInline func ipv6(_ offset: Int) -> IPAddress {
        IPAddress(hi: be64(offset), lo: be64(offset + 8))
    }
}

extension UnsafeMutableRawPointer {
    @inline(__always) @usableFromInline func put8(_ offset: Int, _ v: UInt8) {
        storeBytes(of: v, toByteOffset: offset, as: UInt8.self)
    }
    @inline(__always) @usableFromInline func put16(_ offset: Int, _ v: UInt16) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt16.self)
    }
    @inline(__always) @usableFromInline func put32(_ offset: Int, _ v: UInt32) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt32.self)
    }
    @inline(__always) @usableFromInline func put64(_ offset: Int, _ v: UInt64) {
        storeBytes(of: v.bigEndian, toByteOffset: offset, as: UInt64.self)
    }
    @inline(__always) @usableFromInline func putMAC(_ offset: Int, _ m: MACAddress) {
        put16(offset, UInt16(truncatingIfNeeded: m.value >> 32)); put32(offset + 2, UInt32(truncatingIfNeeded: m.value))
    }
    @inline(__always) @usableFromInline func putIPv6(_ offset: Int, _ a: IPAddress) {
        put64(offset, a.hi); put64(offset + 8, a.lo)
    }
}

/// The Internet checksum (RFC 1071) over `bytes`, folded, not complemented. Used by emitters and tests.
public func internetChecksumSum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
    var sum = initial
    var i = 0
    while i + 1 < bytes.count { sum &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
    if i < bytes.count { sum &+= UInt32(bytes[i]) << 8 }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) &+ (sum >> 16) }
    return sum
}
