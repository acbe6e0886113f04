import Foundation

/// One run's journal, read back: its records in order, the minted token's value when one was
/// recorded, and whether the last frame was torn by a crash. The questions recover, rollback and
/// history ask of a run are answered here, from the records alone.
public struct RunJournal: @unchecked Sendable {
    public let run: String
    public let path: String
    public let records: [JournalRecord]
    public let mintedValue: SecretBytes?
    public let tornTail: Bool
    /// What the run did, folded from its records (the same facts a live run keeps).
    public let facts: RunFacts
    /// Bytes of whole frames; a torn tail starts here.
    public let validLength: Int

    public static func load(state: StateDirectory, run: String, sealer: Sealer) throws -> RunJournal {
        let path = state.journalPath(run: run)
        let read = try Journal.readWithLength(path: path, run: run, sealer: sealer)
        let minted = read.records.first { $0.0.kind == .minted }?.1
        let records = read.records.map(\.0)
        return RunJournal(run: run, path: path, records: records, mintedValue: minted,
                          tornTail: read.tornTail, facts: RunFacts(records: records), validLength: read.validLength)
    }

    /// Every journal in the state dir, newest first (see `runIDs`). Journals that cannot be read are
    /// returned in `unreadable` with the reason, never dropped silently.
    public static func all(state: StateDirectory, sealer: Sealer) -> (journals: [RunJournal], unreadable: [(run: String, reason: String)]) {
        var journals: [RunJournal] = []
        var unreadable: [(String, String)] = []
        for run in runIDs(state: state) {
            do {
                journals.append(try load(state: state, run: run, sealer: sealer))
            } catch {
                unreadable.append((run, Engine.describe(error)))
            }
        }
        return (journals, unreadable)
    }

    /// Run ids of every `runs/<run>.journal`, newest first. Run ids begin with their start time to
    /// the microsecond (`RunID`), so sorting them as text sorts runs by when they started.
    public static func runIDs(state: StateDirectory) -> [String] {
        let names = (try? Directories.entries(state.runsDirectory)) ?? []
        let runs = names.compactMap { name -> String? in
            guard name.hasSuffix(".journal") else { return nil }
            let run = String(name.dropLast(".journal".count))
            return RunID.isWellFormed(run) ? run : nil
        }
        return runs.sorted(by: >)
    }

    /// A rotation that finished (`done`) after minting a token: what rollback undoes by default and
    /// whose backup retention never prunes.
    public var isSuccessfulRotation: Bool {
        operation == .rotate && end?.kind == .done && facts.minted != nil
    }

    public func first(_ kind: JournalRecord.Kind) -> JournalRecord? { records.first { $0.kind == kind } }
    public func last(_ kind: JournalRecord.Kind) -> JournalRecord? { records.last { $0.kind == kind } }

    public var begin: JournalRecord? { first(.begin) }
    public var consumer: String? { records.first?.consumer }
    public var operation: Operation { facts.operation }

    /// The end record (`done`, `rolled-back` or `failed`), if the run got that far.
    public var end: JournalRecord? {
        records.last { [.done, .rolledBack, .failed].contains($0.kind) }
    }
}
