// Inspect: turns the inputs an auditor names (files, directories, -) into the list of captures to read, in first-packet order.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture

/// One capture to read.
public struct PlannedInput: Sendable {
    public var path: String
    /// The path as the user would recognise it (same as `path` here; `-` for stdin).
    public var displayName: String
    /// Time of the first packet (ns), or Int64.max when unknown (stdin, empty file).
    public var firstTimestamp: Int64
}

public enum InputPlan {
    /// Expands `inputs`: directories are walked recursively (hidden entries skipped, symlinked directories not
    /// followed); files found in directories that are not captures are skipped with a note; named files and
    /// directories that cannot be read are reported through `problem` (they make the run exit 2).
    /// Files are sorted by their first packet's time, so rotated captures are read in order and flows continue
    /// across them; standard input comes last.
    public static func build(_ inputs: [String], problem: (String) -> Void, note: (String) -> Void = { _ in }) -> [PlannedInput] {
        var files: [PlannedInput] = []
        var stdinSeen = false
        for input in inputs {
            if input == "-" { stdinSeen = true; continue }
            var st = stat()
            guard stat(input, &st) == 0 else {
                problem("\(input): cannot read: \(String(cString: strerror(errno)))")
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                var found: [String] = []
                walk(input, into: &found, problem: problem)
                if found.isEmpty { note("\(input): directory holds no files") }
                for f in found.sorted() {
                    switch peek(f) {
                    case .success(let ts): files.append(PlannedInput(path: f, displayName: f, firstTimestamp: ts))
                    case .failure(let e):
                        if e.kind == .notACapture { note("\(f): skipped: \(e.reason)") }
                        else { problem(e.description) }
                    }
                }
            } else {
                switch peek(input) {
                case .success(let ts): files.append(PlannedInput(path: input, displayName: input, firstTimestamp: ts))
                case .failure(let e): problem(e.description)
                }
            }
        }
        // Stable sort by first packet time.
        let ordered = files.enumerated().sorted { a, b in
            a.element.firstTimestamp != b.element.firstTimestamp ? a.element.firstTimestamp < b.element.firstTimestamp : a.offset < b.offset
        }.map(\.element)
        return stdinSeen ? ordered + [PlannedInput(path: "-", displayName: "-", firstTimestamp: .max)] : ordered
    }

    static func walk(_ dir: String, into out: inout [String], problem: (String) -> Void, depth: Int = 0) {
        guard depth < 64 else { problem("\(dir): directories nested too deep"); return }
        guard let d = opendir(dir) else { problem("\(dir): cannot read directory: \(String(cString: strerror(errno)))"); return }
        defer { closedir(d) }
        var names: [String] = []
        while let ent = readdir(d) {
            let name = withUnsafePointer(to: ent.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        for name in names.sorted() {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { problem("\(path): cannot read: \(String(cString: strerror(errno)))"); continue }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR { walk(path, into: &out, problem: problem, depth: depth + 1) }
            else if kind == S_IFREG { out.append(path) }
            else if kind == S_IFLNK {
                var target = stat()
                if stat(path, &target) == 0 && (target.st_mode & S_IFMT) == S_IFREG { out.append(path) }
            }
        }
    }

    /// The first packet's time, or an error if the file cannot be opened as a capture.
    static func peek(_ path: String) -> Result<Int64, CaptureError> {
        do {
            var r = try CaptureFileReader.open(path: path)
            if let rec = try r.next() { return .success(rec.timestampNanoseconds) }
            return .success(.max)
        } catch {
            // A file that opens but breaks later is read (and its error reported) when its turn comes.
            if error.kind == .unreadable || error.kind == .notACapture || error.offset == 0 { return .failure(error) }
            return .success(.max)
        }
    }
}
