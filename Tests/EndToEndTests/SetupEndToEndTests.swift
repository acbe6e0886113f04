import Foundation
import RekeyCore
import Testing
import TestSupport

/// `rekey init`, `rekey vault`, the master key's checks and playbook errors, through the real binary.
@Suite("rekey init, vault and refusals, end to end")
struct SetupEndToEndTests {
    @Test("init creates a 0700 state dir and a 0600 32-byte key, and refuses to overwrite it")
    func initOnce() async throws {
        try await EndToEndHost.with { host in
            let first = try await host.rekey(["init"])
            #expect(first.status == 0, "stderr: \(first.stderr)")
            var info = stat()
            #expect(stat(host.keyPath, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_size == 32)
            #expect(stat(host.statePath, &info) == 0 && info.st_mode & 0o777 == 0o700)
            let key = try Data(contentsOf: URL(fileURLWithPath: host.keyPath))
            let second = try await host.rekey(["init"])
            #expect(second.status != 0)
            #expect(second.stderr.contains(host.keyPath))
            #expect(try Data(contentsOf: URL(fileURLWithPath: host.keyPath)) == key)
        }
    }

    @Test("vault set reads the password from stdin; vault list shows names and users, never the password")
    func vault() async throws {
        try await EndToEndHost.with { host in
            try await host.rekey(["init"])
            let set = try await host.rekey(["vault", "set", "ops", "--username", "ops-automation"], stdin: host.password + "\n")
            #expect(set.status == 0, "stderr: \(set.stderr)")
            let list = try await host.rekey(["vault", "list"])
            #expect(list.status == 0)
            #expect(list.stdout.contains("ops") && list.stdout.contains("ops-automation"))
            #expect(try host.leaks(of: [host.password]) == [])
        }
    }

    @Test("an empty password on stdin is refused and nothing is stored")
    func emptyPassword() async throws {
        try await EndToEndHost.with { host in
            try await host.rekey(["init"])
            let set = try await host.rekey(["vault", "set", "ops", "--username", "u"], stdin: "\n")
            #expect(set.status == 78)
            #expect(set.stderr.contains("empty password"))
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/vault/ops.sealed"))
        }
    }

    @Test("a key file readable by group or others is refused with exit 77 and the chmod to run", arguments: [0o640, 0o644, 0o604])
    func keyFileMode(mode: Int) async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            chmod(host.keyPath, mode_t(mode))
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 77)
            #expect(result.stderr.contains("chmod 600 \(host.keyPath)"))
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("an unknown playbook key: exit 78 with file:line:column, nothing touched")
    func invalidPlaybook() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "stepz: [backup]")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 78)
            #expect(result.stderr.contains("\(host.playbookPath):"))
            #expect(result.stderr.contains("stepz"))
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("a probe without read:user in the scopes is a playbook error that says so")
    func probeNeedsReadUser() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(scopes: "[write:repository]")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 78)
            #expect(result.stderr.contains("read:user"))
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("under systemd the master key comes from $CREDENTIALS_DIRECTORY/rekey-master-key")
    func keyFromCredentialsDirectory() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let credentials = host.directory.file("credentials")
            try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
            try FileManager.default.moveItem(atPath: host.keyPath, toPath: credentials + "/rekey-master-key")
            chmod(credentials + "/rekey-master-key", 0o400)
            var environment = host.environment
            environment["REKEY_KEY_FILE"] = nil
            environment["CREDENTIALS_DIRECTORY"] = credentials
            let result = try await ProcessRunner.run(ProcessRunner.rekey, ["run", host.playbookPath], environment: environment)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(host.currentToken != host.oldToken)
            // Without it (and without the key file) the message says where the key was looked for.
            environment["CREDENTIALS_DIRECTORY"] = nil
            environment["REKEY_KEY_FILE"] = host.keyPath
            let missing = try await ProcessRunner.run(ProcessRunner.rekey, ["run", host.playbookPath], environment: environment)
            #expect(missing.status == 77)
            #expect(missing.stderr.contains(host.keyPath) && missing.stderr.contains("rekey init"))
        }
    }

    @Test("on a terminal, vault set prompts for the password and the TOTP seed without echoing them")
    func vaultSetOnTerminal() async throws {
        let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        try await EndToEndHost.with(personaTOTPSeed: seed) { host in
            _ = try await host.rekey(["init"])
            let result = try await Terminal.run(
                ProcessRunner.rekey, ["vault", "set", host.persona, "--username", host.persona, "--totp"],
                environment: host.environment, stdin: .terminal, stderr: .terminal,
                script: [
                    .init(waitFor: "password for \(host.persona): ", type: host.password + "\n"),
                    .init(waitFor: "TOTP seed (base32) for \(host.persona): ", type: seed + "\n"),
                ])
            #expect(result.status == 0, "screen: \(result.screen) stdout: \(result.stdout)")
            #expect(result.screen.contains("password for \(host.persona): "))
            #expect(!result.screen.contains(host.password), "the password was echoed: \(result.screen)")
            #expect(!result.screen.contains(seed), "the seed was echoed: \(result.screen)")
            // What was typed is what was stored: the credential works, two-factor code included.
            let test = try await host.rekey(["vault", "test", host.persona, "--url", host.baseURL])
            #expect(test.status == 0, "stderr: \(test.stderr)")
        }
    }
}
