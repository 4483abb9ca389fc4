// Capture: a large-buffered byte source over zlib's gzread, so plain and gzip-compressed files (and stdin) read alike;
// an uncompressed regular file is mapped into memory whole instead (no copy through a buffer).

import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A refillable window over a (possibly gzip-compressed) file. Readers parse records in place inside the window;
/// `ensure` slides and refills it. One allocation per file, none per record.
struct ByteSource: ~Copyable {
    let file: String
    private var gz: gzFile?
    /// The window: `buffer[start..<filled]` holds unread bytes.
    private(set) var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var start = 0
    private(set) var filled = 0
    /// Stream offset of `buffer[0]`.
    private var base: Int64 = 0
    private var eof = false
    /// Bytes mapped with mmap (the whole file; `buffer` is the mapping), or 0 when reading through zlib.
    private var mappedLength = 0
    /// Mapped files: the bytes before this offset were given back to the OS (see `releaseConsumed`).
    private var releasedUpTo = 0
    /// Consumed bytes of a mapped file are given back in steps of this many.
    static let releaseStep = 8 << 20
    /// The largest window a single record or block may need.
    static let maxWindow = 64 << 20

    init(path: String, bufferSize: Int = 1 << 20) throws(CaptureError) {
        file = path
        var handle: gzFile?
        if path == "-" {
            let fd = dup(0)
            guard fd >= 0 else { throw CaptureError(.unreadable, file: path, offset: 0, reason: "cannot duplicate standard input") }
            handle = gzdopen(fd, "rb")
            if handle == nil { close(fd) }
        } else {
            var st = stat()
            if stat(path, &st) != 0 {
                throw CaptureError(.unreadable, file: path, offset: 0, reason: String(cString: strerror(errno)))
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                throw CaptureError(.unreadable, file: path, offset: 0, reason: "is a directory")
            }
            if (st.st_mode & S_IFMT) == S_IFREG && st.st_size >= 4, let map = ByteSource.mapUncompressed(path, Int(st.st_size)) {
                gz = nil
                buffer = map
                capacity = Int(st.st_size)
                mappedLength = capacity
                MappedFileGuard.watch(map, length: capacity, file: path)
                filled = capacity
                eof = true
                return
            }
            handle = gzopen(path, "rb")
        }
        guard let handle else {
            throw CaptureError(.unreadable, file: path, offset: 0, reason: errno != 0 ? String(cString: strerror(errno)) : "cannot open")
        }
        gzbuffer(handle, 256 << 10)
        gz = handle
        capacity = bufferSize
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    /// Maps `path` read-only when it is not gzip-compressed; nil (read through zlib instead) on any failure.
    private static func mapUncompressed(_ path: String, _ size: Int) -> UnsafeMutableRawPointer? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var magic: (UInt8, UInt8) = (0, 0)
        guard pread(fd, &magic, 2, 0) == 2, !(magic.0 == 0x1F && magic.1 == 0x8B) else { return nil }
        // Pages fault in as they are read (the kernel maps the page cache around each fault); measured on a 150 MB
        // capture this costs a third of read(2) into a buffer, and MAP_POPULATE a little more than faulting.
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        return p
    }

    deinit {
        if let gz { gzclose(gz) }
        if mappedLength > 0 { MappedFileGuard.forget(buffer); munmap(buffer, mappedLength) } else { buffer.deallocate() }
    }

    /// Stream offset of the next unread byte.
    var offset: Int64 { base + Int64(start) }
    /// Unread bytes in the window.
    @inline(__always) var available: Int { filled - start }
    /// Pointer to the next unread byte.
    @inline(__always) var cursor: UnsafeRawPointer { UnsafeRawPointer(buffer + start) }

    @inline(__always) mutating func consume(_ n: Int) { start += n }

    /// Mapped files: unmaps the pages of whole steps before the read position, so a long capture does not stay
    /// resident (the page cache keeps them; only this process's mapping lets go). Call only when no bytes before the
    /// read position are in use any more: readers do at the start of each `next`, which ends the previous record.
    @inline(__always) mutating func releaseConsumed() {
        guard mappedLength > 0, start - releasedUpTo >= 2 * ByteSource.releaseStep else { return }
        let upTo = start & ~(ByteSource.releaseStep - 1)
        _ = madvise(buffer + releasedUpTo, upTo - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = upTo
    }

    /// Makes at least `n` unread bytes available. False at end of stream with fewer bytes left (check `available`).
    @inline(__always) mutating func ensure(_ n: Int) throws(CaptureError) -> Bool {
        if filled - start >= n { return true }
        return try refill(n)
    }

    private mutating func refill(_ n: Int) throws(CaptureError) -> Bool {
        if n > ByteSource.maxWindow {
            throw CaptureError(.corrupt, file: file, offset: offset, reason: "record of \(n) bytes exceeds the \(ByteSource.maxWindow >> 20) MiB limit")
        }
        if mappedLength > 0 { return filled - start >= n }   // the whole file is in the window already
        // Slide the unread bytes to the front, grow if one record needs more than the window.
        let rest = filled - start
        if start > 0 {
            if rest > 0 { memmove(buffer, buffer + start, rest) }
            base += Int64(start); start = 0; filled = rest
        }
        if n > capacity {
            var newCap = capacity
            while newCap < n { newCap *= 2 }
            let nb = UnsafeMutableRawPointer.allocate(byteCount: newCap, alignment: 16)
            nb.copyMemory(from: buffer, byteCount: filled)
            buffer.deallocate()
            buffer = nb; capacity = newCap
        }
        while filled < n && !eof {
            let want = UInt32(min(capacity - filled, 1 << 30))
            let got = gzread(gz, buffer + filled, want)
            if got < 0 { throw gzipError() }
            if got == 0 {
                eof = true
                var errnum: Int32 = 0
                let msg = gzerror(gz, &errnum)
                if errnum != Z_OK && errnum != Z_STREAM_END {
                    let text = msg.map { String(cString: $0) } ?? "gzip error \(errnum)"
                    throw CaptureError(.truncated, file: file, offset: base + Int64(filled), reason: "gzip stream: \(text)")
                }
                break
            }
            filled += Int(got)
        }
        return filled - start >= n
    }

    private func gzipError() -> CaptureError {
        var errnum: Int32 = 0
        let msg = gzerror(gz, &errnum)
        let text = errnum == Z_ERRNO ? String(cString: strerror(errno)) : (msg.map { String(cString: $0) } ?? "read error")
        return CaptureError(.unreadable, file: file, offset: base + Int64(filled), reason: "read failed: \(text)")
    }
}
