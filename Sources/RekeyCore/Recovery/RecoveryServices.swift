import Foundation
import Logging

/// What `rekey recover` and `rekey rollback` need to act on a journaled run without its playbook:
/// the state directory and key, a Gitea client for the server the run's `begin` record names, and
/// the vault credential it names.
public struct RecoveryServices: Sendable {
    public let state: StateDirectory
    public let sealer: Sealer
    public let logger: Logger
    public let gitea: @Sendable (String) -> any GiteaAPI
    public let now: @Sendable () -> Date
    /// Whether recover waits for a dead run's mint request to pass its deadline (else: exit 75).
    public var waitForMints = true
    /// The steps whose `settle(from:)` recover asks, in run order (a test registry adds its own).
    public var registry = StepRegistry.standard

    public init(state: StateDirectory, sealer: Sealer, logger: Logger, now: @escaping @Sendable () -> Date = WallClock.now,
                gitea: @escaping @Sendable (String) -> any GiteaAPI) {
        self.now = now
        self.state = state
        self.sealer = sealer
        self.logger = logger
        self.gitea = gitea
    }

    /// A dead run's mint request with no journaled answer may still be inside the server until the
    /// journaled request time plus its deadline (20 s for journals that predate the field). Until
    /// then, "no token by that name" proves nothing: wait that out, or refuse (exit 75).
    /// The wait is capped at the longest deadline a run can journal (`--timeout` 600 s, one code
    /// retry), so a clock stepped backwards or a damaged record cannot keep recover asleep for hours.
    func awaitMintDeadline(_ minting: JournalRecord) async throws {
        let until = Double(minting.at + (minting.deadline ?? 20) + 1)
        let remaining = min(until - now().timeIntervalSince1970, Self.longestMintDeadline)
        guard remaining > 0 else { return }
        guard waitForMints else { throw MintMayBeInFlight(run: minting.run, seconds: Int(remaining.rounded(.up))) }
        try? await Task.sleep(for: .seconds(remaining))
    }

    static let longestMintDeadline: Double = 2 * 600 + 1

    struct MintMayBeInFlight: RekeyError {
        var run: String
        var seconds: Int
        var exitStatus: ExitStatus { .busy }
        var description: String {
            "run \(run)'s mint request may still be inside the server for \(seconds) s more; run rekey recover again after that (or without --no-wait)"
        }
    }

    struct MissingRecord: RekeyError {
        var run: String
        var what: String
        var exitStatus: ExitStatus { .software }
        var description: String { "journal of run \(run) lacks \(what); keep the journal and inspect the file by hand" }
    }

    /// The client for the server a run's `begin` record names.
    func client(_ begin: JournalRecord, run: String) throws -> any GiteaAPI {
        guard let server = begin.server else { throw MissingRecord(run: run, what: "the server address") }
        return gitea(server)
    }

    /// The secret provider a run's `begin` record names (the server and, for Gitea, the persona).
    func provider(_ begin: JournalRecord, run: String) throws -> any TokenProvider {
        GiteaProvider(api: try client(begin, run: run), persona: begin.persona ?? "")
    }

    /// The vault credential a run's `begin` record names.
    func credential(_ begin: JournalRecord, run: String) throws -> BasicCredential {
        guard let name = begin.vaultEntry else { throw MissingRecord(run: run, what: "the vault entry") }
        return try Vault(state: state, sealer: sealer).load(name)
    }
}
