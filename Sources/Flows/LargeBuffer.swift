// Flows: large zeroed buffers from mmap, 2 MiB-aligned and marked for transparent huge pages (fewer TLB misses on
// flow tables that are probed at random); the OS backs only the pages that are touched.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One anonymous mapping. `pointer` is 2 MiB-aligned (so also cache-line aligned) and zero-filled.
public struct LargeBuffer {
    public let pointer: UnsafeMutableRawPointer
    let base: UnsafeMutableRawPointer
    let mappedBytes: Int

    static let hugePage = 2 << 20

    /// `byteCount` zeroed bytes (at least one). Falls back to calloc-like semantics only in that mmap must succeed;
    /// failure to map is fatal, as running out of memory is anywhere else.
    public init(byteCount: Int) {
        let size = Swift.max(byteCount, 1)
        let mapped = size + LargeBuffer.hugePage
        guard let p = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            fatalError("segcheck: cannot map \(mapped) bytes of memory")
        }
        let aligned = (Int(bitPattern: p) + LargeBuffer.hugePage - 1) & ~(LargeBuffer.hugePage - 1)
        pointer = UnsafeMutableRawPointer(bitPattern: aligned)!
        #if os(Linux)
        _ = madvise(pointer, size, MADV_HUGEPAGE)
        #endif
        base = p
        mappedBytes = mapped
    }

    /// Returns the memory to the OS.
    public func release() { munmap(base, mappedBytes) }
}
