// Turns policy file bytes into text: UTF-8 with or without BOM, UTF-16 with BOM, and Shift_JIS/CP932 (Excel on Japanese Windows) via iconv.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum TextEncodingName: String, Sendable {
    case utf8 = "UTF-8", utf8BOM = "UTF-8 (BOM)", utf16LE = "UTF-16LE", utf16BE = "UTF-16BE", cp932 = "CP932 (Shift_JIS)"
}

enum TextDecoding {
    /// Decodes `bytes`; throws with the line and column of the first byte that fits no supported encoding.
    static func decode(_ bytes: [UInt8], file: String) throws(PolicyError) -> (String, TextEncodingName) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            let body = bytes.dropFirst(3)
            if let bad = firstInvalidUTF8(body) { throw badByte(Array(body), at: bad, file: file, encoding: "UTF-8 (after its BOM)") }
            return (String(decoding: body, as: UTF8.self), .utf8BOM)
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let le = bytes[0] == 0xFF
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var i = 2
            while i + 1 < bytes.count {
                units.append(le ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            return (String(decoding: units, as: UTF16.self), le ? .utf16LE : .utf16BE)
        }
        guard let bad = firstInvalidUTF8(bytes[...]) else { return (String(decoding: bytes, as: UTF8.self), .utf8) }
        // Not UTF-8: the usual other case is an Excel CSV saved on Japanese Windows (CP932, a superset of Shift_JIS).
        if let text = convertCP932(bytes) { return (text, .cp932) }
        throw badByte(bytes, at: bad, file: file, encoding: "UTF-8 or Shift_JIS/CP932")
    }

    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var consumed = 0
        // Track offsets by re-walking: UTF8 decoder does not report positions, so count scalar lengths.
        while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s):
                consumed += UTF8.width(s)
                offset = consumed
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    static func convertCP932(_ bytes: [UInt8]) -> String? {
        let cd = iconv_open("UTF-8", "CP932")
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 3 + 16)
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuf -> Int? in
            output.withUnsafeMutableBufferPointer { outBuf -> Int? in
                guard let inBase = inBuf.baseAddress, let outBase = outBuf.baseAddress else { return 0 }
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if r == -1 || inLeft != 0 { return nil }
                return outBuf.count - outLeft
            }
        }
        guard let written else { return nil }
        return String(decoding: output[0..<written], as: UTF8.self)
    }

    private static func badByte(_ bytes: [UInt8], at offset: Int, file: String, encoding: String) -> PolicyError {
        var line = 1, column = 1
        for b in bytes[0..<min(offset, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        let hex = offset < bytes.count ? String(bytes[offset], radix: 16, uppercase: true) : "end"
        return PolicyError(SourceLocation(file: file, line: line, column: column),
                           "byte 0x\(hex) is not valid \(encoding): save the file as UTF-8 (with or without BOM) or Shift_JIS")
    }
}
