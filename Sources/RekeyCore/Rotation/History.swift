import Foundation

/// One run as `rekey history` shows it, read from its sealed journal. Identifiers, hashes and
/// last-eight tails only: the minted token's value, which the journal also holds, is never read
/// into an entry.
public struct HistoryEntry: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case done
        case rolledBack = "rolled-back"
        case failed
        /// The journal has no end record: the process died (see `rekey recover`) or is still running.
        case unfinished
        /// The journal could not be read at all (`problem` says why).
        case unreadable
    }

    public struct Token: Sendable, Codable, Equatable {
        public var id: Int?
        public var name: String
        /// nil when the mint's answer never arrived (the name was journaled before the request).
        public var lastEight: String?
        /// Deleted again later: by compensation, `rekey recover` or `rekey rollback`.
        public var deleted: Bool
    }

    /// What `rekey rollback` of this run would put back: the backup this run took, which holds the
    /// token the file held before (shown by its last eight).
    public struct Restore: Sendable, Codable, Equatable {
        public var backup: String
        public var lastEight: String?
    }

    public var run: String
    /// When the run started, `yyyy-MM-ddTHH:mm:ssZ`.
    public var time: String
    public var consumer: String?
    public var operation: Operation?
    public var outcome: Outcome
    public var exitCode: Int32?
    public var file: String?
    public var token: Token?
    /// The last eight of the token the file held when the run began.
    public var previousLastEight: String?
    public var backup: String?
    /// nil while the backup file is there and (per its public header) was taken by this run;
    /// `missing` once retention (or a person) removed it; `replaced` when its path now holds
    /// another run's backup. Either way `rollbackRestores` is then nil.
    public var backupStatus: String?
    public var rollbackRestores: Restore?
    /// For a rollback run: the run it undid.
    public var rollbackOf: String?
    /// For a rotation undone later by `rekey rollback`: that rollback's run.
    public var rolledBackBy: String?
    /// A torn or unreadable journal, said plainly.
    public var problem: String?
    /// The run's journal was folded into its consumer's history summary (`keep_runs`): this entry
    /// is all that is left of it, and `rekey rollback` can no longer choose it.
    public var folded: Bool?
}

/// `rekey history`: every run's journal in `runs/`, newest first. Needs the master key (journals are
/// sealed). A journal torn by a crash shows the records before the tear; one that cannot be read at
/// all is listed as `unreadable` with the reason. Neither stops the listing.
public enum History {
    /// The page size of `rekey history` when `--limit` is not given.
    public static let defaultLimit = 50

    /// Entries newest first (run ids begin with their UTC start time), optionally only `consumer`'s.
    /// Unreadable journals are always listed: their consumer cannot be known.
    ///
    /// Paging: at most `limit` entries (nil: all), only runs older than `before` (a run id, the
    /// last one of the previous page). Journals are opened newest first and the scan stops once the
    /// page is full, so the cost follows the page, not the whole past (with `consumer`, the runs
    /// of other consumers passed on the way are opened too). A rotation whose rollback is on a
    /// newer page shows no "rolled back by" line.
    public static func entries(state: StateDirectory, sealer: Sealer, consumer: String? = nil,
                               limit: Int? = nil, before: String? = nil) -> [HistoryEntry] {
        var entries: [HistoryEntry] = []
        // Runs folded by keep_runs, from the summaries (small: one sealed line per run).
        var folded: [String: HistoryEntry] = [:]
        var brokenSummaries: [HistoryEntry] = []
        for owner in RunSummary.consumers(state: state, only: consumer) {
            do {
                for entry in try RunSummary.entries(state: state, consumer: owner, sealer: sealer) { folded[entry.run] = entry }
            } catch {
                brokenSummaries.append(HistoryEntry(run: "summary:\(owner)", time: "unknown time", consumer: owner, outcome: .unreadable,
                                                    problem: "the history summary \(RunSummary.path(state, consumer: owner)) cannot be read: \(Engine.describe(error))"))
            }
        }
        let journals = RunJournal.runIDs(state: state)
        let runs = folded.isEmpty ? journals : Set(journals).union(folded.keys).sorted(by: >)
        let hasJournal = folded.isEmpty ? nil : Set(journals)
        for run in runs {
            if let before, run >= before { continue }
            if let limit, entries.count >= limit { break }
            if let hasJournal, !hasJournal.contains(run), var entry = folded[run] {
                checkBackup(&entry)
                entries.append(entry)
                continue
            }
            let path = state.journalPath(run: run)
            do {
                var entry = entry(try RunJournal.load(state: state, run: run, sealer: sealer))
                checkBackup(&entry)
                // A journal with no whole record cannot say whose it is: it is always shown.
                if let consumer, let owner = entry.consumer, owner != consumer { continue }
                entries.append(entry)
            } catch {
                entries.append(HistoryEntry(run: run, time: time(ofRun: run), outcome: .unreadable,
                                            problem: "journal \(path) cannot be read: \(Engine.describe(error))"))
            }
        }
        linkRollbacks(&entries)
        return entries + brokenSummaries
    }

