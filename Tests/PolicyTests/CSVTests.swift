// CSV policy tests: the same tables in UTF-8, UTF-8 with BOM and Shift_JIS/CP932 load to the same policy; errors carry
// file, line and column (counted in characters, also for CP932 files).
import Foundation
import Testing
@testable import Policy
import PolicyCompiler
import Wire
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CSVTests {
    static let fixtures = Repo.root + "/Tests/PolicyTests/Fixtures/csv"

    /// UTF-8 → CP932 with the C library (the opposite direction of what the loader does).
    static func cp932(_ text: String) -> [UInt8] {
        let cd = iconv_open("CP932", "UTF-8")
        precondition(cd != iconv_t(bitPattern: -1))
        defer { iconv_close(cd) }
        var input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let written: Int = input.withUnsafeMutableBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                var ip: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(i.baseAddress!).assumingMemoryBound(to: CChar.self)
                var il = i.count
                var op: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(o.baseAddress!).assumingMemoryBound(to: CChar.self)
                var ol = o.count
                precondition(iconv(cd, &ip, &il, &op, &ol) != -1)
                return o.count - ol
            }
        }
        return Array(output[0..<written])
    }

    /// Copies the fixture tables into a fresh directory, transforming each file's bytes.
    static func tables(_ transform: (String) -> [UInt8], edit: (inout [String: String]) -> Void = { _ in }) throws -> String {
        let dir = NSTemporaryDirectory() + "segcheck-csv-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var texts: [String: String] = [:]
        for name in ["zones.csv", "hosts.csv", "flows.csv"] { texts[name] = try String(contentsOfFile: fixtures + "/" + name, encoding: .utf8) }
        edit(&texts)
        for (name, text) in texts { try Data(transform(text)).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        return dir
    }

    func checkPolicy(_ p: Policy) throws {
        #expect(p.zones.map(\.name) == ["mynumber", "lgwan", "inet", "external"])
        #expect(p.zones[0].label == "マイナンバー利用事務系")
        #expect(p.zones[0].networks.map(\.description) == ["192.0.2.0/26", "2001:db8:10::/48"])
        #expect(p.zones[3].networks.count == 2)
        #expect(p.hosts.map(\.name) == ["vbrowser", "mailgw"])
        #expect(p.hosts[0].ranges == [ip("192.0.2.140")...ip("192.0.2.149")])
        #expect(p.hosts[1].macs == [MACAddress("02:00:00:00:01:30")!])
        #expect(p.flows.map(\.id) == ["SCREEN", "MAIL", "MN-EXT"])
        #expect(p.flows[0].ports == [PortRange(3389, 3389), PortRange(1494, 1495)])
        #expect(p.flows[1].note == "本文のみ, \"テキスト化\"")
        #expect(p.flows[2].proto == nil)
        let c = try CompiledPolicy.compile(p)
        #expect(ask(c, "192.0.2.70", "192.0.2.141", "tcp", 1495) == (.allowed, "SCREEN"))
        #expect(ask(c, "192.0.2.130", "192.0.2.70", "tcp", 25) == (.allowed, "MAIL"))
        #expect(ask(c, "192.0.2.5", "8.8.8.8", "udp", 53) == (.denied, "MN-EXT"))
        #expect(ask(c, "192.0.2.70", "192.0.2.131", "tcp", 445) == (.defaultDeny, nil))
    }

    @Test func utf8() throws { try checkPolicy(try PolicyLoader.load(path: Self.fixtures)) }
    @Test func utf8WithBOM() throws { try checkPolicy(try PolicyLoader.load(path: try Self.tables { [0xEF, 0xBB, 0xBF] + Array($0.utf8) })) }
    @Test func shiftJIS() throws {
        let dir = try Self.tables(Self.cp932)
        // The bytes really are CP932 (not valid UTF-8), and load to the same policy.
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/zones.csv"))
        #expect(String(data: raw, encoding: .utf8) == nil)
        try checkPolicy(try PolicyLoader.load(path: dir))
    }
    @Test func crlfLineEndings() throws {
        try checkPolicy(try PolicyLoader.load(path: try Self.tables { Array($0.replacingOccurrences(of: "\n", with: "\r\n").utf8) }))
    }
    @Test func prefixedFilePair() throws {
        let dir = try Self.tables { Array($0.utf8) }
        for t in ["zones", "hosts", "flows"] { try FileManager.default.moveItem(atPath: "\(dir)/\(t).csv", toPath: "\(dir)/city-\(t).csv") }
        let p = try PolicyLoader.load(path: dir + "/city-flows.csv")
        #expect(p.name == "city")
        try checkPolicy(p)
    }

    func error(_ transform: @escaping (String) -> [UInt8], _ edit: @escaping (inout [String: String]) -> Void) throws -> PolicyError? {
        do { _ = try PolicyLoader.load(path: try Self.tables(transform, edit: edit)); return nil } catch let e as PolicyError { return e }
    }

    @Test func badCIDRInCP932FileHasCharacterColumn() throws {
        let e = try error(Self.cp932) { $0["zones.csv"] = $0["zones.csv"]!.replacingOccurrences(of: "192.0.2.64/26", with: "192.0.2.64/33") }
        #expect(e?.location.file.hasSuffix("zones.csv") == true)
        // Row "lgwan,lgwan,LGWAN接続系,192.0.2.64/33,20": the network starts at character 22 of line 3.
        #expect(e?.location.line == 3 && e?.location.column == 22)
        #expect(e?.message.contains("bad network") == true)
    }

    @Test func badPortInsideAQuotedList() throws {
        let e = try error({ Array($0.utf8) }) { $0["flows.csv"] = $0["flows.csv"]!.replacingOccurrences(of: "1494-1495", with: "1494-99999") }
        // `SCREEN,lgwan,vbrowser,tcp,"3389, 1494-99999"`: the second item starts at column 34.
        #expect(e?.location.line == 2 && e?.location.column == 34)
        #expect(e?.message.contains("bad port") == true)
    }

    @Test func unknownZoneInFlowRow() throws {
        let e = try error({ Array($0.utf8) }) { $0["flows.csv"] = $0["flows.csv"]!.replacingOccurrences(of: "MN-EXT,mynumber", with: "MN-EXT,mynumbr") }
        #expect(e?.location.line == 4 && e?.location.column == 8)
        #expect(e?.message.contains("did you mean 'mynumber'") == true)
    }

    @Test func unclosedQuoteAndStrayQuote() throws {
        let e = try error({ Array($0.utf8) }) { $0["hosts.csv"]! += "x,inet,\"unterminated,192.0.2.150\n" }
        #expect(e?.location.line == 4 && e?.location.column == 8)
        #expect(e?.message.contains("never closed") == true)
        let s = try error({ Array($0.utf8) }) { $0["hosts.csv"]! += "x,inet,ab\"c,192.0.2.150\n" }
        #expect(s?.location.line == 4 && s?.location.column == 10)
    }

    @Test func unknownColumnAndExtraCell() throws {
        let e = try error({ Array($0.utf8) }) { $0["zones.csv"] = $0["zones.csv"]!.replacingOccurrences(of: "name,tier", with: "name,teir") }
        #expect(e?.location.line == 1 && e?.location.column == 6)
        #expect(e?.message.contains("unknown column 'teir'") == true)
        let x = try error({ Array($0.utf8) }) { $0["zones.csv"] = $0["zones.csv"]!.replacingOccurrences(of: "192.0.2.64/26,20", with: "192.0.2.64/26,20,oops") }
        #expect(x?.location.line == 3 && x?.message.contains("beyond the last named column") == true)
    }

    @Test func bytesInNoEncoding() throws {
        // 0xFF is neither UTF-8 nor a CP932 lead byte.
        let e = try error({ text in Array(text.utf8) + (text.hasPrefix("id") ? [0x0A, 0xFF, 0xFF] : []) }) { _ in }
        #expect(e?.location.file.hasSuffix("flows.csv") == true)
        #expect(e?.location.line == 6)
        #expect(e?.message.contains("UTF-8 or Shift_JIS") == true)
    }
}
