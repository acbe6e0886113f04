#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium

/// Escrowed backups: a backup's bytes sealed to the recovery public key with libsodium's
/// `crypto_box_seal` (X25519 + XSalsa20-Poly1305, an ephemeral sender key per file), so that the
/// backup opens without the master key, with the recovery private key that lives off the host.
/// The host writes these and can never read them. docs/blob-format.md ("Escrowed backups") is the
/// full reference:
///
/// ```
/// offset  size  field
/// 0       4     magic "RKY" 0x01
/// 4       1     kind 5 (escrowed backup)
/// 5       8     recovery key id: first 8 bytes of BLAKE2b-256 of the X25519 public key
/// 13      2     context length N, big endian
/// 15      N     context, UTF-8: the same context as the sealed backup beside it
/// 15+N    ...   crypto_box_seal(header ‖ file bytes), header = bytes 0 ..< 15+N
/// ```
///
/// `crypto_box_seal` takes no associated data, so the header is bound by sealing it too: the
/// opener requires the decrypted plaintext to start with exactly the header it read.
public enum Escrow {
    /// Byte 4 of an escrowed backup. (Kinds 1–4 are `BlobKind`s sealed under the master key.)
    public static let kind: UInt8 = 5
    public static let fileSuffix = ".escrow"

    /// `…/<basename>.bak.<epoch>.escrow` beside the sealed backup `…/<basename>.bak.<epoch>.sealed`.
    /// Retention should remove the two together.
    public static func path(forBackup sealedPath: String) -> String {
        let stem = sealedPath.hasSuffix(".sealed") ? String(sealedPath.dropLast(".sealed".count)) : sealedPath
        return stem + fileSuffix
    }

    /// What `open` returns: the backup's context (not secret) and its exact bytes.
    public struct Opened: Sendable {
        public let context: String
        public let bytes: SecretBytes
    }

    static func header(keyID: [UInt8], context: String) -> [UInt8] {
        BlobFormat.header(kindByte: kind, keyID: keyID, context: context)
    }

    /// Seals `plaintext` to `key` under `context`.
    public static func seal(_ plaintext: SecretBytes, to key: RecoveryPublicKey, context: String, source: String) throws(EscrowError) -> [UInt8] {
        Sodium.ready()
        let header = header(keyID: key.keyID, context: context)
        let inner = SecretBytes.concatenating([SecretBytes(copying: header), plaintext])
        var sealed = [UInt8](repeating: 0, count: inner.count + Int(crypto_box_sealbytes()))
        let status = inner.withUnsafeBytes { message in
            crypto_box_seal(&sealed, message.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(message.count), key.bytes)
        }
        // crypto_box_seal refuses a public key that is a low-order point.
        guard status == 0 else { throw EscrowError(source: source, reason: .unusableRecoveryKey) }
        return header + sealed
    }

    /// Seals `plaintext` with the context of the master-key `sealedBlob` it escrows, read from that
    /// blob's header, so the two files always name the same consumer, path and moment.
    public static func seal(_ plaintext: SecretBytes, to key: RecoveryPublicKey, contextOf sealedBlob: [UInt8], source: String) throws(EscrowError) -> [UInt8] {
        guard let header = try? BlobHeader.parse(sealedBlob, source: source) else {
            preconditionFailure("escrow is given a blob this process just sealed")
        }
        return try seal(plaintext, to: key, context: header.context, source: source)
    }

    /// Reads and opens the escrowed backup at `path`.
    public static func open(path: String, with key: RecoveryPrivateKey) throws(EscrowError) -> Opened {
        let blob: [UInt8]
        do throws(FileError) {
            blob = try AtomicFile.readBytes(path)
        } catch {
            throw EscrowError(source: path, reason: .unreadable(errno: error.errno))
        }
        return try open(blob, with: key, source: path)
    }

