import Foundation

/// The append-only, sealed, fsynced journal of one run: `runs/<run>.journal` in the state directory.
///
/// On disk: a sequence of frames, each a 4-byte big-endian length followed by one sealed blob
/// (kind 3, context `journal|<run>|<seq>`). The blob's plaintext is a 4-byte big-endian length, the
/// record as JSON, then the record's secret bytes (empty for most records). Every append is fsynced
/// before the side effect it announces, and the directory is fsynced when the file is created, so a
/// run killed at any instant leaves a journal that `rekey recover` can read up to the last whole frame.
public final class Journal {
    public let path: String
    public let run: RunID
    private let state: StateDirectory
    private let sealer: Sealer
    private var sequence = 0
    private var descriptor: Int32 = -1

    public init(state: StateDirectory, run: RunID, sealer: Sealer) {
        self.path = state.journalPath(run: run.value)
        self.state = state
        self.run = run
        self.sealer = sealer
    }

    /// Reopens an existing journal to append to it (recover settling a run). A torn last frame is
    /// cut off first, so that new frames follow the last whole one.
    public static func continuing(_ journal: RunJournal, state: StateDirectory, sealer: Sealer) throws(JournalError) -> Journal {
        let reopened = Journal(state: state, run: RunID(journal.run), sealer: sealer)
        reopened.sequence = journal.records.count
        if journal.tornTail {
            do {
                try state.files().truncate(journal.path, to: journal.validLength)
            } catch {
                throw JournalError(path: journal.path, operation: .system("truncate", (error as? FileError)?.errno ?? EIO))
            }
        }
        return reopened
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    public func append(_ record: JournalRecord, secret: SecretBytes? = nil) throws(JournalError) {
        let json: [UInt8]
        do {
            json = Array(try JSONEncoder.sorted.encode(record))
        } catch {
            // Never write an empty record in its place: the run stops before its side effect.
            throw JournalError(path: path, operation: .encode)
        }
        try openIfNeeded()
        let secretCount = secret?.count ?? 0
        let plaintext = SecretBytes(count: 4 + json.count + secretCount)
        plaintext.withUnsafeMutableBytes { out in
            Self.putLength(json.count, into: out, at: 0)
            out.baseAddress!.advanced(by: 4).copyMemory(from: json, byteCount: json.count)
            secret?.withUnsafeBytes { src in
                if secretCount > 0 { out.baseAddress!.advanced(by: 4 + json.count).copyMemory(from: src.baseAddress!, byteCount: secretCount) }
            }
        }
        let blob = sealer.seal(plaintext, kind: .journalRecord, context: Self.context(run: run.value, sequence: sequence))
        try writeAll(JournalFrames.frame(blob))
        FsyncCounter.count()
        guard fsync(descriptor) == 0 else { throw JournalError(path: path, operation: .system("fsync", errno)) }
        sequence += 1
    }

    /// Reads every whole record of the journal at `path`. A torn last frame (a crash mid-append) is
    /// reported through `tornTail` and otherwise ignored; any other damage is an error.
    public static func read(path: String, run: String, sealer: Sealer) throws -> (records: [(JournalRecord, SecretBytes)], tornTail: Bool) {
        let full = try readWithLength(path: path, run: run, sealer: sealer)
        return (full.records, full.tornTail)
    }

    /// `read`, plus the length of the whole frames (where a torn tail begins).
    public static func readWithLength(path: String, run: String, sealer: Sealer) throws -> (records: [(JournalRecord, SecretBytes)], tornTail: Bool, validLength: Int) {
        // Frames are ciphertext: reading them as plain bytes exposes nothing.
        let frames = JournalFrames(try AtomicFile.readBytes(path))
        var records: [(JournalRecord, SecretBytes)] = []
        for blob in frames.blobs {
            let plain = try sealer.open(blob, kind: .journalRecord, context: context(run: run, sequence: records.count), source: path)
            let parsed: (JournalRecord, SecretBytes) = try plain.withUnsafeBytes { p in
                guard p.count >= 4 else { throw JournalError(path: path, operation: .decode) }
                let jsonCount = readLength(p, at: 0)
                guard 4 + jsonCount <= p.count,
                      let record = try? JSONDecoder().decode(JournalRecord.self, from: Data(p[4..<(4 + jsonCount)])) else {
                    throw JournalError(path: path, operation: .decode)
                }
                guard (record.format ?? 1) <= JournalRecord.formatVersion else {
                    throw JournalError(path: path, operation: .newerFormat(record.format ?? 1))
                }
                return (record, SecretBytes(copying: UnsafeRawBufferPointer(rebasing: p[(4 + jsonCount)...])))
            }
            records.append(parsed)
        }
        return (records, frames.tornTail, frames.validLength)
    }

    static func context(run: String, sequence: Int) -> String { "journal|\(run)|\(sequence)" }

    private func openIfNeeded() throws(JournalError) {
        guard descriptor < 0 else { return }
        // A new journal's name is fsynced into runs/ before the first record: its existence must
        // survive a power cut, since recover reads a missing journal as "the run changed nothing".
        do {
            descriptor = try state.files().openForAppend(path)
        } catch {
            throw JournalError(path: path, operation: .system("open", (error as? FileError)?.errno ?? EIO))
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws(JournalError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError(path: path, operation: .system("write", errno))
            }
            written += n
        }
    }

    private static func putLength(_ value: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        for index in 0..<4 { buffer[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
    }

    private static func readLength(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> Int {
        (0..<4).reduce(0) { ($0 << 8) | Int(buffer[offset + $1]) }
    }
}

public struct JournalError: RekeyError {
    public enum Operation: Sendable, Equatable {
        /// A system call on the journal failed with this errno.
        case system(String, Int32)
        /// A record that opens but does not decode.
        case decode
        /// A record written by a newer rekey, in this format version.
        case newerFormat(Int)
        /// A record that could not be encoded (nothing was written).
        case encode
    }

    public var path: String
    public var operation: Operation

    public init(path: String, operation: Operation) {
        self.path = path
        self.operation = operation
    }

    /// A record that opens but does not decode is a corrupt sealed file (78); the rest are state I/O (73).
    public var exitStatus: ExitStatus {
        switch operation {
        case .decode, .newerFormat: .config
        case .system, .encode: .cantCreate
        }
    }

    public var description: String {
        switch operation {
        case .decode:
            "journal \(path) holds a record that does not decode; keep the file and report it"
        case .newerFormat(let version):
            "journal \(path) holds a record in format \(version), newer than this rekey reads (\(JournalRecord.formatVersion)); use the newer rekey"
        case .encode:
            "cannot encode a record for journal \(path); nothing was written (please report this)"
        case .system(let call, let code):
            "cannot \(call) journal \(path): \(String(cString: strerror(code))); check that the state directory is writable"
        }
    }
}

extension JSONEncoder {
    /// Deterministic output: sorted keys, no escaped slashes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// A journal file split into its frames (4-byte big-endian length, then one blob), as `Journal`
/// writes them. A last frame cut short by a crash is reported as `tornTail`.
struct JournalFrames {
    var blobs: [[UInt8]] = []
    var tornTail = false
    /// Bytes of whole frames; a torn tail starts here.
    var validLength = 0

    init(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { tornTail = true; return }
            let length = bytes[offset..<(offset + 4)].reduce(0) { ($0 << 8) | Int($1) }
            guard offset + 4 + length <= bytes.count else { tornTail = true; return }
            blobs.append(Array(bytes[(offset + 4)..<(offset + 4 + length)]))
            offset += 4 + length
            validLength = offset
        }
    }

    static func frame(_ blob: [UInt8]) -> [UInt8] {
        let count = blob.count
        return [UInt8(truncatingIfNeeded: count >> 24), UInt8(truncatingIfNeeded: count >> 16),
                UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)] + blob
    }
}
