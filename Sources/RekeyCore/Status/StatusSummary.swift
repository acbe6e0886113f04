import Foundation

/// One consumer as `rekey status` shows it: its record, whether a run is unfinished, and what
/// makes it unhealthy. Unhealthy (exit 1): overdue by more than half its `every`, failed last,
/// stuck, or an unfinished run.
public struct StatusSummary: Codable, Sendable {
    public var consumer: String
    public var playbook: String?
    public var file: String?
    public var persona: String?
    public var every: String?
    public var lastSuccess: String?
    public var lastRun: String?
    public var lastOutcome: ConsumerStatus.Outcome?
    public var lastExitCode: Int32?
    public var nextDue: String?
    public var failuresInRow: Int
    public var stuck: Bool
    public var unfinishedRun: String?
    public var drift: Bool
    public var tokenValid: Bool?
    public var warning: String?
    public var healthy: Bool
    public var problems: [String]

    public init(_ record: ConsumerStatus, unfinishedRun: String?, now: Int) {
        func time(_ seconds: Int?) -> String? { seconds.map { UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval($0))) } }
        consumer = record.consumer
        playbook = record.playbook
        file = record.file
        persona = record.persona
        every = record.every.map { DurationText.format(seconds: $0) }
        lastSuccess = time(record.lastSuccessAt)
        lastRun = record.lastRun
        lastOutcome = record.lastOutcome
        lastExitCode = record.lastExitCode
        nextDue = time(record.nextDueAt)
        failuresInRow = record.failuresInRow
        stuck = record.stuck
        self.unfinishedRun = unfinishedRun
        drift = record.drift
        tokenValid = record.tokenValid
        warning = record.warning
        var problems: [String] = []
        if record.stuck { problems.append("stuck after \(record.failuresInRow) failed runs (rekey unstick \(record.consumer))") }
        if let unfinishedRun { problems.append("unfinished run \(unfinishedRun) (rekey recover)") }
        if let outcome = record.lastOutcome, [.failed, .rolledBack, .needsAttention].contains(outcome) {
            problems.append("last run \(outcome.rawValue)" + (record.lastExitCode.map { " (exit \($0))" } ?? ""))
        }
        if record.isOverdue(at: now) { problems.append("overdue by more than half of every") }
        if record.tokenValid == false { problems.append("the token in the file was rejected at the last check") }
        self.problems = problems
        healthy = problems.isEmpty
    }

    /// Every consumer with a record, plus any with only an unfinished run.
    public static func all(book: StatusBook, now: Int) -> [StatusSummary] {
        let active = Dictionary(ActiveRun(state: book.state).all().map { ($0.consumer, $0.run) }, uniquingKeysWith: { a, _ in a })
        var records = book.all()
        for consumer in active.keys where !records.contains(where: { $0.consumer == consumer }) {
            records.append(ConsumerStatus(consumer: consumer))
        }
        return records.sorted { $0.consumer < $1.consumer }.map { StatusSummary($0, unfinishedRun: active[$0.consumer], now: now) }
    }
}
