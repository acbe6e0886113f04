import Foundation

/// A run whose process died (or that ended needing attention), as `rekey recover` settles it: what
/// its journal says, the consumer's file (opened once through its directory), the services to reach
/// the server and the vault, and the journal writer that continues the run's own journal. It is to
/// `Step.assess`/`Step.settle(from:)` what `RunContext` is to `perform`/`compensate`.
public final class DeadRun {
    public let journal: RunJournal
    /// The run's `begin` record (a run without one is settled before any step is asked).
    public let begin: JournalRecord
    /// The consumer's file; nil when the run's journal names none.
    public let target: ConsumerFile?
    public let services: RecoveryServices
    /// The writer of the run's own journal, continuing after its last whole frame.
    public let writer: Journal

    /// What settling did, in order, for the report.
    public internal(set) var actions: [Recovery.Action] = []
    /// The login the run's new token authenticated as, when a step proved it while assessing.
    public var provenLogin: String?
    /// Set by the first step whose assessment says the run cannot be finished.
    public internal(set) var mustUndo = false

    init(journal: RunJournal, begin: JournalRecord, target: ConsumerFile?, services: RecoveryServices, writer: Journal) {
        self.journal = journal
        self.begin = begin
        self.target = target
        self.services = services
        self.writer = writer
    }

    /// What the run did, folded from its journal.
    public var facts: RunFacts { journal.facts }

    /// The minted token's value, when the run journaled its mint answer.
    public var mintedValue: SecretBytes? { journal.mintedValue.flatMap { $0.isEmpty ? nil : $0 } }

    /// Whether the consumer's file holds the run's new token. An unreadable file is no answer: it
    /// throws, which leaves the run unfinished and the token kept.
    public func fileHoldsNewToken() throws -> Bool {
        guard let token = mintedValue, let target else { return false }
        return try target.holds(token)
    }

    /// Where `note` also reports (`Engine.settle` connects its event stream).
    var emit: (OperationEvent) -> Void = { _ in }

    public func note(_ action: Recovery.Action) {
        actions.append(action)
        emit(.settled(action))
    }

    /// Appends `event` to the run's own journal.
    public func record(_ event: JournalEvent) throws {
        var record = JournalRecord(event, at: Int(services.now().timeIntervalSince1970), consumer: journal.consumer ?? "", run: journal.run)
        record.file = begin.file
        try writer.append(record)
    }

    /// The secret provider the run's `begin` record names (server and persona).
    public func provider() throws -> any TokenProvider {
        try services.provider(begin, run: journal.run)
    }

    /// The vault credential the run's `begin` record names.
    public func credential() throws -> BasicCredential { try services.credential(begin, run: journal.run) }

    /// The journal's lack of something a settlement needs (exit 70: keep the journal, look by hand).
    public func missing(_ what: String) -> any RekeyError { RecoveryServices.MissingRecord(run: journal.run, what: what) }
}

/// What a step says, assessing a dead run, about finishing it.
public enum Assessment: Sendable, Equatable {
    /// Nothing this step left stands in the way of finishing the run.
    case canFinish
    /// What this step left means the run must be undone.
    case mustUndo
}
