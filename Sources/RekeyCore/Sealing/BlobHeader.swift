import Foundation

/// The public header of a sealed blob (docs/blob-format.md), read without the master key and
/// without decrypting anything: magic and version, kind, key id and context. The header is
/// authenticated only when the blob is opened; until then it is a claim, good for listing files
/// (`rekey backup list`) and for choosing the context to open with, never for trusting contents.
public struct BlobHeader: Sendable, Equatable {
    /// Byte 4: the raw kind, which may be one this rekey does not know.
    public let kindByte: UInt8
    /// The first 8 bytes of BLAKE2b-256 of the master key the blob was sealed with.
    public let keyID: [UInt8]
    /// The context, UTF-8 (not secret).
    public let context: String
    /// Bytes of the whole header (15 + context length); the nonce starts here.
    public let count: Int

    public var kind: BlobKind? { BlobKind(rawValue: kindByte) }

    /// Parses the header at the start of `bytes`, checking as `Sealer.open` does: magic, version,
    /// then that the fixed part, the context and the nonce and tag after it fit in `bytes`.
    /// `source` names the file in the error.
    public static func parse(_ bytes: some Collection<UInt8>, source: String) throws(SealError) -> BlobHeader {
        let blob = Array(bytes)
        return try complete(blob, fixed: try fixedPart(blob, source: source), source: source)
    }

    /// The fixed part of a header (bytes 0 ..< 15): checks magic and version and that those bytes
    /// are there (steps 1 to 3 of docs/blob-format.md's opening order), then reads kind, key id and
    /// context length without requiring the rest.
    static func fixedPart(_ blob: [UInt8], source: String) throws(SealError) -> (kindByte: UInt8, keyID: [UInt8], contextCount: Int) {
        func fail(_ reason: SealError.Reason) -> SealError { SealError(source: source, reason: reason) }
        let magic = BlobFormat.magic
        if blob.count < magic.count {
            // Too short to tell: a prefix of the magic (an empty file, say) is a truncated blob.
            throw fail(blob.elementsEqual(magic.prefix(blob.count)) ? .truncated(size: blob.count) : .notABlob)
        }
        guard blob.prefix(magic.count).elementsEqual(magic) else { throw fail(.notABlob) }
        guard blob.count > magic.count else { throw fail(.truncated(size: blob.count)) }
        guard blob[3] == BlobFormat.version else { throw fail(.unknownVersion(blob[3])) }
        guard blob.count >= BlobFormat.fixedHeaderCount else { throw fail(.truncated(size: blob.count)) }
        return (blob[4], Array(blob[5..<13]), Int(blob[13]) << 8 | Int(blob[14]))
    }

    /// The whole header, once the blob is long enough for it plus a nonce and a tag (step 5).
    static func complete(_ blob: [UInt8], fixed: (kindByte: UInt8, keyID: [UInt8], contextCount: Int),
                         source: String) throws(SealError) -> BlobHeader {
        let count = BlobFormat.fixedHeaderCount + fixed.contextCount
        guard blob.count >= count + BlobFormat.nonceCount + BlobFormat.tagCount else {
            throw SealError(source: source, reason: .truncated(size: blob.count))
        }
        return BlobHeader(
            kindByte: fixed.kindByte,
            keyID: fixed.keyID,
            context: String(decoding: blob[BlobFormat.fixedHeaderCount..<count], as: UTF8.self),
            count: count
        )
    }

    /// Reads and parses the header of the sealed file at `path`. Reads the file's bytes but never
    /// decrypts them. Throws `FileError` when the file cannot be read, `SealError` when it is not a
    /// well-formed blob.
    public static func read(path: String) throws -> BlobHeader {
        try parse(try AtomicFile.readBytes(path), source: path)
    }

    /// The parts of a backup's context, when this is a backup's header with a well-formed context.
    public var backup: BackupContext.Parts? {
        guard kind == .backup else { return nil }
        return BackupContext.parse(context)
    }
}

extension BackupContext {
    /// A backup's context taken apart: `backup|<consumer>|<absolute path>|<epoch>|<run>`.
    /// Backups sealed before the run was recorded have no `|<run>`; their `run` is nil.
    public struct Parts: Sendable, Equatable {
        public var consumer: String
        public var file: String
        public var epoch: Int
        public var run: String?
    }

    /// Splits a backup context. Consumer names and run ids cannot contain `|` and the epoch is
    /// digits, so the path (which may contain `|`) is whatever lies between the consumer and the
    /// trailing fields.
    public static func parse(_ context: String) -> Parts? {
        var fields = context.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 4, fields[0] == "backup", SafeName.isValid(fields[1]) else { return nil }
        let consumer = fields[1]
        fields.removeFirst(2)
        var run: String?
        // A run id always holds letters (`20261129T083000Z-042137-3f9a`), an epoch never does.
        if fields.count >= 3, let last = fields.last, RunID.isWellFormed(last), !isDigits(last),
           isDigits(fields[fields.count - 2]) {
            run = fields.removeLast()
        }
        guard fields.count >= 2, let epochText = fields.last, isDigits(epochText), let epoch = Int(epochText) else { return nil }
        fields.removeLast()
        let file = fields.joined(separator: "|")
        guard file.hasPrefix("/") else { return nil }
        return Parts(consumer: consumer, file: file, epoch: epoch, run: run)
    }

    private static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
