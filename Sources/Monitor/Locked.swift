// Monitor: a value guarded by a pthread mutex, shared between the worker, control and signal threads.
#if canImport(Glibc)
import Glibc
#endif

/// A mutex-protected value. Every access goes through `withLock`.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init(_ value: Value) { self.value = value; pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }
    @discardableResult
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// A condition the control thread sleeps on until a deadline or until another thread wakes it.
final class Wakeup: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending = false
    init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }
    deinit { pthread_cond_destroy(cond); pthread_mutex_destroy(mutex); cond.deallocate(); mutex.deallocate() }

    func signal() {
        pthread_mutex_lock(mutex); pending = true; pthread_cond_signal(cond); pthread_mutex_unlock(mutex)
    }

    /// Waits until signalled or `seconds` pass. Returns true when signalled.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let total = Int64(ts.tv_nsec) + Int64(max(0, seconds) * 1e9)
        ts.tv_sec += Int(total / 1_000_000_000)
        ts.tv_nsec = Int(total % 1_000_000_000)
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        while !pending {
            if pthread_cond_timedwait(cond, mutex, &ts) == ETIMEDOUT { break }
        }
        let was = pending
        pending = false
        return was
    }
}

/// Seconds on the monotonic clock (for intervals; never for event timestamps).
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Wall-clock time in nanoseconds since the epoch (event timestamps).
func wallClockNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

private final class ThreadBody { let run: () -> Void; init(_ run: @escaping () -> Void) { self.run = run } }

/// Starts a joinable POSIX thread (inheriting the caller's signal mask) running `body`.
func startThread(_ body: @escaping () -> Void) -> pthread_t {
    let box = Unmanaged.passRetained(ThreadBody(body))
    var t = pthread_t()
    pthread_create(&t, nil, { arg in
        Unmanaged<ThreadBody>.fromOpaque(arg!).takeRetainedValue().run()
        return nil
    }, box.toOpaque())
    return t
}
