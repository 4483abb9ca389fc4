// InspectTests: Community ID against the spec's published vectors, Suricata's timestamp format, and JSON escaping.
import Foundation
import Testing
import Wire
@testable import EventOutput

@Suite struct EventFormatTests {
    /// corelight/community-id-spec baseline/README.md, "Default settings" table (seed 0, base64).
    @Test(arguments: [
        (6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="),
        (6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM="),
        (17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
        (17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
        (132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="),
        (1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="),
        (1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="),
        (1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="),
        (58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="),
        (58, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="),
        (58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10="),
        (46, "1.2.3.4", "5.6.7.8", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="),
        (46, "5.6.7.8", "1.2.3.4", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="),
        (46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="),
        // baseline_deflt.json (IPv6 TCP, IPv4 UDP from the spec's pcaps).
        (6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="),
        (17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
    ] as [(Int, String, String, Int, Int, String)])
    func communityIDMatchesTheSpec(_ v: (Int, String, String, Int, Int, String)) {
        let id = CommunityID.compute(src: IPAddress(v.1)!, dst: IPAddress(v.2)!, proto: UInt8(v.0), srcPort: UInt16(v.3), dstPort: UInt16(v.4))
        #expect(id == v.5)
    }

    @Test func timestampsLookLikeSuricatas() {
        #expect(EveTime.string(0) == "1970-01-01T00:00:00.000000+0000")
        // 2010-07-08T14:53:22.069419 (the Suricata sample in the research notes).
        #expect(EveTime.string(1_278_600_802_069_419_000) == "2010-07-08T14:53:22.069419+0000")
        #expect(EveTime.string(1_795_598_150_124_455_452) == "2026-11-25T09:15:50.124455+0000")
        // Leap day, and nanoseconds truncated (not rounded) to microseconds like Suricata.
        #expect(EveTime.string(1_709_164_799_999_999_999) == "2024-02-28T23:59:59.999999+0000")
        #expect(EveTime.string(1_709_164_800_000_000_000) == "2024-02-29T00:00:00.000000+0000")
        // Before the epoch.
        #expect(EveTime.string(-1_000) == "1969-12-31T23:59:59.999999+0000")
    }

    @Test func jsonEscapingRoundTripsThroughFoundation() throws {
        let nasty = "quote\" backslash\\ newline\n tab\t nul\u{0} bell\u{7} マイナンバー利用事務系 ✓ \u{1F600}"
        var line = JSONLine()
        line.beginObject()
        line.string("s", nasty)
        line.uint("big", UInt64(Int64.max))
        line.int("neg", -42)
        line.beginArray("vlan"); line.element(100); line.element(10); line.endArray()
        line.endObject(); line.endLine()
        #expect(line.bytes.last == 10)
        let obj = try JSONSerialization.jsonObject(with: Data(line.bytes.dropLast())) as! [String: Any]
        #expect(obj["s"] as? String == nasty)
        #expect((obj["big"] as? NSNumber)?.int64Value == Int64.max)
        #expect(obj["neg"] as? Int == -42)
        #expect(obj["vlan"] as? [Int] == [100, 10])
    }
}
