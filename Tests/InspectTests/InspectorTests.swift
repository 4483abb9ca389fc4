// InspectTests: the Inspector API the monitor reuses — policy replacement for new flows only, per-flow (not per-packet) events, timeouts on packet time.
import Foundation
import Testing
import Capture
import EventOutput
import Flows
import Inspect
import Policy
import PolicyCompiler
import Wire

private func feed(_ inspector: Inspector, _ name: String) throws {
    var r = try CaptureFileReader.open(path: Paths.captures.appendingPathComponent(name).path)
    while let rec = try r.next() { inspector.process(rec) }
}

@Suite struct InspectorTests {
    let policyA = try! PolicyLoader.load(path: Paths.captures.appendingPathComponent("test-policy.yaml").path)

    @Test func replacedPolicyAppliesToNewFlowsOnly() throws {
        var policyB = policyA
        policyB.name = "without MN-LG"
        policyB.flows.removeAll { $0.id == "MN-LG" }
        let sink = CollectingSink()
        let inspector = Inspector(policy: try CompiledPolicy.compile(policyA), sink: sink)
        try feed(inspector, "vlan.pcap")                     // flow 1 under A: denied by MN-LG
        let compiledB = try CompiledPolicy.compile(policyB)
        let t = Thread { inspector.replacePolicy(compiledB) } // from another thread, as SIGHUP handling does
        t.start()
        while !t.isFinished { usleep(1000) }
        try feed(inspector, "qinq.pcap")                     // flow 2 under B: default deny
        inspector.finish()
        #expect(sink.findings.count == 2)
        #expect(sink.findings[0].flow.ruleName == "MN-LG" && sink.findings[0].flow.policy.name == policyA.name)
        #expect(sink.findings[1].kind == .defaultDeny && sink.findings[1].flow.policy.name == "without MN-LG")
        // Flow records still name the policy each flow started under.
        #expect(Set(sink.flows.map(\.policy.name)) == [policyA.name, "without MN-LG"])
    }

    @Test func oneEventPerFlowNotPerPacket() throws {
        let sink = CollectingSink()
        let inspector = Inspector(policy: try CompiledPolicy.compile(policyA), sink: sink)
        for _ in 0..<3 { try feed(inspector, "vlan.pcap") }  // the same 7 packets three times: still one flow
        inspector.finish()
        #expect(sink.findings.count == 1)
        #expect(sink.flows.count == 1)
        #expect(sink.flows[0].pktsToServer == 12 && sink.flows[0].pktsToClient == 9)
        #expect(inspector.counters.packets == 21 && inspector.counters.flows == 1)
    }

    @Test func flowsTimeOutOnPacketTimeNotWallClock() throws {
        let sink = CollectingSink()
        var config = InspectorConfiguration()
        config.timeouts = FlowTimeouts(tcpNew: 1, tcpEstablished: 1, tcpClosed: 1, new: 1, established: 1)
        let inspector = Inspector(policy: try CompiledPolicy.compile(policyA), sink: sink, configuration: config)
        try feed(inspector, "vlan.pcap")        // packet time 2026-11-25 09:03:20
        #expect(sink.flows.isEmpty)
        try feed(inspector, "mpls.pcap")        // 09:03:20 too: nothing has been idle 1 s
        #expect(sink.flows.isEmpty)
        try feed(inspector, "sll.pcap")         // 100 s later in packet time: both earlier flows expire
        #expect(sink.flows.count == 2)
        #expect(sink.flows.allSatisfy { $0.endReason == .timeout })
        inspector.finish()
        #expect(inspector.counters.flowsTimedOut == 2 && inspector.counters.flowsEndedAtShutdown == 1)
    }
}
