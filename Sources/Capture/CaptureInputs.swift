// Capture: turns command-line inputs (files, directories, `-`) into the ordered list of captures to read.

import Foundation

/// Expands review inputs. Files are kept in the order given; each directory argument expands, recursively, to the
/// capture files beneath it ordered by the timestamp of their first packet (ties and files without packets by path,
/// files without packets last), so an auditor's rotated captures play back in time order and flow state carries
/// across them. Hidden files and names that do not look like captures (`.pcap`, `.pcapng`, `.cap`, `.dmp`, each
/// optionally `.gz`) are ignored inside directories; a file named explicitly is always read.
public enum CaptureInputs {
    public static let captureSuffixes = [".pcap", ".pcapng", ".cap", ".dmp", ".pcap.gz", ".pcapng.gz", ".cap.gz", ".dmp.gz"]

    public static func expand(_ arguments: [String]) throws(CaptureError) -> [String] {
        var out: [String] = []
        for arg in arguments {
            var isDir: ObjCBool = false
            if arg != "-" && FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) && isDir.boolValue {
                out += try directoryInTimeOrder(arg)
            } else {
                out.append(arg)
            }
        }
        return out
    }

    /// The capture files under `directory` (recursive) in first-packet timestamp order.
    public static func directoryInTimeOrder(_ directory: String) throws(CaptureError) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw CaptureError(.unreadable, file: directory, offset: 0, reason: "cannot list directory")
        }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") { continue }
            let lower = name.lowercased()
            guard captureSuffixes.contains(where: { lower.hasSuffix($0) }) else { continue }
            let full = directory.hasSuffix("/") ? directory + rel : directory + "/" + rel
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { files.append(full) }
        }
        let keyed = files.map { (path: $0, first: firstTimestamp(of: $0) ?? Int64.max) }
        return keyed.sorted { $0.first != $1.first ? $0.first < $1.first : $0.path < $1.path }.map(\.path)
    }

    /// The timestamp of the first packet in `path`, or nil when it has none or cannot be read (the error then
    /// surfaces when the file is read in its turn).
    public static func firstTimestamp(of path: String) -> Int64? {
        guard var reader = try? CaptureFileReader.open(path: path) else { return nil }
        guard let first = try? reader.next() else { return nil }
        return first.timestampNanoseconds
    }
}
