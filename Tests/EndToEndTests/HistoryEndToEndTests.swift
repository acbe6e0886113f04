import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// Retention, `rekey backup list` and `rekey history`: the real binary against the stand-in.
@Suite("retention, backup list and history, end to end")
struct HistoryEndToEndTests {
    /// The run id from `rekey run`'s last line (`rotated <consumer> in run <id>: …`).
    static func runID(_ result: ProcessResult) throws -> String {
        let line = try #require(result.stdout.split(separator: "\n").last { $0.contains(" in run ") })
        let after = try #require(line.range(of: " in run "))
        return String(line[after.upperBound...].prefix { $0 != ":" })
    }

    static func jsonArray(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    @Test("keep_backups 2: after three rotations the two newest backups remain; backup list names their runs without the key")
    func retentionAndBackupList() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "keep_backups: 2")
            var runs: [String] = []
            var outputs: [ProcessResult] = []
            for _ in 0..<3 {
                let result = try await host.rekey(["run", host.playbookPath])
                #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
                runs.append(try Self.runID(result))
                outputs.append(result)
            }
            let folder = host.statePath + "/backups/\(host.consumer)"
            let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            #expect(left.count == 2, "\(left)")
            #expect(outputs[0].stdout.contains("✓ prune") && outputs[0].stdout.contains("nothing to prune"))
            #expect(outputs[2].stdout.contains("✓ prune"))
            #expect(outputs[2].stdout.contains("removed 1 old backup: all-credentials.env.bak."), "\(outputs[2].stdout)")
            // The one removed is the first run's: it is named in the prune line and gone from disk.
            let pruned = try #require(outputs[2].stdout.split(separator: "\n").first { $0.contains("✓ prune") })
            let prunedName = try #require(pruned.split(separator: " ").first { $0.hasPrefix("all-credentials.env.bak.") })
                .trimmingCharacters(in: CharacterSet(charactersIn: ";,"))
            #expect(!left.contains(prunedName))
            #expect(outputs[0].stdout.contains(prunedName))

            // No master key at all: listing reads only the public headers.
            let noKey = ["REKEY_KEY_FILE": host.directory.file("no-such.key")]
            let list = try await host.rekey(["backup", "list"], environment: noKey)
            #expect(list.status == 0, "stderr: \(list.stderr)")
            let lines = list.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(list.stdout)")
            #expect(lines[0].hasPrefix("\(host.consumer)  all-credentials.env.bak.") && lines[0].hasSuffix("run \(runs[2])"), "\(lines)")
            #expect(lines[1].hasSuffix("run \(runs[1])"), "\(lines)")
            #expect(!list.stdout.contains(runs[0]))
            for name in left { #expect(list.stdout.contains(name)) }
            #expect(lines.allSatisfy { $0.contains(" bytes ") && $0.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, options: .regularExpression) != nil })

            let json = try await host.rekey(["backup", "list", host.consumer, "--json"], environment: noKey)
            #expect(json.status == 0, "stderr: \(json.stderr)")
            let entries = try Self.jsonArray(json.stdout)
            #expect(entries.map { $0["run"] as? String } == [runs[2], runs[1]])
            #expect(entries.allSatisfy { ($0["file"] as? String) == host.envPath && ($0["size"] as? Int ?? 0) > 0 })

            let other = try await host.rekey(["backup", "list", "nobody"], environment: noKey)
            #expect(other.status == 0)
            #expect(other.stdout.contains("no backups of consumer nobody"))
            let bad = try await host.rekey(["backup", "list", "../etc"], environment: noKey)
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("consumer name '../etc' is not allowed"))

