// Streams a text file (plain or gzip, via zlib's gzread) line by line with bounded memory, for EVE JSON Lines.
import CZlib
import Foundation

/// Reads lines one at a time; each line is handed over as bytes without its newline (and without a trailing CR).
struct LineReader {
    static let maxLineBytes = 16 << 20

    let path: String

    /// Calls `body(lineNumber, bytes)` for every line. A final line without a newline is still delivered.
    func forEachLine(_ body: (Int, UnsafeRawBufferPointer) throws(ReportError) -> Void) throws(ReportError) {
        let handle: gzFile?
        if path == "-" {
            handle = gzdopen(dup(0), "rb")
        } else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ReportError(file: path, "is a directory, expected an EVE JSON Lines file")
            }
            handle = gzopen(path, "rb")
        }
        guard let gz = handle else {
            throw ReportError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { gzclose(gz) }
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var pending: [UInt8] = []
        var lineNumber = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32(chunkSize)) }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(gz, &code).map { String(cString: $0) } ?? "unknown"
                throw ReportError(file: path, line: lineNumber + 1, "read error: \(message)")
            }
            if n == 0 { break }
            var start = 0
            var failure: ReportError?
            chunk.withUnsafeBytes { raw in
                for i in 0..<Int(n) where raw[i] == 0x0A {
                    lineNumber += 1
                    do {
                        if pending.isEmpty {
                            try body(lineNumber, trimCR(UnsafeRawBufferPointer(rebasing: raw[start..<i])))
                        } else {
                            pending.append(contentsOf: raw[start..<i])
                            try pending.withUnsafeBytes { try body(lineNumber, trimCR($0)) }
                            pending.removeAll(keepingCapacity: true)
                        }
                    } catch {
                        failure = error as? ReportError ?? ReportError(file: path, line: lineNumber, "\(error)")
                        return
                    }
                    start = i + 1
                }
                if failure == nil, start < Int(n) { pending.append(contentsOf: raw[start..<Int(n)]) }
            }
            if let failure { throw failure }
            if pending.count > LineReader.maxLineBytes {
                throw ReportError(file: path, line: lineNumber + 1, "line longer than \(LineReader.maxLineBytes) bytes; expected one JSON object per line")
            }
        }
        if !pending.isEmpty {
            lineNumber += 1
            var failure: ReportError?
            pending.withUnsafeBytes { raw in
                do { try body(lineNumber, trimCR(raw)) } catch { failure = error as? ReportError ?? ReportError(file: path, "\(error)") }
            }
            if let failure { throw failure }
        }
    }

    private func trimCR(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if let last = raw.last, last == 0x0D { return UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 1)]) }
        return raw
    }
}
