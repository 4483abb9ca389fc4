// Capture: reads several capture files one after another as one packet stream (review's INPUT... arguments).

/// Reads `paths` in order (expand directories first with `CaptureInputs.expand`). When a file fails, `next()`
/// throws its error once; the following call continues with the next file, so the caller can decide per file
/// whether an error is fatal (exit 2) or counted.
public struct CaptureSequenceReader: ~Copyable {
    public let paths: [String]
    /// Index in `paths` of the file being read (== paths.count when done).
    public private(set) var fileIndex = 0
    /// Records returned so far, over all files.
    public private(set) var packetsRead = 0
    /// Files that ended with an error.
    public private(set) var filesFailed = 0
    private var current: CaptureFileReader? = nil

    public init(paths: [String]) { self.paths = paths }

    /// The file the last record came from.
    public var currentPath: String? { fileIndex < paths.count ? paths[fileIndex] : nil }

    /// The next record of the current file, moving on to the next file at its end; nil when all are read.
    public mutating func next() throws(CaptureError) -> PacketRecord? {
        while fileIndex < paths.count {
            if current == nil {
                do {
                    current = try CaptureFileReader.open(path: paths[fileIndex])
                } catch {
                    filesFailed += 1
                    fileIndex += 1
                    throw error
                }
            }
            do {
                if let record = try current!.next() {
                    packetsRead += 1
                    return record
                }
            } catch {
                current = nil
                filesFailed += 1
                fileIndex += 1
                throw error
            }
            current = nil
            fileIndex += 1
        }
        return nil
    }
}
