import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The sealed inventory and `rekey consumers`, through the real binary and the stand-in.
@Suite("inventory and rekey consumers, end to end")
struct InventoryEndToEndTests {
    @Test("--scan finds a copy of a known token in an unrelated file, before and after rekey key rotate, and prints no secret")
    func scanSurvivesKeyRotation() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let token = host.currentToken
            let lastEight = String(token.suffix(8))

            for folder in ["scan/deploy", "outside"] {
                try FileManager.default.createDirectory(atPath: host.directory.file(folder), withIntermediateDirectories: true)
            }
            try host.directory.write("scan/deploy/notes.sh", "#!/bin/sh\n# copied by hand\nexport OLD_COPY=\"\(token)\"\ncurl -H \"token \(token)\"\n")
            try host.directory.write("scan/deploy/blob.bin", "\u{0}binary\(token)")
            try host.directory.write("scan/unrelated.txt", "nothing here but \(String(repeating: "ab", count: 20))\n")
            try host.directory.write("outside/secret.env", "T=\(token)\n")
            #expect(symlink(host.directory.file("outside"), host.directory.file("scan/link")) == 0)
            let big = String(repeating: "#", count: 1 << 20) + "\nX=\(token)\n"
            try host.directory.write("scan/big.env", big)

            let expected = "\(host.directory.file("scan/deploy/notes.sh")):3  OLD_COPY"
            for round in ["before", "after"] {
                if round == "after" {
                    let rotate = try await host.rekey(["key", "rotate"])
                    #expect(rotate.status == 0, "stderr: \(rotate.stderr)")
                }
                let scan = try await host.rekey(["consumers", "--scan", host.directory.file("scan")])
                #expect(scan.status == 0, "\(round): \(scan.stderr)")
                #expect(scan.stdout.contains("\(expected)  token ") && scan.stdout.contains("…\(lastEight)  known as \(host.consumer)"), "\(round): \(scan.stdout)")
                #expect(scan.stdout.contains("notes.sh:4  (no variable)"), "\(round): \(scan.stdout)")
                #expect(!scan.stdout.contains("blob.bin:") && !scan.stdout.contains("outside") && !scan.stdout.contains("big.env:2"), "\(round): \(scan.stdout)")
                #expect(scan.stdout.contains("skipped \(host.directory.file("scan/big.env")): over 1 MiB"), "\(round): \(scan.stdout)")
                #expect(scan.stdout.contains("skipped \(host.directory.file("scan/link")): a symlink, not followed"), "\(round): \(scan.stdout)")
                #expect(scan.stdout.contains("2 place(s) hold a known token"), "\(round): \(scan.stdout)")
            }
            #expect(try host.leaks(of: [token, host.oldToken]) == [])
        }
    }

    @Test("the inventory is sealed: no token, fingerprint or fingerprint key in plaintext anywhere under the state directory")
    func sealedAtRest() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "steps: [backup, mint, rewrite, probe, revoke-previous]\nrevoke_grace: 1h")
            #expect(try await host.rekey(["consumers", "--import", host.envPath]).status == 0)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let token = host.currentToken

            let state = StateDirectory(root: host.statePath)
            let sealer = Sealer(key: try MasterKey.load(from: host.keyPath))
            let key = try #require(try FingerprintKey.load(state: state, sealer: sealer))
            let keyBytes = key.withUnsafeKeyBytes { Array($0) }
            let keyHex = keyBytes.map { String(format: "%02x", $0) }.joined()
            let fingerprints = [token, host.oldToken].map { key.fingerprint(SecretBytes(utf8: $0)) }
            #expect(try InventoryStore(state: state, sealer: sealer).all().map(\.fingerprint) == [fingerprints[0]] as [String?])
            #expect(try RevocationStore(state: state, sealer: sealer).all().map(\.fingerprint) == [fingerprints[1]] as [String?])

            var searched = 0
            for file in try host.directory.allFiles() where file.path.hasPrefix(host.statePath) {
                searched += 1
                for needle in [Array(token.utf8), Array(host.oldToken.utf8), keyBytes, Array(keyHex.utf8)] + fingerprints.map({ Array($0.utf8) }) {
                    #expect(!contains(file.bytes, needle), "\(file.path) holds a secret in plaintext")
                }
            }
            #expect(searched >= 5)
            #expect(FileManager.default.fileExists(atPath: host.statePath + "/fingerprint.key.sealed"))
            #expect(FileManager.default.fileExists(atPath: host.statePath + "/inventory/\(host.consumer).sealed"))
        }
    }

    @Test("one holder per file and key across processes: a holding another rekey process recorded is replaced, not kept beside")
    func oneHolderAcrossProcesses() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let state = StateDirectory(root: host.statePath)
            let sealer = Sealer(key: try MasterKey.load(from: host.keyPath))
            let store = InventoryStore(state: state, sealer: sealer)
            func holding(_ consumer: String, _ file: String) -> Holding {
                Holding(consumer: consumer, file: file, key: "GITEA_TOKEN", tokenID: nil, tokenName: nil, persona: nil, server: nil,
                        lastEight: "00000000", fingerprint: nil, since: 0, source: .imported)
            }
            // This process records first (twice: the first write only creates the generation), so
            // it knows, and keeps in memory, who holds what.
            try store.record(holding("early", host.directory.file("other.env")), in: "early")
            try store.record(holding("early", host.directory.file("other.env")), in: "early")
            // Another process, the real binary, then records the host's env file for its consumer.
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(try store.all().filter { $0.isPlace(file: host.envPath, key: "GITEA_TOKEN") }.map(\.consumer) == [host.consumer])
            // This process records the same place in another record: the binary's holding goes.
            try store.record(holding("late", host.envPath), in: "late")
            #expect(try store.all().filter { $0.isPlace(file: host.envPath, key: "GITEA_TOKEN") }.map(\.consumer) == ["late"])
            #expect(try store.all().map(\.consumer).sorted() == ["early", "late"])
        }
    }

    @Test("a rotation replaces the imported holding of its file and key; forget drops a consumer's holdings")
    func importThenRotateThenForget() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            #expect(try await host.rekey(["consumers", "--import", host.envPath]).status == 0)
            var listed = try await host.rekey(["consumers", "--json"])
            var holdings = try JSONDecoder().decode([Holding].self, from: Data(listed.stdout.utf8))
            #expect(holdings.map(\.consumer) == ["\(host.envPath):GITEA_TOKEN"] && holdings.first?.tokenID == nil)
            #expect(holdings.first?.lastEight == String(host.oldToken.suffix(8)))

            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            listed = try await host.rekey(["consumers", "--json"])
            holdings = try JSONDecoder().decode([Holding].self, from: Data(listed.stdout.utf8))
            #expect(holdings.map(\.consumer) == [host.consumer])
            #expect(holdings.first?.lastEight == String(host.currentToken.suffix(8)) && holdings.first?.tokenID != nil)
            let text = try await host.rekey(["consumers"])
            #expect(text.stdout.contains("\(host.consumer)  \(host.envPath):GITEA_TOKEN  token "), "\(text.stdout)")

            let forget = try await host.rekey(["forget", host.consumer])
            #expect(forget.status == 0)
            listed = try await host.rekey(["consumers", "--json"])
            #expect(try JSONDecoder().decode([Holding].self, from: Data(listed.stdout.utf8)).isEmpty)
        }
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}
