/// What a run did, for people (`RunPrinter`) and machines (`--json`). Identifiers only. Its own
/// encoding leaves `steps` out: their details are typed (`StepDetail`) and the executable renders
/// them into the JSON it prints.
public struct RunReport: Sendable, Encodable {
    public enum Outcome: String, Sendable, Codable {
        case rotated
        case rolledBack = "rolled-back"
        case failed
        case needsAttention = "needs-attention"
    }

    public struct Token: Sendable, Codable, Equatable {
        public var id: Int
        public var name: String
        public var lastEight: String
    }

    public var run: String
    public var consumer: String
    public var file: String
    public var outcome: Outcome
    public var exitCode: Int32
    public var steps: [StepReport]
    public var token: Token?
    public var previousLastEight: String?
    public var backup: String?
    public var journal: String
    public var error: String?
    /// One sentence: what the env file holds now and which tokens exist, and what to run next if anything.
    public var state: String
    /// Whether the run's end record reached the journal. When it did not, the run stays marked
    /// unfinished so that `rekey recover` settles it from what the journal and the world say.
    public var endRecorded: Bool

    enum CodingKeys: String, CodingKey {
        case run, consumer, file, outcome, exitCode, token, previousLastEight, backup, journal, error, state, endRecorded
    }
}
