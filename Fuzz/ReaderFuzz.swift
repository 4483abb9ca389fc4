// Fuzz: libFuzzer entry point for the pcap/pcapng readers (plain or gzip) feeding the decoder (built by scripts/fuzz.sh).
// Each input is written to a file in /dev/shm (memory) and read through the same path as a real capture file.

import Capture
import Wire
#if canImport(Glibc)
import Glibc
#endif

let memfd: Int32 = {
    let name = "/dev/shm/segcheck-reader-fuzz-\(getpid())"
    let fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(name)")
    unlink(name)     // nothing left behind; the descriptor keeps the file alive
    return fd
}()
let memfdPath = "/proc/self/fd/\(memfd)"

@_cdecl("LLVMFuzzerTestOneInput")
public func readerFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ftruncate(memfd, 0)
    var written = 0
    while written < size {
        let n = pwrite(memfd, data + written, size - written, off_t(written))
        precondition(n > 0)
        written += n
    }
    var packet = DecodedPacket()
    var count = 0
    do {
        var reader = try CaptureFileReader.open(path: memfdPath)
        while let record = try reader.next() {
            precondition(record.bytes.count == Int(record.capturedLength))
            Decoder.decode(record, into: &packet)
            count += 1
            precondition(count == reader.packetsRead)
        }
    } catch {
        precondition(error.file == memfdPath && !error.reason.isEmpty)
    }
    return 0
}
