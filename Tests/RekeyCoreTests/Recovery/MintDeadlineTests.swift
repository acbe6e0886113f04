import Foundation
import Logging
import Testing
@testable import RekeyCore
import TestSupport

@Suite("recover waits for a dead run's mint that may still be inside the server, but never for hours")
struct MintDeadlineTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func services() -> RecoveryServices {
        var services = RecoveryServices(state: StateDirectory(root: TempDirectory().path), sealer: Sealer(key: .generate()),
                                        logger: Logger(label: "test"), now: { Self.now }, gitea: { _ in FakeGitea(login: "x") })
        services.waitForMints = false
        return services
    }

    func minting(secondsAgo: Int, deadline: Int?) -> JournalRecord {
        var record = JournalRecord(kind: .minting, at: Int(Self.now.timeIntervalSince1970) - secondsAgo, consumer: "c", run: "r")
        record.deadline = deadline
        return record
    }

    @Test("inside the journaled deadline, recover --no-wait leaves the run unfinished (75) and says how long")
    func insideDeadline() async throws {
        let error = await #expect(throws: RecoveryServices.MintMayBeInFlight.self) {
            try await services().awaitMintDeadline(minting(secondsAgo: 5, deadline: 40))
        }
        #expect(error?.seconds == 36)
        #expect(error?.exitStatus == .busy)
    }

    @Test("past the deadline there is nothing to wait for")
    func pastDeadline() async throws {
        try await services().awaitMintDeadline(minting(secondsAgo: 60, deadline: 40))
    }

    @Test("a record from the future (a clock stepped back, a damaged deadline) is waited for at most the longest deadline a run can journal")
    func capped() async throws {
        let error = await #expect(throws: RecoveryServices.MintMayBeInFlight.self) {
            try await services().awaitMintDeadline(minting(secondsAgo: -86_400, deadline: 1_000_000))
        }
        #expect(error?.seconds == Int(RecoveryServices.longestMintDeadline))
    }
}
