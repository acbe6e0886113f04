import Foundation

/// Opens a sealed backup of a consumer's env file. The context is read from the blob's (public,
/// authenticated) header and must name the same consumer and file: a backup moved to another
/// consumer or path does not open.
public enum BackupArchive {
    public struct Mismatch: RekeyError {
        public var path: String
        public var expected: String
        public var exitStatus: ExitStatus { .config }
        public var description: String {
            "backup \(path) was not taken of \(expected); restore it by hand only if you are sure it belongs there"
        }
    }

    public static func open(_ path: String, consumer: String, file: String, sealer: Sealer) throws -> SecretBytes {
        let blob = try AtomicFile.readBytes(path)
        let prefix = "backup|\(consumer)|\(file)|"
        guard let context = contextOf(blob), context.hasPrefix(prefix) else {
            throw Mismatch(path: path, expected: "\(file) for consumer \(consumer)")
        }
        return try sealer.open(blob, kind: .backup, context: context, source: path)
    }

    /// The context stored in a blob's header, without opening it; nil when the header is cut short.
    static func contextOf(_ blob: [UInt8]) -> String? {
        let fixed = BlobFormat.fixedHeaderCount
        guard blob.count >= fixed else { return nil }
        let count = Int(blob[fixed - 2]) << 8 | Int(blob[fixed - 1])
        guard blob.count >= fixed + count else { return nil }
        return String(decoding: blob[fixed..<(fixed + count)], as: UTF8.self)
    }
}