    /// One run's entry from its journal. Begin, end, operation and "token deleted" are
    /// `RunJournal`'s, the same answers recover and rollback act on. The token's value (which the
    /// journal holds, sealed, and `RunJournal` keeps in `SecretBytes`) never enters an entry.
    static func entry(_ journal: RunJournal) -> HistoryEntry {
        let run = journal.run
        let records = journal.records
        let begin = journal.begin
        let end = journal.end
        let outcome: HistoryEntry.Outcome = switch end?.kind {
        case .done: .done
        case .rolledBack: .rolledBack
        case .failed: .failed
        default: .unfinished
        }
        var entry = HistoryEntry(
            run: run,
            time: (begin ?? records.first).map { UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval($0.at))) } ?? time(ofRun: run),
            consumer: records.first?.consumer,
            operation: begin == nil ? nil : journal.operation,
            outcome: outcome,
            exitCode: end?.exitCode,
            file: records.first { $0.file != nil }?.file,
            previousLastEight: begin?.lastEight,
            backup: journal.first(.backedUp)?.backup,
            rollbackOf: begin?.rollbackOf
        )
        let minted = journal.first(.minted)
        if let name = minted?.tokenName ?? journal.first(.minting)?.tokenName {
            entry.token = .init(id: minted?.tokenID, name: name, lastEight: minted?.lastEight, deleted: journal.facts.tokenDeleted)
        }
        if entry.operation == .rotate, outcome == .done, let backup = entry.backup {
            entry.rollbackRestores = .init(backup: backup, lastEight: entry.previousLastEight)
        }
        if journal.tornTail {
            entry.problem = "the journal's last record is torn (the process died while writing it); the records before it are shown"
        } else if records.isEmpty {
            entry.problem = "the journal is empty (the process died before its first record)"
        }
        return entry
    }

    /// Checks that the run's backup is still on disk and, from its public header (no key needed),
    /// still the one this run took: a later backup may reuse a pruned file's name.
    static func checkBackup(_ entry: inout HistoryEntry) {
        guard let backup = entry.backup else { return }
        guard FileManager.default.fileExists(atPath: backup) else {
            entry.backupStatus = "missing"
            entry.rollbackRestores = nil
            return
        }
        if let header = try? BlobHeader.read(path: backup), let taker = header.backup?.run, taker != entry.run {
            entry.backupStatus = "replaced"
            entry.rollbackRestores = nil
        }
    }

    /// Marks each rotation undone by a finished rollback run.
    private static func linkRollbacks(_ entries: inout [HistoryEntry]) {
        for rollback in entries where rollback.operation == .rollback && rollback.outcome == .done {
            guard let target = rollback.rollbackOf, let index = entries.firstIndex(where: { $0.run == target }) else { continue }
            // Entries are newest first: keep the newest rollback that undid it.
            if entries[index].rolledBackBy == nil { entries[index].rolledBackBy = rollback.run }
        }
    }

    /// The start time encoded in a run id (`20261129T083000Z-042137-3f9a`), or the id itself when it has none.
    static func time(ofRun run: String) -> String {
        guard let date = UTCFormat.parseCompact(String(run.prefix(16))) else { return "unknown time" }
        return UTCFormat.iso(date)
    }
}
