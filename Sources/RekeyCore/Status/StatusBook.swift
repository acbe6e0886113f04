#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The status records of a state directory: `consumers/<consumer>.json`, one per consumer.
/// Writers hold the consumer's lock (a run, the due check, `unstick`), so a record is never
/// written by two processes at once; each write is atomic (temp file, fsync, rename).
///
/// On first use after an upgrade (no `consumers/` directory yet) the records are built from the
/// journals, so that consumers rotated by an earlier release do not all become due at once.
public struct StatusBook: Sendable {
    public let state: StateDirectory
    public let sealer: Sealer?

    /// `sealer` is needed only to build records from the journals on first use.
    public init(state: StateDirectory, sealer: Sealer?) {
        self.state = state
        self.sealer = sealer
    }

    public var directory: String { PathName.join(state.root, "consumers") }
    public func path(consumer: String) -> String { PathName.join(directory, consumer + ".json") }

    /// The record of `consumer`, or a fresh one when it has none.
    public func load(_ consumer: String) -> ConsumerStatus {
        migrateIfNeeded()
        return read(path(consumer: consumer)) ?? ConsumerStatus(consumer: consumer)
    }

    /// Every record, sorted by consumer.
    public func all() -> [ConsumerStatus] {
        migrateIfNeeded()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
            .compactMap { read(PathName.join(directory, $0)) }
    }

    public func save(_ status: ConsumerStatus) throws {
        try state.prepare()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try state.files().replace(path(consumer: status.consumer), with: Array(try encoder.encode(status)) + [0x0A])
    }

    /// Loads, changes and saves `consumer`'s record; a failure to save is returned, never thrown,
    /// since the record must never fail the run it describes. A record the change leaves as it was
    /// on disk is not written again (the due check of a healthy consumer writes nothing).
    @discardableResult
    public func update(_ consumer: String, _ change: (inout ConsumerStatus) -> Void) -> (any Error)? {
        migrateIfNeeded()
        let stored = read(path(consumer: consumer))
        var status = stored ?? ConsumerStatus(consumer: consumer)
        change(&status)
        if status == stored { return nil }
        do { try save(status); return nil } catch { return error }
    }

    /// Drops `consumer`'s record (journals and backups stay). True when there was one.
    public func forget(_ consumer: String) throws -> Bool {
        let file = path(consumer: consumer)
        guard FileManager.default.fileExists(atPath: file) else { return false }
        try state.files().remove(file)
        return true
    }

    private func read(_ file: String) -> ConsumerStatus? {
        guard let bytes = try? AtomicFile.readBytes(file) else { return nil }
        return try? JSONDecoder().decode(ConsumerStatus.self, from: Data(bytes))
    }

    private func ensureDirectory() throws {
        var info = stat()
        if lstat(directory, &info) == 0 { return }
        try state.prepare()
        try Directories.make(directory, mode: 0o700)
    }

    /// Builds the records from the journals when the directory does not exist yet (an upgrade).
    private func migrateIfNeeded() {
        var info = stat()
        guard lstat(directory, &info) != 0, let sealer, lstat(state.runsDirectory, &info) == 0 else { return }
        let records = Self.fromJournals(History.entries(state: state, sealer: sealer))
        guard (try? ensureDirectory()) != nil else { return }
        for record in records { try? save(record) }
    }

    /// One record per consumer from history entries (newest first): the last run, the last
    /// verified rotation (a rotation that finished, by `run` or by `recover`) and its token.
    static func fromJournals(_ entries: [HistoryEntry]) -> [ConsumerStatus] {
        var records: [String: ConsumerStatus] = [:]
        for entry in entries.reversed() where entry.outcome != .unreadable {
            guard let consumer = entry.consumer, entry.operation == nil || entry.operation == .rotate else { continue }
            var status = records[consumer] ?? ConsumerStatus(consumer: consumer)
            let at = Int(UTCFormat.parseCompact(String(entry.run.prefix(16)))?.timeIntervalSince1970 ?? 0)
            status.file = entry.file ?? status.file
            status.lastRun = entry.run
            status.lastRunAt = at
            status.lastExitCode = entry.exitCode
            switch entry.outcome {
            case .done:
                status.lastOutcome = .rotated
                status.lastSuccessAt = at
                status.tokenLastEight = entry.token?.lastEight
                status.tokenName = entry.token?.name
            case .rolledBack: status.lastOutcome = .rolledBack
            case .failed: status.lastOutcome = .failed
            case .unfinished, .unreadable: break
            }
            records[consumer] = status
        }
        return records.values.sorted { $0.consumer < $1.consumer }
    }
}
