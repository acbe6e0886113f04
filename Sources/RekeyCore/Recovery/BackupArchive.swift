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

    /// Opens the backup at `path`, which must have been taken of `file` for `consumer` and, when
    /// `run` is given, by that run (its public header says so; opening authenticates it).
    public static func open(_ path: String, consumer: String, file: String, run: String? = nil, sealer: Sealer) throws -> SecretBytes {
        let blob = try AtomicFile.readBytes(path)
        let header = try BlobHeader.parse(blob, source: path)
        guard let parts = header.backup, parts.consumer == consumer, parts.file == file else {
            throw Mismatch(path: path, expected: "\(file) for consumer \(consumer)")
        }
        if let run, let taker = parts.run, taker != run {
            throw Mismatch(path: path, expected: "\(file) by run \(run) (run \(taker) took it)")
        }
        return try sealer.open(blob, kind: .backup, context: header.context, source: path)
    }
}
