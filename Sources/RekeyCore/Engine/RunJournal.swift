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
    /// Bytes of whole frames; a torn tail starts here.
    public let validLength: Int

    public static func load(state: StateDirectory, run: String, sealer: Sealer) throws -> RunJournal {
        let path = state.journalPath(run: run)
        let read = try Journal.readWithLength(path: path, run: run, sealer: sealer)
        let minted = read.records.first { $0.0.kind == .minted }?.1
        return RunJournal(run: run, path: path, records: read.records.map(\.0), mintedValue: minted,
                          tornTail: read.tornTail, validLength: read.validLength)
    }

    /// Every journal in the state dir, newest first (run ids sort by their start time).
    /// Journals that cannot be read are returned in `unreadable` with the reason, never dropped silently.
    public static func all(state: StateDirectory, sealer: Sealer) -> (journals: [RunJournal], unreadable: [(run: String, reason: String)]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.runsDirectory)) ?? []
        var journals: [RunJournal] = []
        var unreadable: [(String, String)] = []
        for name in names where name.hasSuffix(".journal") {
            let run = String(name.dropLast(".journal".count))
            do {
                journals.append(try load(state: state, run: run, sealer: sealer))
            } catch {
                unreadable.append((run, Engine.describe(error)))
            }
        }
        return (journals.sorted { $0.run > $1.run }, unreadable.sorted { $0.0 > $1.0 })
    }

    public func first(_ kind: JournalRecord.Kind) -> JournalRecord? { records.first { $0.kind == kind } }
    public func last(_ kind: JournalRecord.Kind) -> JournalRecord? { records.last { $0.kind == kind } }

    public var begin: JournalRecord? { first(.begin) }
    public var consumer: String? { records.first?.consumer }
    public var operation: String { begin?.operation ?? "rotate" }

    /// The end record (`done`, `rolled-back` or `failed`), if the run got that far.
    public var end: JournalRecord? {
        records.last { [.done, .rolledBack, .failed].contains($0.kind) }
    }

    /// The token this run minted, as far as the journal knows it.
    public var mintedToken: TokenInfo? {
        first(.minted).flatMap { record in
            record.tokenID.map { TokenInfo(id: $0, name: record.tokenName ?? "", lastEight: record.lastEight ?? "", scopes: []) }
        }
    }

    /// Whether this run's token was deleted later (by compensation, recover or rollback).
    public var tokenDeleted: Bool { records.contains { $0.kind == .deleted } }
}
