// Monitor: what a worker needs from its packet pipeline (one per worker thread): process, reload, tick, finish, counters.
import Capture

/// The per-worker pipeline behind the capture. The monitor is generic over it, so the per-packet call is a direct,
/// specialised method call (no existential). `InspectorPipeline` adapts the shared `Inspect.Inspector`.
public protocol MonitorInspector: AnyObject {
    associatedtype CompiledPolicyType
    /// One packet; `bytes` are valid only during the call. `interface` indexes the monitor's interface list.
    func process(_ packet: LivePacket, linkType: UInt32, interface: Int)
    /// Swap the policy between packets; flows in the table are kept.
    func replacePolicy(_ policy: CompiledPolicyType)
    /// Called about once a second on the worker thread with wall-clock time, so idle flows can expire on a quiet link.
    func tick(nowNanoseconds: Int64)
    /// End of capture: emit flow records for every open flow and flush.
    func finish()
    /// Named counters for the `stats` event and metrics (packets, decoded, skipped, malformed, flows, violations, ...).
    func counters() -> [(String, UInt64)]
}
