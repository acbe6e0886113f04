import CSodium

/// Fingerprints of bytes, as lowercase hex: what the journal records instead of contents.
public enum Digest {
    /// SHA-256 of a secret, in hex (`crypto_hash_sha256`). The digest of a high-entropy secret does
    /// not reveal it; the journal stores these to prove which bytes a file held.
    public static func sha256Hex(_ secret: SecretBytes) -> String {
        hex(secret.withUnsafeBytes { sha256($0) })
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(bytes.withUnsafeBytes { sha256($0) })
    }

    /// BLAKE2b-256 with no key (`crypto_generichash`), as used for the master key id.
    public static func blake2b256(_ secret: SecretBytes) -> [UInt8] {
        secret.withUnsafeBytes { blake2b256($0) }
    }

    public static func blake2b256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { blake2b256($0) }
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { hexDigits($0) }.joined()
    }

    private static func sha256(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ready()
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_bytes()))
        withBase(input) { data in
            _ = out.withUnsafeMutableBytes { o in
                crypto_hash_sha256(o.baseAddress!.assumingMemoryBound(to: UInt8.self), data, UInt64(input.count))
            }
        }
        return out
    }

    private static func blake2b256(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ready()
        var out = [UInt8](repeating: 0, count: 32)
        withBase(input) { data in
            _ = out.withUnsafeMutableBytes { o in
                crypto_generichash(o.baseAddress!.assumingMemoryBound(to: UInt8.self), 32, data, UInt64(input.count), nil, 0)
            }
        }
        return out
    }

    /// Calls `body` with a non-null pointer to `input`'s bytes, even when `input` is empty.
    private static func withBase(_ input: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) -> Void) {
        if let base = input.baseAddress, input.count > 0 {
            body(base.assumingMemoryBound(to: UInt8.self))
        } else {
            let placeholder: [UInt8] = [0]
            placeholder.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }
}
