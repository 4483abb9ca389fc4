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

    /// A reload that adds MAC pins (通信経路の限定 by MAC) applies to flows already open: they are checked again on
    /// their next packets, once per flow, not once per packet.
    @Test func reloadAddingMACPinsChecksOpenFlows() throws {
        var unpinned = policyA
        unpinned.name = "no MAC pins"
        for i in unpinned.hosts.indices { unpinned.hosts[i].macs = [] }
        #expect(policyA.hosts.contains { !$0.macs.isEmpty }, "the test policy pins a host to a MAC")
        let sink = CollectingSink()
        let inspector = Inspector(policy: try CompiledPolicy.compile(unpinned), sink: sink)
        try feed(inspector, "basic.pcap")
        #expect(!sink.findings.contains { $0.kind == .macNotAllowed }, "no pins, no MAC findings")
        let flowsBefore = inspector.counters.flows
        inspector.replacePolicy(try CompiledPolicy.compile(policyA))
        try feed(inspector, "basic.pcap")                    // the same flows again, still open
        try feed(inspector, "basic.pcap")
        #expect(inspector.counters.flows == flowsBefore, "the replayed packets continue the open flows")
        let macFindings = sink.findings.filter { $0.kind == .macNotAllowed }
        #expect(macFindings.count == 1, "one MAC finding for the open flow sent from the wrong MAC: \(macFindings.map(\.detail))")
        #expect(macFindings.first?.detail?.contains("02:00:00:00:09:99") == true)
        inspector.finish()

        // The same capture under the pinned policy from the start raises the same single finding.
        let fresh = CollectingSink()
        let pinned = Inspector(policy: try CompiledPolicy.compile(policyA), sink: fresh)
        try feed(pinned, "basic.pcap")
        pinned.finish()
        #expect(fresh.findings.filter { $0.kind == .macNotAllowed }.map(\.detail) == macFindings.map(\.detail))
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
