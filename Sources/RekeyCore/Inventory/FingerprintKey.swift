#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium

/// The random key of the inventory's fingerprints: 32 bytes in `fingerprint.key.sealed` (kind 4,
/// context `fingerprint-key`), made on first use. `rekey key rotate` re-seals it unchanged, so
/// fingerprints recorded before a master-key rotation still match after it.
///
/// A fingerprint is BLAKE2b-256 keyed with it (libsodium `crypto_generichash`), as 64 hex digits:
/// it lets rekey recognise a token value it has seen without keeping the value. Fingerprints are
/// stored only inside sealed records, so that nobody without the master key can test a guess.
public struct FingerprintKey: Sendable {
    public static let context = "fingerprint-key"
    static let byteCount = 32
    let key: SecretBytes

    public static func path(_ state: StateDirectory) -> String { PathName.join(state.root, "fingerprint.key.sealed") }

    /// The key, created (exclusively, 0600) when there is none yet.
    public static func loadOrCreate(state: StateDirectory, sealer: Sealer) throws -> FingerprintKey {
        if let existing = try load(state: state, sealer: sealer) { return existing }
        Sodium.ready()
        let fresh = SecretBytes(count: byteCount)
        fresh.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        let blob = sealer.seal(fresh, kind: .inventory, context: context)
        let files = try state.files()
        let created = Result { () throws(FileError) in try files.createExclusive(path(state), bytes: blob, mode: 0o600) }
        if case .failure(let error) = created {
            // Another process made it first: use theirs.
            guard error.errno == EEXIST, let existing = try load(state: state, sealer: sealer) else { throw error }
            return existing
        }
        return FingerprintKey(key: fresh)
    }

    /// The key, or nil when none was made yet.
    public static func load(state: StateDirectory, sealer: Sealer) throws -> FingerprintKey? {
        var info = stat()
        guard lstat(path(state), &info) == 0 else { return nil }
        let blob = try AtomicFile.readBytes(path(state))
        let key = try sealer.open(blob, kind: .inventory, context: context, source: path(state))
        guard key.count == byteCount else { throw InventoryError.damaged(path(state), "the fingerprint key is not \(byteCount) bytes") }
        return FingerprintKey(key: key)
    }

    /// The keyed fingerprint of `value`, as hex.
    public func fingerprint(_ value: SecretBytes) -> String {
        Sodium.ready()
        var out = [UInt8](repeating: 0, count: 32)
        value.withUnsafeBytes { input in
            key.withUnsafeBytes { keyBytes in
                _ = crypto_generichash(&out, out.count,
                                       input.count > 0 ? input.baseAddress!.assumingMemoryBound(to: UInt8.self) : nil,
                                       UInt64(input.count),
                                       keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBytes.count)
            }
        }
        return Digest.hex(out)
    }

    /// The raw key, for tests that prove it never appears in plaintext.
    public func withUnsafeKeyBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { key.withUnsafeBytes(body) }
}
