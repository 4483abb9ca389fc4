// Capture: the bare libpcap file reader (pcap_open_offline_with_tstamp_precision + pcap_next_ex): the benchmark
// baseline and a cross-check for the native readers.

import CPcap

/// Reads a capture file through libpcap with nanosecond timestamps. Debian's libpcap 1.10.3 refuses pcapng files
/// whose interfaces differ in link type; `CaptureFileReader` reads those.
public struct LibpcapFileReader: ~Copyable {
    public let path: String
    let handle: OpaquePointer
    /// LINKTYPE_ value (libpcap reports DLT_ values; the few that differ are mapped back).
    public let linkType: UInt32
    /// The file's snap length; libpcap cuts records that claim more to this many bytes (the native reader keeps them).
    public let snapLength: UInt32
    public private(set) var packetsRead = 0

    private init(path: String, handle: OpaquePointer) {
        self.path = path; self.handle = handle
        let dlt = pcap_datalink(handle)
        switch dlt {
        case DLT_RAW: linkType = 101            // LINKTYPE_RAW
        case DLT_ATM_RFC1483: linkType = 100    // LINKTYPE_ATM_RFC1483
        case 19: linkType = 106                 // Linux DLT_ATM_CLIP → LINKTYPE_ATM_CLIP
        default: linkType = UInt32(bitPattern: dlt) & 0x03FF_FFFF
        }
        snapLength = UInt32(bitPattern: pcap_snapshot(handle))
    }

    public static func open(path: String) throws(CaptureError) -> LibpcapFileReader {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            throw CaptureError(.unreadable, file: path, offset: 0, reason: "libpcap: " + String(cString: errbuf))
        }
        return LibpcapFileReader(path: path, handle: h)
    }

    deinit { pcap_close(handle) }

    /// The next record, nil at end of file. Bytes are valid until the next call.
    public mutating func next() throws(CaptureError) -> PacketRecord? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(handle, &header, &data)
        if rc == 1, let header, let data {
            packetsRead += 1
            let h = header.pointee
            let ns = Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec)
            return PacketRecord(timestampNanoseconds: ns, capturedLength: h.caplen, wireLength: h.len, linkType: linkType,
                                interfaceIndex: 0, bytes: UnsafeRawBufferPointer(start: data, count: Int(h.caplen)))
        }
        if rc == PCAP_ERROR_BREAK { return nil }   // -2: end of file
        throw CaptureError(.corrupt, file: path, offset: -1,
                           reason: "libpcap: " + String(cString: pcap_geterr(handle)) + " after \(packetsRead) packets")
    }
}
