import Foundation
import Testing
import RekeyCore

@Suite("JournalEvent: journal records as typed events")
struct JournalEventTests {
    static let token = TokenInfo(id: 7, name: "web-1-r1", lastEight: "22222222", scopes: [])

    static let events: [JournalEvent] = [
        .begin(.init(operation: .rotate, file: "/etc/app.env", fileSHA256: "before", key: "GITEA_TOKEN", server: "https://git.example",
                     persona: "ops", vaultEntry: "ops", login: "ops", previousLastEight: "11111111")),
        .begin(.init(operation: .rollback, file: "/etc/app.env", fileSHA256: "rotated", key: "GITEA_TOKEN", server: "https://git.example",
                     persona: "ops", vaultEntry: "ops", login: "ops",
                     rollback: .init(of: "r1", restoresSHA256: "before", backup: "/b.sealed", keepToken: false, token: token))),
        .backedUp(backup: "/b.sealed", sha256: "before"),
        .minting(tokenName: "web-1-r1", deadline: 20),
        .minted(token),
        .rewriting(before: "before", after: "after"),
        .rewritten(before: "before", after: "after", detail: nil),
        .probed(login: "ops", tokenID: 7),
        .committed,
        .step(name: "reload", detail: "systemctl reload app"),
        .compensated(step: "mint", detail: "deleted token 7"),
        .deleted(token),
        .recovered(detail: "removed /etc/.app.env.rekey-tmp.1"),
        .done(.init(exitCode: 0, detail: "ok")),
        .rolledBack(.init(exitCode: 80, detail: nil)),
        .failed(.init(exitCode: 69, detail: nil)),
    ]

    @Test("every event is written as a current-format record and reads back as the same event", arguments: events)
    func roundTrip(_ event: JournalEvent) throws {
        let record = JournalRecord(event, at: 1, consumer: "web-1", run: "r2")
        #expect(record.format == JournalRecord.formatVersion)
        let decoded = try JSONDecoder().decode(JournalRecord.self, from: JSONEncoder().encode(record))
        #expect(decoded.event == event)
    }

    @Test("a rollback's begin is told apart from a rotation's, though the wire record reuses lastEight and sha256After")
    func beginsDiffer() {
        var rollback = JournalRecord(kind: .begin, at: 1, consumer: "web-1", run: "r2")
        rollback.format = nil  // format 1, as the first release wrote it
        rollback.operation = .rollback; rollback.lastEight = "22222222"; rollback.tokenID = 7; rollback.sha256After = "before"
        guard case .begin(let begin) = rollback.event else { Issue.record("not a begin"); return }
        #expect(begin.previousLastEight == nil)
        #expect(begin.rollback?.token?.lastEight == "22222222" && begin.rollback?.restoresSHA256 == "before")

        var rotation = JournalRecord(kind: .begin, at: 1, consumer: "web-1", run: "r1")
        rotation.format = nil
        rotation.lastEight = "11111111"  // format 1 had no operation: a rotation
        guard case .begin(let rotated) = rotation.event else { Issue.record("not a begin"); return }
        #expect(rotated.operation == .rotate && rotated.previousLastEight == "11111111" && rotated.rollback == nil)
    }
}