            #expect(try host.leaks(of: [host.password, host.oldToken, host.currentToken]) == [])
        }
    }

    @Test("history: a rolled-back run above a done run, with tokens, backups and what rollback restores; --json parses")
    func history() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let oldLastEight = String(host.oldToken.suffix(8))
            let good = try await host.rekey(["run", host.playbookPath])
            #expect(good.status == 0, "stderr: \(good.stderr)")
            let goodRun = try Self.runID(good)
            let newToken = host.currentToken
            await host.addFault(FaultRule(route: .user, login: "other"))
            let bad = try await host.rekey(["run", host.playbookPath])
            #expect(bad.status == 80, "stdout: \(bad.stdout) stderr: \(bad.stderr)")
            let badRun = try Self.runID(bad)

            let text = try await host.rekey(["history"])
            #expect(text.status == 0, "stderr: \(text.stderr)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            let heads = lines.filter { !$0.hasPrefix(" ") }
            #expect(heads.count == 2, "\(text.stdout)")
            #expect(heads[0].hasPrefix("\(badRun)  ") && heads[0].contains("  \(host.consumer)  rolled-back  "), "\(heads)")
            #expect(heads[0].contains(", deleted") && heads[0].contains("exit 80"))
            #expect(heads[1].hasPrefix("\(goodRun)  ") && heads[1].contains("  \(host.consumer)  done  "), "\(heads)")
            #expect(heads[1].contains("token \(host.persona)-\(goodRun) (…\(newToken.suffix(8)))"), "\(heads)")
            #expect(text.stdout.contains("    rollback would restore: all-credentials.env.bak."))
            #expect(text.stdout.contains("(the token …\(oldLastEight))"))

            let json = try await host.rekey(["history", host.consumer, "--json"])
            #expect(json.status == 0, "stderr: \(json.stderr)")
            let entries = try Self.jsonArray(json.stdout)
            #expect(entries.map { $0["run"] as? String } == [badRun, goodRun])
            #expect(entries.map { $0["outcome"] as? String } == ["rolled-back", "done"])
            let done = entries[1]
            let token = try #require(done["token"] as? [String: Any])
            #expect(token["lastEight"] as? String == String(newToken.suffix(8)))
            #expect(token["name"] as? String == "\(host.persona)-\(goodRun)")
            let restore = try #require(done["rollbackRestores"] as? [String: Any])
            #expect(restore["lastEight"] as? String == oldLastEight)
            #expect((restore["backup"] as? String)?.hasPrefix(host.statePath + "/backups/\(host.consumer)/all-credentials.env.bak.") == true)
            #expect(restore["backup"] as? String == done["backup"] as? String)
            #expect(entries[0]["rollbackRestores"] == nil)
            #expect(entries[0]["previousLastEight"] as? String == String(newToken.suffix(8)))

            let none = try await host.rekey(["history", "nobody"])
            #expect(none.status == 0 && none.stdout.contains("no runs of consumer nobody"))

            // A journal torn by a crash, and one that is garbage: shown as such, the listing goes on.
            let torn = try #require(FileHandle(forWritingAtPath: host.statePath + "/runs/\(goodRun).journal"))
            torn.seekToEndOfFile()
            torn.write(Data([0, 0, 0, 200, 0x52]))
            try torn.close()
            try host.directory.write("state/runs/20200101T000000Z-abcdef.journal", "\u{0}\u{0}\u{0}\u{0D}not a journal")
            let damaged = try await host.rekey(["history"])
            #expect(damaged.status == 0, "stderr: \(damaged.stderr)")
            #expect(damaged.stdout.contains("\(goodRun)  ") && damaged.stdout.contains("last record is torn"))
            #expect(damaged.stdout.contains("20200101T000000Z-abcdef  2020-01-01T00:00:00Z  ?  unreadable"), "\(damaged.stdout)")
            let damagedJSON = try Self.jsonArray(try await host.rekey(["history", "--json"]).stdout)
            #expect(damagedJSON.map { $0["outcome"] as? String } == ["rolled-back", "done", "unreadable"])

            #expect(try host.leaks(of: [host.password, host.oldToken, newToken]) == [])
        }
    }
}
