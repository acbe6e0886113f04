import CSodium

/// What a sealed blob holds; byte 4 of the blob. Opening a blob as another kind fails.
public enum BlobKind: UInt8, Sendable, CaseIterable {
    case vaultEntry = 1
    case backup = 2
    case journalRecord = 3
    case inventory = 4

    /// "a vault entry", "a backup", ... for messages.
    public var noun: String {
        switch self {
        case .vaultEntry: "a vault entry"
        case .backup: "a backup"
        case .journalRecord: "a journal record"
        case .inventory: "an inventory"
        }
    }
}

/// Sealed blob format, version 1 (design.md; docs/blob-format.md is the full reference):
///
/// ```
/// offset  size  field
/// 0       4     magic "RKY" 0x01 (the last byte is the format version)
/// 4       1     kind (BlobKind)
/// 5       8     key id: first 8 bytes of BLAKE2b-256 of the master key
/// 13      2     context length N, big endian
/// 15      N     context, UTF-8
/// 15+N    24    nonce
/// 39+N    ...   XChaCha20-Poly1305-IETF ciphertext + 16-byte tag, AD = bytes 0 ..< 15+N
/// ```
enum BlobFormat {
    static let magic: [UInt8] = Array("RKY".utf8)
    static let version: UInt8 = 1
    static let keyIDCount = 8
    /// Bytes before the context: magic+version, kind, key id, context length.
    static let fixedHeaderCount = 4 + 1 + keyIDCount + 2
    static let maxContextCount = Int(UInt16.max)
    static var nonceCount: Int { Int(crypto_aead_xchacha20poly1305_ietf_npubbytes()) }
    static var tagCount: Int { Int(crypto_aead_xchacha20poly1305_ietf_abytes()) }
    static var keyCount: Int { Int(crypto_aead_xchacha20poly1305_ietf_keybytes()) }

    /// The header, which is also the AEAD's associated data.
    static func header(kind: BlobKind, keyID: [UInt8], context: String) -> [UInt8] {
        header(kindByte: kind.rawValue, keyID: keyID, context: context)
    }

    /// The one header writer, for master-key blobs and escrowed backups (kind 5) alike.
    static func header(kindByte: UInt8, keyID: [UInt8], context: String) -> [UInt8] {
        let contextBytes = Array(context.utf8)
        precondition(contextBytes.count <= maxContextCount, "a sealed blob's context is at most 65535 bytes")
        precondition(keyID.count == keyIDCount, "a key id is 8 bytes")
        var header = magic
        header.append(version)
        header.append(kindByte)
        header.append(contentsOf: keyID)
        header.append(UInt8(contextBytes.count >> 8))
        header.append(UInt8(contextBytes.count & 0xff))
        header.append(contentsOf: contextBytes)
        return header
    }
}
