import Foundation
import Testing
import RekeyCore

@Suite("RunFacts: what a journal says the run did")
struct RunFactsTests {
    static func record(_ kind: JournalRecord.Kind, _ fill: (inout JournalRecord) -> Void = { _ in }) -> JournalRecord {
        var record = JournalRecord(kind: kind, at: 1, consumer: "web-1", run: "r1")
        record.format = nil  // as the previous release wrote them
        fill(&record)
        return record
    }

    static let killedAfterRenameThenRecovered: [JournalRecord] = [
        record(.begin) { $0.operation = .rotate; $0.file = "/etc/app.env"; $0.sha256 = "before"; $0.lastEight = "11111111" },
        record(.backedUp) { $0.backup = "/var/lib/rekey/backups/web-1/app.env.bak.1.sealed" },
        record(.minting) { $0.tokenName = "web-1-r1" },
        record(.minted) { $0.tokenID = 7; $0.tokenName = "web-1-r1"; $0.lastEight = "22222222" },
        record(.rewriting) { $0.sha256Before = "before"; $0.sha256After = "after" },
        // killed here, after the rename; recover found the new token in the file and it probed fine
        record(.probed) { $0.login = "ops" },
        record(.done),
    ]

    @Test("a run recover finished after a kill between the rename and `rewritten` is known to have written its bytes")
    func committedImpliesWritten() {
        let facts = RunFacts(records: Self.killedAfterRenameThenRecovered)
        #expect(facts.committed)
        #expect(facts.fileBefore == "before" && facts.fileAfter == "after")
        #expect(facts.minted?.id == 7 && facts.tokenName == "web-1-r1" && !facts.tokenDeleted)
        #expect(facts.backup == "/var/lib/rekey/backups/web-1/app.env.bak.1.sealed")
    }

    @Test("an uncommitted rewrite proves nothing about the file; a compensated mint deleted the token")
    func uncommitted() {
        let records = Array(Self.killedAfterRenameThenRecovered.prefix(5)) + [
            Self.record(.compensated) { $0.step = "mint" },
            Self.record(.rolledBack),
        ]
        let facts = RunFacts(records: records)
        #expect(!facts.committed && facts.fileAfter == nil && facts.rewriteAttempted)
        #expect(facts.tokenDeleted)
    }

    @Test("a rollback's begin names what it restores; its probe is no commit of a rotation")
    func rollback() {
        let facts = RunFacts(records: [
            Self.record(.begin) { $0.operation = .rollback; $0.sha256 = "rotated"; $0.sha256After = "restored" },
            Self.record(.rewriting) { $0.sha256Before = "rotated"; $0.sha256After = "restored" },
            Self.record(.rewritten) { $0.sha256After = "restored" },
            Self.record(.probed) { $0.login = "ops" },
        ])
        #expect(facts.operation == .rollback && !facts.committed)
        #expect(facts.fileBefore == "rotated" && facts.fileAfter == "restored")
    }

    @Test("records of format 1 (no format key) decode; new records carry format 2")
    func formatVersion() throws {
        let old = #"{"at":1,"consumer":"web-1","kind":"begin","operation":"rollback","run":"r1"}"#
        let decoded = try JSONDecoder().decode(JournalRecord.self, from: Data(old.utf8))
        #expect(decoded.format == nil && decoded.operation == .rollback)
        #expect(JournalRecord(kind: .done, at: 1, consumer: "c", run: "r").format == JournalRecord.formatVersion)
        #expect(JournalRecord.formatVersion == 2)
    }
}
