// VendorFuzzCommon: the libFuzzer body shared by the vendor parser fuzz targets — parse arbitrary bytes, and on success
// check the result's invariants and evaluate a packet through it. Any crash, hang or failed invariant is a finding.
import Wire
import Policy
import VendorParsers

let probe = (src: IPAddress(v4: 0x0A14_0001), dst: IPAddress(v4: 0x0A0A_0001))

func fuzzOne(_ format: VendorFormat, _ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.reduce(1) { $1 == "\n" ? $0 + 1 : $0 } + text.reduce(0) { $1 == "\r" ? $0 + 1 : $0 }
    do {
        let rs = try format.parseVendor(text, file: "fuzz")
        for f in rs.filters {
            for r in f.rules {
                precondition(r.location.line >= 1 && r.location.line <= lines + 1, "rule location outside the input")
                for s in r.services { for p in s.srcPorts + s.dstPorts { precondition(p.lo <= p.hi, "inverted port range") } }
                for a in r.sources.ranges + r.destinations.ranges { precondition(a.lowerBound <= a.upperBound) }
            }
        }
        for u in rs.unsupported { precondition(u.location.line >= 1 && u.location.line <= lines + 1, "note location outside the input") }
        _ = rs.evaluate(src: probe.src, dst: probe.dst, proto: 6, srcPort: 49152, dstPort: 445, inInterface: "lan2", outInterface: "lan1")
    } catch {
        precondition(error.line >= 1 && error.line <= lines + 1, "error line \(error.line) outside the input (\(lines) lines)")
        precondition(!error.reason.isEmpty)
    }
    return 0
}
