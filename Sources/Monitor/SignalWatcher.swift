// Monitor: receives SIGTERM/SIGINT/SIGHUP/SIGUSR1 with sigwait on a dedicated thread (blocked in every other thread).
#if canImport(Glibc)
import Glibc
#endif

/// What a signal asks the monitor to do.
public enum ControlRequest: Sendable, Equatable {
    case stop(signal: Int32)
    case reload
    case reopen
}

/// Blocks the control signals in the calling thread (and so in every thread it creates afterwards), then
/// waits for them with `sigwait` on its own thread. No code runs in signal-handler context, so the
/// handler can take locks and allocate like any other Swift code.
public final class SignalWatcher: @unchecked Sendable {
    public static let watched: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
    /// Used internally to wake the watcher thread when the monitor ends.
    static let wakeSignal: Int32 = SIGUSR2
    private var thread: pthread_t?
    private let handler: @Sendable (ControlRequest) -> Void
    private let done = Locked(false)

    /// Call before any other thread exists (first thing in `run`), so no thread can take a signal's default action.
    public static func blockControlSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in watched + [wakeSignal] { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        // A shell starts background jobs with SIGINT ignored; an ignored signal is discarded even while blocked,
        // so sigwait would never see it. Back to the default disposition (safe: the signals stay blocked).
        for s in watched + [wakeSignal] { signal(s, SIG_DFL) }
    }

    public init(handler: @escaping @Sendable (ControlRequest) -> Void) {
        self.handler = handler
    }

    public func start() {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let me = Unmanaged<SignalWatcher>.fromOpaque(arg!).takeRetainedValue()
            me.loop()
            return nil
        }, box.toOpaque())
        thread = t
    }

    private func loop() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in SignalWatcher.watched + [SignalWatcher.wakeSignal] { sigaddset(&set, s) }
        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if done.withLock({ $0 }) { return }
            switch sig {
            case SIGTERM, SIGINT: handler(.stop(signal: sig))
            case SIGHUP: handler(.reload)
            case SIGUSR1: handler(.reopen)
            default: break
            }
        }
    }

    /// Ends the watcher thread and waits for it.
    public func stop() {
        done.withLock { $0 = true }
        if let t = thread {
            pthread_kill(t, SignalWatcher.wakeSignal)
            pthread_join(t, nil)
            thread = nil
        }
    }
}
