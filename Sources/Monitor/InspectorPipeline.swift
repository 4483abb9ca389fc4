// Monitor: adapts the shared review Inspector (decode → flows → verdicts) to a monitor worker, and turns its events into monitor output.
import Capture
import Wire
import EventOutput
import Inspect
import Policy
import PolicyCompiler

/// One worker's pipeline: the shared `Inspector` with an event sink that writes through the monitor's serialised output.
public final class InspectorPipeline: MonitorInspector {
    public typealias CompiledPolicyType = CompiledPolicy
    public let inspector: Inspector
    let sink: MonitorEventSink

    public init(policy: CompiledPolicy, output: MonitorOutput, worker: Int, interfaces: [String],
                configuration: InspectorConfiguration = InspectorConfiguration(), allFlows: Bool = true) {
        sink = MonitorEventSink(output: output, worker: worker, interfaces: interfaces, allFlows: allFlows)
        inspector = Inspector(policy: policy, sink: sink, configuration: configuration)
    }

    @inline(__always)
    public func process(_ packet: LivePacket, linkType: UInt32, interface: Int) {
        sink.currentInterface = interface
        inspector.process(bytes: packet.bytes, timestamp: packet.timestampNanoseconds, wireLength: packet.wireLength, linkType: linkType)
    }

    public func replacePolicy(_ policy: CompiledPolicy) { inspector.replacePolicy(policy) }

    public func tick(nowNanoseconds: Int64) { inspector.expire(now: nowNanoseconds) }

    public func finish() { inspector.finish() }

    public func counters() -> [(String, UInt64)] {
        let c = inspector.snapshot()
        var out: [(String, UInt64)] = [
            ("packets", c.packets), ("bytes", c.bytes), ("decoded", c.decoded), ("skipped", c.skipped), ("malformed", c.malformed),
            ("flows", c.flows), ("active_flows", c.flowsActive), ("flows_timed_out", c.flowsTimedOut),
            ("flows_evicted", c.flowsEvicted), ("flows_ended_at_shutdown", c.flowsEndedAtShutdown),
            ("violations", c.violations), ("violating_flows", c.violatingFlows),
            ("fragments", c.fragments), ("reassembled", c.reassembled),
        ]
        for k in FindingKind.allCases { out.append(("findings_" + k.name.replacingHyphens, c.findingsBy[Int(k.rawValue)])) }
        return out
    }
}

extension String {
    fileprivate var replacingHyphens: String { String(map { $0 == "-" ? "_" : $0 }) }
}

/// Receives one worker's findings and flow records, formats them with the shared `EveWriter` (same EVE schema as
/// `review`) and hands whole lines to the monitor's single output; alerts also go to syslog and the zone-pair metrics.
final class MonitorEventSink: EventSink {
    let output: MonitorOutput
    let worker: Int
    let interfaces: [String]
    var currentInterface = 0
    private var pending: [UInt8] = []
    private var eve: EveWriter!

    init(output: MonitorOutput, worker: Int, interfaces: [String], allFlows: Bool) {
        self.output = output
        self.worker = worker
        self.interfaces = interfaces
        let file = OutputFile(name: "monitor-worker-\(worker)") { [unowned self] bytes in
            self.pending.append(contentsOf: bytes)
        }
        eve = EveWriter(output: file, allFlows: allFlows)
    }

    private func takeLine() -> [UInt8] {
        eve.flush()
        let line = pending
        pending.removeAll(keepingCapacity: true)
        return line
    }

    func finding(_ x: Finding) {
        eve.finding(x)
        let line = takeLine()
        let f = x.flow
        let severity: SyslogSeverity = x.kind.severity <= 1 ? .error : (x.kind.severity == 2 ? .warning : .notice)
        var sd: [(String, String)] = [
            ("finding", x.kind.name), ("src_ip", f.src.description), ("src_port", String(f.srcPort)),
            ("dest_ip", f.dst.description), ("dest_port", String(f.dstPort)), ("proto", IPProtoName.eve(f.proto)),
            ("src_zone", f.srcZoneName ?? "-"), ("dest_zone", f.dstZoneName ?? "-"), ("rule", f.ruleName),
            ("community_id", f.communityID), ("flow_id", String(f.flowID)),
        ]
        if interfaces.indices.contains(currentInterface) { sd.append(("in_iface", interfaces[currentInterface])) }
        if !f.cite.isEmpty { sd.append(("cite", f.cite)) }
        output.write(MonitorEvent(kind: .alert, eve: line, timestampNanoseconds: x.timestamp,
                                  syslog: .init(severity: severity, messageID: "ALERT", structuredData: sd, text: EveWriter.signature(x)),
                                  zonePair: x.kind.isViolation ? (f.srcZoneName ?? "(none)", f.dstZoneName ?? "(none)") : nil))
    }

    func flowEnded(_ f: FlowInfo) {
        eve.flowEnded(f)
        let line = takeLine()
        if !line.isEmpty { output.write(MonitorEvent(kind: .flow, eve: line, timestampNanoseconds: f.end)) }
    }

    func evidence(flowID: UInt64, timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {
        output.writeEvidence(timestamp: timestamp, linkType: linkType, wireLength: wireLength, bytes: bytes)
    }

    /// The monitor writes one combined `stats` event for all workers; the per-inspector one is not needed.
    func stats(_ c: InspectionCounters, at time: Int64, final: Bool) {}

    func flush() {}
}

enum IPProtoName {
    static func eve(_ p: UInt8) -> String { Wire.IPProto.eveName(p) }
}
