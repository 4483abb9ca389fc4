// Monitor: dead-feed detection — a mirror port that delivers nothing is reported as dead, never as "0% loss".

/// Tracks one interface's packet counter and says when it went silent or came back.
public struct FeedHealth: Sendable {
    public enum Transition: Sendable, Equatable {
        case none
        /// No packets for `silentSeconds` (≥ the configured limit).
        case becameDead(silentSeconds: Double)
        /// Packets again after `deadSeconds` of silence.
        case becameAlive(deadSeconds: Double)
    }
    public let deadAfter: Double
    public private(set) var lastCount: UInt64 = 0
    public private(set) var lastChange: Double
    public private(set) var isDead = false
    private var deadSince: Double = 0

    /// `now` is the monotonic time the watch starts; silence counts from there.
    public init(deadAfter seconds: Double, now: Double) {
        self.deadAfter = seconds
        self.lastChange = now
    }

    /// Feed the interface's running packet total (kernel-received, including dropped packets: a feed that
    /// overflows us is alive). A limit of 0 disables detection.
    public mutating func observe(count: UInt64, now: Double) -> Transition {
        if count != lastCount {
            lastCount = count
            lastChange = now
            if isDead {
                isDead = false
                return .becameAlive(deadSeconds: now - deadSince)
            }
            return .none
        }
        if deadAfter > 0, !isDead, now - lastChange >= deadAfter {
            isDead = true
            deadSince = lastChange
            return .becameDead(silentSeconds: now - lastChange)
        }
        return .none
    }
}
