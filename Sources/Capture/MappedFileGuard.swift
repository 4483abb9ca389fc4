// Capture: turns the SIGBUS a memory-mapped capture raises when another process truncates the file while it is being
// read into a clear message naming the file and exit status 2, as for any other unreadable input, instead of a crash.
#if canImport(Glibc)
import Glibc
#endif

/// The mapped capture files of this process (at most `capacity` at once) and the message for each. The SIGBUS handler
/// only reads these fixed slots and calls write(2) and _exit(2), which are async-signal-safe.
enum MappedFileGuard {
    struct Slot { var start: UInt; var end: UInt; var message: UnsafeMutablePointer<CChar>?; var messageLength: Int }
    static let capacity = 64
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<Slot> = {
        let p = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        p.initialize(repeating: Slot(start: 0, end: 0, message: nil, messageLength: 0), count: capacity)
        return p
    }()
    nonisolated(unsafe) static var installed = false

    /// Remembers the mapping of `file` (until `forget`) and installs the handler on first use.
    static func watch(_ base: UnsafeMutableRawPointer, length: Int, file: String) {
        let message = "segcheck: \(file): the capture file shrank while it was being read (truncated or rewritten by another process); stopping\n"
        for i in 0..<capacity where slots[i].end == 0 {
            let bytes = Array(message.utf8)
            let text = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            for (j, b) in bytes.enumerated() { text[j] = CChar(bitPattern: b) }
            slots[i].message = text
            slots[i].messageLength = bytes.count
            slots[i].start = UInt(bitPattern: base)
            slots[i].end = UInt(bitPattern: base) + UInt(length)   // written last: a non-zero end marks the slot in use
            break
        }
        if !installed {
            installed = true
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = onBusError
            action.sa_flags = SA_SIGINFO
            sigemptyset(&action.sa_mask)
            sigaction(SIGBUS, &action, nil)
        }
    }

    /// Forgets the mapping that starts at `base` (before munmap).
    static func forget(_ base: UnsafeMutableRawPointer) {
        for i in 0..<capacity where slots[i].start == UInt(bitPattern: base) && slots[i].end != 0 {
            slots[i].end = 0
            slots[i].message?.deallocate()
            slots[i].message = nil
        }
    }
}

/// SIGBUS inside a watched mapping: the file lost the page being read. Anything else: the default action (a crash
/// with a core, as before), by restoring it and returning to the faulting instruction.
private func onBusError(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
    for i in 0..<MappedFileGuard.capacity {
        let slot = MappedFileGuard.slots[i]
        if slot.end != 0 && address >= slot.start && address < slot.end, let message = slot.message {
            _ = write(2, message, slot.messageLength)
            _exit(2)
        }
    }
    Glibc.signal(SIGBUS, SIG_DFL)
}
