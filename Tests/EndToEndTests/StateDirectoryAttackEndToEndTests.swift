import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// Writes of rekey's own state (backups, journals, active-run markers, locks, the vault) go through
/// one descriptor of the state directory and never follow a symlink inside it: a link planted there
/// (by whoever got to write in it once) or a directory another account owns never redirects root's
/// writes. Each case runs the real binary and checks that nothing landed outside.
@Suite("the state directory under attack, end to end", .serialized)
struct StateDirectoryAttackEndToEndTests {
    /// Where a link is planted, relative to the state directory, and the command that would write through it.
    enum Plant: String, CaseIterable, CustomTestStringConvertible {
        case backupDirectory, activeDirectory, lockFile, vaultEntry
        var testDescription: String { rawValue }
    }

    static func relative(_ plant: Plant, host: EndToEndHost) -> String {
        switch plant {
        case .backupDirectory: "backups/\(host.consumer)"
        case .activeDirectory: "runs/active"
        case .lockFile: "locks/\(host.consumer).lock"
        case .vaultEntry: "vault/\(host.persona).sealed"
        }
    }

    @Test("a symlink planted inside the state directory is never written through", arguments: Plant.allCases)
    func plantedLink(plant: Plant) async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let decoy = host.directory.file("decoy")
            mkdir(decoy, 0o700)
            let victim = try HostileHost.RootOnlyFile(in: host.directory)
            let planted = host.statePath + "/" + Self.relative(plant, host: host)
            try? FileManager.default.removeItem(atPath: planted)
            let pointsAt = plant == .backupDirectory || plant == .activeDirectory ? decoy : victim.path
            #expect(symlink(pointsAt, planted) == 0)
            let envBefore = host.envBytes

            let result: ProcessResult
            if plant == .vaultEntry {
                result = try await host.rekey(["vault", "set", host.persona, "--username", host.persona], stdin: host.password + "\n")
            } else {
                result = try await host.rekey(["run", host.playbookPath])
            }
            if plant == .vaultEntry {
                // An atomic replace renames over the link itself: the entry becomes a regular file.
                #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
                var info = stat()
                #expect(lstat(planted, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the vault entry is still a link")
            } else {
                #expect(result.status == 73, "stdout: \(result.stdout) stderr: \(result.stderr)")
                #expect(result.stderr.contains(planted), "the refusal names the planted link: \(result.stderr)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: decoy).isEmpty, "a state file landed outside the state directory")
            #expect(victim.tampering == nil, "\(victim.tampering ?? "")")
            if plant != .vaultEntry {
                #expect(host.envBytes == envBefore, "the env file changed")
                #expect(await host.serverTokens().count == 1, "a token was minted although the run could not keep state")
            }
        }
    }

    @Test("a directory inside the state directory that nobody owns or that group can write is refused, nothing written into it")
    func untrustedDirectories() async throws {
        if let reason = HostileHost.rootMissing {
            print("skipping: \(reason)")
            return
        }
        try await EndToEndHost.with { host in
            try await host.setUp()
            let backups = host.statePath + "/backups/\(host.consumer)"
            mkdir(backups, 0o700)
            chown(backups, HostileHost.nobody, HostileHost.nogroup)
            let first = try await host.rekey(["run", host.playbookPath])
            #expect(first.status == 73, "stdout: \(first.stdout) stderr: \(first.stderr)")
            #expect(first.stderr.contains("owned by uid \(HostileHost.nobody)"), "\(first.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: backups).isEmpty)

            // The same directory, root's again but open to its group: still refused.
            chown(backups, 0, 0)
            chmod(backups, 0o770)
            let second = try await host.rekey(["run", host.playbookPath])
            #expect(second.status == 73, "stdout: \(second.stdout) stderr: \(second.stderr)")
            #expect(second.stderr.contains("writable by group or others"), "\(second.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: backups).isEmpty)
            #expect(await host.serverTokens().count == 1)

            // Fixed, the run goes through and its backup lands in that directory.
            chmod(backups, 0o700)
            let third = try await host.rekey(["run", host.playbookPath])
            #expect(third.status == 0, "stdout: \(third.stdout) stderr: \(third.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: backups).count == 1)
        }
    }
}
