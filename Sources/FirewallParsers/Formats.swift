// FirewallParsers: the list of configuration formats `segcheck firewall` reads, and format detection.
// Vendor parsers add one entry to `RuleSetFormats.all` (keep the list order: the first `detect` that says yes wins).
import Firewall

/// A configuration format: how to recognise it and how to parse it into the vendor-neutral `RuleSet`.
public struct RuleSetFormat: Sendable {
    /// Name used by `--format` and in reports ("iptables-save", "nftables", "nftables-json", "yamaha-rtx", ...).
    public var name: String
    /// True if `text` looks like this format (cheap sniffing of the first lines).
    public var detect: @Sendable (_ text: String) -> Bool
    /// Parses the whole file. Throws `ConfigError` (file, line, column, reason) on malformed input.
    public var parse: @Sendable (_ text: String, _ file: String) throws -> RuleSet
    public init(name: String, detect: @escaping @Sendable (String) -> Bool, parse: @escaping @Sendable (String, String) throws -> RuleSet) {
        self.name = name; self.detect = detect; self.parse = parse
    }
}

public enum RuleSetFormats {
    /// Every known format, in detection order.
    public static var all: [RuleSetFormat] {
        var formats: [RuleSetFormat] = []
        formats += builtin
        formats += VendorLowering.formats   // yamaha, ix, fortigate, ios, asa, panos, junos (VendorLowering.swift)
        return formats
    }

    /// Formats implemented by the firewall issue (iptables, nftables); vendor formats are appended in `all`.
    static var builtin: [RuleSetFormat] { [NftablesJSONParser.format, IptablesParser.format, NftablesTextParser.format] }

    public static func named(_ name: String) -> RuleSetFormat? {
        if let f = all.first(where: { $0.name == name }) { return f }
        // Short `--format` spellings: iptables = iptables-save; nft = nftables text or `nft -j` JSON, by content.
        switch name {
        case "iptables": return named("iptables-save")
        case "nft":
            guard let text = named("nftables"), let json = named("nftables-json") else { return nil }
            return RuleSetFormat(name: "nft", detect: { text.detect($0) || json.detect($0) }, parse: { t, file in
                t.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).hasPrefix("{") ? try json.parse(t, file) : try text.parse(t, file)
            })
        default: return nil
        }
    }

    /// The format of `text`, or nil if none recognises it.
    public static func detect(_ text: String) -> RuleSetFormat? { all.first { $0.detect(text) } }
}
