// Report errors: every bad input names its file and line (and what was expected); the CLI prints it and exits 2.

/// A problem with one of the report's inputs or its output file.
public struct ReportError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based line, or 0 when the problem is not tied to a line (file cannot be opened, ...).
    public var line: Int
    /// 1-based column when known, else 0.
    public var column: Int
    public var message: String
    public init(file: String, line: Int = 0, column: Int = 0, _ message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }
    public var description: String {
        var place = file
        if line > 0 { place += ":\(line)" }
        if column > 0 { place += ":\(column)" }
        return "\(place): error: \(message)"
    }
}
