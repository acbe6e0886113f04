import CSodium

/// Bytes that are secret: a password, a token, a TOTP seed, a master key, or the whole content of an
/// env file (which holds other secrets too).
///
/// - Storage comes from `sodium_malloc`: its own pages, locked into memory (`mlock`), excluded
///   from core dumps (`MADV_DONTDUMP`), with guard pages on both sides and a canary, so an overrun
///   faults instead of reading a neighbour. The end of the bytes touches the trailing guard page.
///   `sodium_free` wipes and unlocks them when the object is freed; freeing one secret never
///   unlocks a page another secret shares.
/// - The bytes are readable only inside `withUnsafeBytes { }`.
/// - `print`, `dump`, `String(reflecting:)` and string interpolation all show `<redacted>`.
///
/// Swift `String`s and `[UInt8]`s cannot be wiped reliably (copy-on-write makes hidden copies), so
/// secrets are moved into `SecretBytes` as early as possible and leave it only into a C buffer or a
/// sealed blob.
public final class SecretBytes: @unchecked Sendable {
    private let pointer: UnsafeMutableRawPointer
    public let count: Int

    /// A zero-filled secret of `count` bytes, to be filled with `withUnsafeMutableBytes`.
    public init(count: Int) {
        Sodium.ready()
        self.count = count
        // sodium_malloc(0) is valid, but a 1-byte region keeps the pointer non-null for empty secrets.
        guard let memory = sodium_malloc(max(count, 1)) else {
            fatalError("sodium_malloc(\(count)) failed: out of memory for secrets")
        }
        pointer = memory
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
    }

    /// Copies `bytes` into a new secret. Wipe the source yourself if you own it.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            pointer.copyMemory(from: base, byteCount: bytes.count)
        }
    }

    public convenience init(copying bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        self.init(count: array.count)
        array.withUnsafeBytes { source in
            if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: source.count) }
        }
    }

    /// The UTF-8 bytes of `string`. The `String` itself cannot be wiped; prefer reading secrets
    /// straight into `SecretBytes` where the source allows.
    public convenience init(utf8 string: String) {
        self.init(copying: Array(string.utf8))
    }

    deinit {
        sodium_free(pointer)  // checks the canary, zeroes, unlocks and unmaps
    }

    public var isEmpty: Bool { count == 0 }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    public func withUnsafeMutableBytes<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// A new secret holding `range` of these bytes.
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "SecretBytes.slice out of range")
        return withUnsafeBytes { SecretBytes(copying: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Concatenation of several secrets into one new secret.
    public static func concatenating(_ parts: [SecretBytes]) -> SecretBytes {
        let result = SecretBytes(count: parts.reduce(0) { $0 + $1.count })
        var offset = 0
        result.withUnsafeMutableBytes { out in
            for part in parts {
                part.withUnsafeBytes { src in
                    if let base = src.baseAddress, src.count > 0 {
                        (out.baseAddress! + offset).copyMemory(from: base, byteCount: src.count)
                    }
                }
                offset += part.count
            }
        }
        return result
    }

    /// Constant-time equality (`sodium_memcmp`).
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        return withUnsafeBytes { a in other.withUnsafeBytes { b in sodium_memcmp(a.baseAddress!, b.baseAddress!, count) == 0 } }
    }

    /// Values shorter than this never show their tail: eight characters of a short value (a
    /// password pasted where a token belongs) would be most or all of it.
    public static let minimumLengthForTail = 24

    /// What people may see of a token: `…` plus its last eight characters, or, for a value too short
    /// to be a token, only its length.
    public var redactedTail: String {
        displayLastEight.map { "…" + $0 } ?? "(\(count) characters, not shown)"
    }

    /// The last eight characters when the value is long enough to show them (see
    /// `minimumLengthForTail`), else nil. Gitea tokens (40 hex) always show theirs, as Gitea does.
    public var displayLastEight: String? {
        count >= Self.minimumLengthForTail ? lastEight : nil
    }

    /// The last eight bytes as a string, whatever the length: for comparing with Gitea's
    /// `token_last_eight`, never for display.
    var lastEight: String {
        withUnsafeBytes { raw in
            String(decoding: raw.suffix(8), as: UTF8.self)
        }
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
