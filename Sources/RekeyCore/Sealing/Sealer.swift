import CSodium

/// Seals and opens blobs in format v1 (see `BlobFormat`) under one master key.
///
/// `seal` binds the blob to a kind and a context; `open` states the kind and context it expects,
/// so a blob moved to another consumer, path or kind fails to open with a message saying so.
public struct Sealer: Sendable {
    let key: MasterKey

    public init(key: MasterKey) {
        self.key = key
    }

    public var keyID: [UInt8] { key.keyID }

    /// Seals `plaintext` with a fresh random nonce.
    public func seal(_ plaintext: SecretBytes, kind: BlobKind, context: String) -> [UInt8] {
        seal(plaintext, kind: kind, context: context, nonce: Sodium.randomBytes(BlobFormat.nonceCount))
    }

    /// Seals with a given nonce: for the test vector only. Reusing a nonce under one key breaks
    /// the cipher, so production code always goes through `seal(_:kind:context:)`.
    func seal(_ plaintext: SecretBytes, kind: BlobKind, context: String, nonce: [UInt8]) -> [UInt8] {
        Sodium.ready()
        precondition(nonce.count == BlobFormat.nonceCount, "an XChaCha20 nonce is 24 bytes")
        let header = BlobFormat.header(kind: kind, keyID: key.keyID, context: context)
        let prefixCount = header.count + nonce.count
        var blob = header + nonce + [UInt8](repeating: 0, count: plaintext.count + BlobFormat.tagCount)
        var written: UInt64 = 0
        let status = blob.withUnsafeMutableBufferPointer { out in
            plaintext.withUnsafeBytes { message in
                key.bytes.withUnsafeBytes { keyBytes in
                    let base = out.baseAddress!
                    return crypto_aead_xchacha20poly1305_ietf_encrypt(
                        base + prefixCount, &written,
                        message.count > 0 ? message.baseAddress!.assumingMemoryBound(to: UInt8.self) : UnsafePointer(base),
                        UInt64(message.count),
                        base, UInt64(header.count),
                        nil,
                        base + header.count,
                        keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        // Encryption cannot fail for inputs below 256 GiB; a failure is a broken libsodium.
        precondition(status == 0 && Int(written) == plaintext.count + BlobFormat.tagCount,
                     "crypto_aead_xchacha20poly1305_ietf_encrypt failed")
        return blob
    }

    /// Opens `blob`, checking in order: magic, version, kind, key id, context, then the AEAD tag.
    /// Decrypts straight into `SecretBytes`; on any failure nothing is returned.
    public func open(_ blob: [UInt8], kind: BlobKind, context: String, source: String) throws(SealError) -> SecretBytes {
        Sodium.ready()
        func fail(_ reason: SealError.Reason) -> SealError { SealError(source: source, reason: reason) }

        let fixed = try BlobHeader.fixedPart(blob, source: source)
        guard fixed.kindByte == kind.rawValue else { throw fail(.wrongKind(expected: kind, found: fixed.kindByte)) }
        guard fixed.keyID == key.keyID else { throw fail(.wrongKey(loaded: key.keyID, sealedWith: fixed.keyID)) }
        let header = try BlobHeader.complete(blob, fixed: fixed, source: source)
        let headerCount = header.count
        guard blob[BlobFormat.fixedHeaderCount..<headerCount].elementsEqual(context.utf8) else {
            throw fail(.contextMismatch(expected: context, found: header.context))
        }

        let cipherCount = blob.count - headerCount - BlobFormat.nonceCount
        let plaintext = SecretBytes(count: cipherCount - BlobFormat.tagCount)
        var written: UInt64 = 0
        let status = blob.withUnsafeBufferPointer { input in
            plaintext.withUnsafeMutableBytes { out in
                key.bytes.withUnsafeBytes { keyBytes in
                    let base = input.baseAddress!
                    return crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
                        nil,
                        base + headerCount + BlobFormat.nonceCount, UInt64(cipherCount),
                        base, UInt64(headerCount),
                        base + headerCount,
                        keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard status == 0, Int(written) == plaintext.count else { throw fail(.authenticationFailed) }
        return plaintext
    }
}
