// SHA-256 of evidence files (policy, EVE, firewall results) through OpenSSL's EVP interface, streamed in chunks.
import CCrypto
import Foundation

/// An incremental SHA-256. Not thread-safe; one per file.
public final class SHA256Digest {
    private let context: OpaquePointer

    public init() {
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL could not initialise SHA-256")  // only on a broken libcrypto
        }
        context = ctx
    }
    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// The digest as lowercase hex (what `sha256sum` prints).
    public func finishHex() -> String {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &out, &length)
        return out[0..<Int(length)].map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// SHA-256 of a whole file as hex, read in 1 MiB chunks.
    public static func ofFile(_ path: String) throws(ReportError) -> (hex: String, bytes: Int64) {
        guard let fp = fopen(path, "rb") else {
            throw ReportError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(fp) }
        let digest = SHA256Digest()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, fp) }
            if n > 0 {
                buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                total += Int64(n)
            }
            if n < buffer.count {
                if ferror(fp) != 0 { throw ReportError(file: path, "read error: \(String(cString: strerror(errno)))") }
                break
            }
        }
        return (digest.finishHex(), total)
    }
}
