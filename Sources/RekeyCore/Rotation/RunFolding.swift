#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Which runs belong to which consumer, without opening journals: `runs/index/<consumer>.runs`, one
/// run id per line, appended when a run of the consumer starts (`ActiveRun.mark`). It is a cache,
/// not a record: it is not fsynced, and lines whose journal is gone are ignored. State without
/// `runs/index/.built` (written by an earlier release, or whose index was removed) is indexed once
/// from the journals, on the first fold; until then nothing is appended.
public enum RunIndex {
    static func directory(_ state: StateDirectory) -> String { state.runsDirectory + "/index" }
    static func path(_ state: StateDirectory, consumer: String) -> String { directory(state) + "/\(consumer).runs" }
    static func builtMarker(_ state: StateDirectory) -> String { directory(state) + "/.built" }

    /// Notes that `run` is one of `consumer`'s. Never fails a run: a lost line only delays folding.
    static func record(state: StateDirectory, consumer: String, run: String) {
        guard access(builtMarker(state), F_OK) == 0, let files = try? state.files(),
              let fd = try? files.open(path(state, consumer: consumer), flags: O_WRONLY | O_APPEND | O_CREAT) else { return }
        defer { close(fd) }
        let line = Array((run + "\n").utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// `consumer`'s runs whose journal exists, oldest first. With `beyond`, nothing (no journal
    /// looked up) when the index lists at most that many runs: what `keep_runs` needs after each
    /// run, at a cost that follows the consumer's own runs, not the whole `runs/` directory.
    static func runs(state: StateDirectory, consumer: String, sealer: Sealer, beyond: Int? = nil) -> [String] {
        if access(builtMarker(state), F_OK) != 0 { rebuild(state: state, sealer: sealer, existing: Set(RunJournal.runIDs(state: state))) }
        let text = (try? AtomicFile.readBytes(path(state, consumer: consumer))).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let listed = Set(text.split(separator: "\n").map(String.init).filter(RunID.isWellFormed))
        if let beyond, listed.count <= beyond { return [] }
        return listed.filter { access(state.journalPath(run: $0), F_OK) == 0 }.sorted()
    }

    /// Rewrites `consumer`'s index to hold exactly `runs`.
    static func replace(state: StateDirectory, consumer: String, runs: [String]) throws {
        try state.files().replace(path(state, consumer: consumer), with: Array(runs.map { $0 + "\n" }.joined().utf8))
    }

    /// Builds every consumer's index from the journals (each opened once).
    private static func rebuild(state: StateDirectory, sealer: Sealer, existing: Set<String>) {
        var byConsumer: [String: [String]] = [:]
        for run in existing.sorted() {
            guard let journal = try? RunJournal.load(state: state, run: run, sealer: sealer),
                  let consumer = journal.consumer, SafeName.isValid(consumer) else { continue }
            byConsumer[consumer, default: []].append(run)
        }
        for (consumer, runs) in byConsumer { try? replace(state: state, consumer: consumer, runs: runs) }
        try? state.files().replace(builtMarker(state), with: [])
    }
}

/// The folded past of one consumer: `runs/summary/<consumer>.sealed`, frames like a journal's, each
/// a sealed `HistoryEntry` as JSON (kind journal record, context `summary|<consumer>|<n>`), oldest
/// first. `rekey key rotate` re-seals it with the journals.
public enum RunSummary {
    static func directory(_ state: StateDirectory) -> String { state.runsDirectory + "/summary" }
    static func path(_ state: StateDirectory, consumer: String) -> String { directory(state) + "/\(consumer).sealed" }
    static func context(consumer: String, sequence: Int) -> String { "summary|\(consumer)|\(sequence)" }

    /// `consumer`'s folded entries, oldest first; none when nothing was folded yet.
    public static func entries(state: StateDirectory, consumer: String, sealer: Sealer) throws -> [HistoryEntry] {
        let file = path(state, consumer: consumer)
        guard access(file, F_OK) == 0 else { return [] }
        let frames = JournalFrames(try AtomicFile.readBytes(file))
        return try frames.blobs.enumerated().map { index, blob in
            let plain = try sealer.open(blob, kind: .journalRecord, context: context(consumer: consumer, sequence: index), source: file)
            return try plain.withUnsafeBytes { try JSONDecoder().decode(HistoryEntry.self, from: Data($0)) }
        }
    }

    /// Every consumer with a summary (or only `consumer`).
    static func consumers(state: StateDirectory, only: String?) -> [String] {
        if let only { return [only] }
        let names = (try? Directories.entries(directory(state))) ?? []
        return names.filter { $0.hasSuffix(".sealed") }.map { String($0.dropLast(".sealed".count)) }.filter(SafeName.isValid)
    }

    /// Appends `entries` (skipping runs already folded), atomically and fsynced.
    static func append(_ entries: [HistoryEntry], state: StateDirectory, consumer: String, sealer: Sealer) throws {
        let file = path(state, consumer: consumer)
        let existing = access(file, F_OK) == 0 ? JournalFrames(try AtomicFile.readBytes(file)) : JournalFrames([])
        let known = Set(try Self.entries(state: state, consumer: consumer, sealer: sealer).map(\.run))
        var output = existing.blobs.flatMap(JournalFrames.frame)
        var sequence = existing.blobs.count
        for entry in entries where !known.contains(entry.run) {
            let json = try JSONEncoder.sorted.encode(entry)
            let blob = sealer.seal(SecretBytes(copying: [UInt8](json)), kind: .journalRecord, context: context(consumer: consumer, sequence: sequence))
            output += JournalFrames.frame(blob)
            sequence += 1
        }
        try state.files().replace(file, with: output)
    }
}

/// `keep_runs`: folds the journals of a consumer beyond its newest `keep` into its summary.
public enum RunFolding {
    public struct Outcome: Sendable, Equatable {
        public var folded: [String] = []
        public var problem: String?
    }

    /// Folds and removes `consumer`'s oldest journals until `keep` remain. Never fails a run: a
    /// problem is returned and the journals stay. The run in flight (`runs/active/<consumer>`) is never folded.
    public static func fold(state: StateDirectory, sealer: Sealer, consumer: String, keep: Int) -> Outcome {
        let runs = RunIndex.runs(state: state, consumer: consumer, sealer: sealer, beyond: keep)
        guard runs.count > keep else { return Outcome() }
        let active = ActiveRun(state: state).current(consumer: consumer)
        let old = runs.dropLast(keep).filter { $0 != active }
        var entries: [HistoryEntry] = []
        for run in old {
            guard let journal = try? RunJournal.load(state: state, run: run, sealer: sealer), journal.consumer == consumer else { continue }
            var entry = History.entry(journal)
            entry.folded = true
            entry.rollbackRestores = nil
            entries.append(entry)
        }
        do {
            // The summary first: a crash before the journals go leaves them to be folded again
            // (the summary skips runs it already holds), never a run in neither.
            try RunSummary.append(entries, state: state, consumer: consumer, sealer: sealer)
            let files = try state.files()
            var folded: [String] = []
            for entry in entries {
                try files.remove(state.journalPath(run: entry.run))
                folded.append(entry.run)
            }
            try RunIndex.replace(state: state, consumer: consumer, runs: runs.filter { !folded.contains($0) })
            return Outcome(folded: folded)
        } catch {
            return Outcome(problem: Engine.describe(error))
        }
    }
}
