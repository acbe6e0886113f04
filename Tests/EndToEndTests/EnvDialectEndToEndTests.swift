import Foundation
import Testing
import TestSupport

/// The real binary against the stand-in: files the shell reads otherwise are refused before anything
/// is minted, and a file rekey rotates is read with the new token by bash and dash.
@Suite("env file dialect, end to end")
struct EnvDialectEndToEndTests {
    /// What `shell` reads for GITEA_TOKEN after `set -a; . ./FILE`.
    static func sourced(_ path: String, shell: String) throws -> ProcessResult {
        let directory = (path as NSString).deletingLastPathComponent
        let file = (path as NSString).lastPathComponent
        return try ProcessRunner.runBlocking("/usr/bin/env", ["-i", shell, "-c", "cd \"$1\" && set -a && . \"./$2\" && printf '%s' \"$GITEA_TOKEN\"", "sh", directory, file],
                                             environment: [:])
    }

    static let refused: [(name: String, template: String, lines: [String])] = [
        ("a second assignment on a line with another", "# token\nGITEA_TOKEN={old}\nA=1 GITEA_TOKEN=sneaky\n", ["line 2", "line 3"]),
        ("readonly after the key", "GITEA_TOKEN={old}\nreadonly GITEA_TOKEN\n", ["line 1", "line 2 passes it to readonly"]),
        ("a quote left open above the key", "NOTE=\"it's open\nGITEA_TOKEN={old}\n", ["line 1"]),
        ("eval", "GITEA_TOKEN={old}\neval \"$EXTRA\"\n", ["line 2 runs eval"]),
        ("a BOM with the comment on line 1", "\u{FEFF}# ops token\nGITEA_TOKEN={old}\n", ["byte order mark"]),
    ]

    @Test("a file the shell could read otherwise: exit 65 naming the lines, nothing minted, file untouched",
          arguments: refused.indices)
    func refusedBeforeMint(_ index: Int) async throws {
        let refusal = Self.refused[index]
        try await EndToEndHost.with { host in
            try await host.setUp(envTemplate: refusal.template)
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "\(refusal.name): \(result.stderr)")
            for line in refusal.lines { #expect(result.stderr.contains(line), "\(refusal.name): \(result.stderr)") }
            #expect(result.stderr.contains(host.envPath))
            #expect(!result.combined.contains(host.oldToken))
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("a file with continuations, quotes and substitutions spanning lines: rotated, and bash and dash read the new token")
    func rotatedFileReadsNewToken() async throws {
        let template = """
            # shared credentials, sourced by cron \\
            set -a
            umask 077
            NOTE="first
            GITEA_TOKEN=inside-a-value
            last"
            LIST=$(printf '%s' "a
            GITEA_TOKEN=in-a-substitution")
            cat >/dev/null <<'EOF'
            # not a comment
            EOF
            # ops-automation PAT initial
            GITEA_TOKEN={old}
            DEPLOY_USER=ops

            """
        try await EndToEndHost.with { host in
            try await host.setUp(envTemplate: template)
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let keyLine = host.envText.split(separator: "\n").last { $0.hasPrefix("GITEA_TOKEN=") }
            let token = String(keyLine?.dropFirst("GITEA_TOKEN=".count) ?? "")
            #expect(token.count == 40 && token != host.oldToken)
            for shell in ["bash", "dash"] {
                let read = try Self.sourced(host.envPath, shell: shell)
                #expect(read.status == 0 && read.stdout == token, "\(shell): \(read.stdout.suffix(8)) \(read.stderr)")
            }
            #expect(host.envText.hasPrefix("# shared credentials, sourced by cron \\\nset -a\n"))
        }
    }
}