    /// Opens an escrowed backup, checking in order: magic, version, kind, recovery key id, length,
    /// then `crypto_box_seal_open` and the sealed copy of the header. Nothing of the plaintext is
    /// returned on failure.
    public static func open(_ blob: [UInt8], with key: RecoveryPrivateKey, source: String) throws(EscrowError) -> Opened {
        Sodium.ready()
        func fail(_ reason: EscrowError.Reason) -> EscrowError { EscrowError(source: source, reason: reason) }
        // Magic, version and the fixed part: the same checks, in the same order, as every blob's.
        let fixed: (kindByte: UInt8, keyID: [UInt8], contextCount: Int)
        do throws(SealError) {
            fixed = try BlobHeader.fixedPart(blob, source: source)
        } catch {
            switch error.reason {
            case .unknownVersion(let version): throw fail(.unknownVersion(version))
            case .truncated(let size): throw fail(.truncated(size: size))
            default: throw fail(.notABlob)
            }
        }
        guard fixed.kindByte == kind else { throw fail(.wrongKind(found: fixed.kindByte)) }
        let sealedTo = fixed.keyID
        guard sealedTo == key.publicKey.keyID else { throw fail(.wrongKey(given: key.publicKey.keyID, sealedTo: sealedTo)) }
        let headerCount = BlobFormat.fixedHeaderCount + fixed.contextCount
        let overhead = Int(crypto_box_sealbytes())
        guard blob.count >= headerCount + overhead + headerCount else { throw fail(.truncated(size: blob.count)) }

        let cipherCount = blob.count - headerCount
        let inner = SecretBytes(count: cipherCount - overhead)
        let status = blob.withUnsafeBufferPointer { input in
            inner.withUnsafeMutableBytes { out in
                key.secret.withUnsafeBytes { sk in
                    crypto_box_seal_open(out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                         input.baseAddress! + headerCount, UInt64(cipherCount),
                                         key.publicKey.bytes, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard status == 0 else { throw fail(.authenticationFailed) }
        let headerMatches = inner.withUnsafeBytes { $0.prefix(headerCount).elementsEqual(blob.prefix(headerCount)) }
        guard headerMatches else { throw fail(.authenticationFailed) }
        let context = String(decoding: blob[BlobFormat.fixedHeaderCount..<headerCount], as: UTF8.self)
        return Opened(context: context, bytes: inner.slice(headerCount..<inner.count))
    }
}

/// Why an escrowed backup does not open (or cannot be written). Names the file, never its contents.
/// Exit status 77 when it was sealed to another recovery key; 78 otherwise.
public struct EscrowError: RekeyError, Equatable {
    public enum Reason: Sendable, Equatable {
        case truncated(size: Int)
        case notABlob
        case unknownVersion(UInt8)
        case wrongKind(found: UInt8)
        case wrongKey(given: [UInt8], sealedTo: [UInt8])
        case authenticationFailed
        case unusableRecoveryKey
        case unreadable(errno: Int32)
    }

    public let source: String
    public let reason: Reason

    public var exitStatus: ExitStatus {
        switch reason {
        case .wrongKey: return .noPermission
        case .unreadable(let code) where code == EACCES || code == EPERM: return .noPermission
        default: return .config
        }
    }

    public var description: String {
        switch reason {
        case .truncated(let size):
            return "escrowed backup \(source) is truncated (\(size) bytes); use another copy"
        case .notABlob:
            return "\(source) is not a rekey file (bad magic); give an escrowed backup (.escrow)"
        case .unknownVersion(let version):
            return "\(source) uses format version \(version), this rekey reads version 1; use a newer rekey"
        case .wrongKind(let found):
            if found == BlobKind.backup.rawValue {
                return "\(source) is a backup sealed under the master key, not an escrowed backup; open the .escrow file beside it"
            }
            let noun = BlobKind(rawValue: found)?.noun ?? "an unknown kind (\(found))"
            return "\(source) holds \(noun), not an escrowed backup; give a .escrow file"
        case .wrongKey(let given, let sealedTo):
            return "escrowed backup \(source) was sealed to recovery key \(Digest.hex(sealedTo)), "
                + "the private key given is \(Digest.hex(given)); use the matching recovery private key"
        case .authenticationFailed:
            return "escrowed backup \(source) failed authentication: it was modified or corrupted; use another copy"
        case .unreadable(let code):
            return "cannot read escrowed backup \(source): \(String(cString: strerror(code))); check the path and its permissions"
        case .unusableRecoveryKey:
            return "the recovery public key was refused by libsodium while writing \(source); make a new pair with rekey key recovery-keypair"
        }
    }
}
