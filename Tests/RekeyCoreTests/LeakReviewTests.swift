import Foundation
import Logging
import Testing
import TestSupport
@testable import RekeyCore
import RekeyText

// Leak review: every way Swift can turn a value into text (print, interpolation, String(reflecting:),
// dump) applied to the values and errors that exist while secrets are in play. Each test names the
// secret strings it plants and fails when any of them shows up in text a person or a log could see.

/// Every rendering Swift offers for `value`: `description`-style, `debugDescription`-style and `dump`.
func leakReviewRenderings(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return [String(describing: value), String(reflecting: value), "\(value)", dumped]
}

/// The secrets among `secrets` that appear in any rendering of `value`.
func leakReviewFound(_ secrets: [String], in value: Any) -> [String] {
    let texts = leakReviewRenderings(value)
    return secrets.filter { secret in texts.contains { $0.contains(secret) } }
}

/// A transport that records every exchange and answers from a script.
final class LeakReviewTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [HTTPAnswer]
    private(set) var exchanges: [HTTPExchange] = []
    private(set) var answers: [HTTPAnswer] = []

    init(_ replies: [HTTPAnswer]) { self.replies = replies }

    func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer {
        lock.withLock {
            exchanges.append(exchange)
            let answer = replies.isEmpty ? HTTPAnswer(status: 599) : replies.removeFirst()
            answers.append(answer)
            return answer
        }
    }

    func shutdown() async {}
}

/// A Gitea that mints one known token and keeps nothing, so that dumping a run context that holds
/// it shows only what rekey itself keeps.
struct LeakReviewGitea: GiteaAPI {
    static let tokenValue = "feedfacecafebeef0123456789abcdef4c33a9e7"
    let login: String

    func version() async throws(GiteaError) -> String { "1.22.3" }
    func mintToken(persona: String, name: String, scopes: [String], auth: BasicCredential) async throws(GiteaError) -> MintedToken {
        MintedToken(info: TokenInfo(id: 41, name: name, lastEight: String(Self.tokenValue.suffix(8)), scopes: scopes),
                    value: SecretBytes(utf8: Self.tokenValue))
    }
    func listTokens(persona: String, auth: BasicCredential) async throws(GiteaError) -> [TokenInfo] { [] }
    func deleteToken(persona: String, id: Int, auth: BasicCredential) async throws(GiteaError) {}
    func checkCredential(persona: String, auth: BasicCredential) async throws(GiteaError) {}
    func login(of token: SecretBytes) async throws(GiteaError) -> String { login }
}

@Suite("leak review: printing secret-carrying values and errors")
struct LeakReviewTests {
    static let password = "Vault-Pa55word-\(UUID().uuidString)"
    static let seed = "JBSWY3DPEHPK3PXPQWERTYZX"
    static let token = "0badc0de0badc0de0badc0de0badc0de7e57a11d"

    @Test("VaultEntry, BasicCredential, MintedToken, SecretBytes, Escrow.Opened: print, reflect and dump show <redacted>")
    func secretCarryingStructs() {
        let entry = VaultEntry(username: "ops-automation", password: SecretBytes(utf8: Self.password), totpSeed: SecretBytes(utf8: Self.seed))
        let credential = BasicCredential(username: "ops-automation", password: SecretBytes(utf8: Self.password), totpSeed: SecretBytes(utf8: Self.seed))
        let minted = MintedToken(info: TokenInfo(id: 7, name: "ops-automation-r1", lastEight: String(Self.token.suffix(8)), scopes: ["read:user"]),
                                 value: SecretBytes(utf8: Self.token))
        let opened = Escrow.Opened(context: "backup|c|/etc/app.env|1|r", bytes: SecretBytes(utf8: "GITEA_TOKEN=\(Self.token)\n"))
        for value in [entry, credential, minted, SecretBytes(utf8: Self.token), opened] as [Any] {
            #expect(leakReviewFound([Self.password, Self.seed, Self.token], in: value) == [], "\(type(of: value)) shows a secret")
        }
        // The username and the token's identifiers stay visible: redaction is not blanket.
        #expect(leakReviewRenderings(entry)[3].contains("ops-automation"))
        #expect(leakReviewRenderings(minted)[3].contains("ops-automation-r1"))
        #expect(leakReviewRenderings(credential)[3].contains("<redacted>"))
    }

    @Test("MasterKey, Sealer and RecoveryPrivateKey: no key byte, raw or hex, in any rendering")
    func keyMaterial() throws {
        let keyBytes = (0..<32).map { UInt8(0x41 + $0 % 26) }  // printable, so a raw leak is findable too
        let key = MasterKey(bytes: SecretBytes(copying: keyBytes))
        let recovery = RecoveryPrivateKey(secret: SecretBytes(copying: keyBytes))
        let secrets = [Digest.hex(keyBytes), String(decoding: keyBytes, as: UTF8.self), String(decoding: keyBytes.prefix(16), as: UTF8.self)]
        for value in [key, Sealer(key: key), recovery] as [Any] {
            #expect(leakReviewFound(secrets, in: value) == [], "\(type(of: value)) shows key bytes")
        }
        // The key id is public and may show.
        #expect(leakReviewRenderings(key)[3].contains("keyID"))
    }

    @Test("a RunContext after validate, backup, mint, rewrite and probe: dump shows no password, token or env line")
    func runContextDump() async throws {
        let fixture = try EngineFixture()
        let context = fixture.context(gitea: LeakReviewGitea(login: "ops-automation"))
        let report = await Engine(steps: fixture.rotation(gitea: LeakReviewGitea(login: "ops-automation")).steps()).run(context)
        #expect(report.outcome == .rotated, "\(report.error ?? "")")
        let secrets = [fixture.password, fixture.oldToken, LeakReviewGitea.tokenValue, "DEPLOY_USER=ops", "GITEA_URL=https://gitea.example"]
        #expect(leakReviewFound(secrets, in: context) == [])
        #expect(leakReviewFound(secrets, in: report) == [])
        // The journal read back for recover/rollback/history holds the minted value: still redacted.
        let journal = try RunJournal.load(state: fixture.state, run: context.run.value, sealer: fixture.sealer)
        #expect(journal.mintedValue != nil)
        #expect(leakReviewFound(secrets, in: journal) == [])
        #expect(leakReviewFound(secrets, in: History.entries(state: fixture.state, sealer: fixture.sealer)) == [])
        let encoded = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!secrets.contains { encoded.contains($0) }, "RunReport JSON: \(encoded)")
    }

    @Test("Preflight (what validate and --dry-run learn) prints no password or token")
    func preflightDump() throws {
        let fixture = try EngineFixture()
        let preflight = try Preflight.inspect(fixture.playbook, file: ConsumerFile(path: fixture.playbook.target.file), vault: Vault(state: fixture.state, sealer: fixture.sealer))
        #expect(leakReviewFound([fixture.password, fixture.oldToken, "DEPLOY_USER=ops"], in: preflight) == [])
    }

    @Test("an env value of eight characters or fewer is never shown whole as its 'last eight'")
    func shortValueTail() throws {
        // A short value is not a Gitea token (40 hex), but it is what the file holds: a password
        // pasted in by mistake, a half-pasted token. "…" plus the last eight of it is all of it.
        let fixture = try EngineFixture()
        let short = "hunter2!"
        _ = try fixture.directory.write("all-credentials.env", "# c\nGITEA_TOKEN=\(short)\nDEPLOY_USER=ops\n")
        let preflight = try Preflight.inspect(fixture.playbook, file: ConsumerFile(path: fixture.playbook.target.file), vault: Vault(state: fixture.state, sealer: fixture.sealer))
        #expect(!StepText.detail(preflight.detail).contains(short), "validate's line: \(StepText.detail(preflight.detail))")
        #expect(preflight.previousLastEight != short, "previousLastEight goes to --json, history and rollback lines")
    }

    @Test("HTTPExchange and HTTPAnswer do not print the Authorization header or a minted token value")
    func exchangeRendering() async throws {
        let body = #"{"id":9,"name":"n","sha1":"\#(Self.token)","token_last_eight":"\#(Self.token.suffix(8))","scopes":["read:user"]}"#
        let transport = LeakReviewTransport([HTTPAnswer(status: 201, body: Array(body.utf8)), HTTPAnswer(status: 200, body: Array(#"{"login":"ops"}"#.utf8))])
        let client = GiteaClient(baseURL: "http://gitea.test", transport: transport, retry: .once)
        let credential = BasicCredential(username: "ops", password: SecretBytes(utf8: Self.password))
        _ = try await client.mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: credential)
        _ = try await client.login(of: SecretBytes(utf8: Self.token))
        let basic = Data("ops:\(Self.password)".utf8).base64EncodedString()
        #expect(transport.exchanges.count == 2)
        // One debug print of the seam (a `logger.trace("\(exchange)")`, a test failure message) would
        // show the Basic credential and the token; the types carry them with no redaction.
        for exchange in transport.exchanges {
            #expect(leakReviewFound([basic, Self.token], in: exchange) == [], "HTTPExchange \(exchange.method) \(exchange.url) prints its secrets")
        }
        for answer in transport.answers {
            #expect(leakReviewFound([Self.token], in: answer) == [], "HTTPAnswer \(answer.status) prints the minted token")
        }
    }

    @Test("errors raised on real paths with secrets in play: one line, no secret, also when dumped")
    func errorsFromRealPaths() async throws {
        let fixture = try EngineFixture()
        var errors: [any Error] = []
        func capture(_ body: () throws -> Void) { do { try body() } catch { errors.append(error) } }

        // A tampered vault entry.
        let vaultPath = fixture.state.vaultPath(name: "ops-automation")
        var blob = try fixture.directory.bytes("state/vault/ops-automation.sealed")
        blob[blob.count - 3] ^= 0x55
        try Data(blob).write(to: URL(fileURLWithPath: vaultPath))
        capture { _ = try Vault(state: fixture.state, sealer: fixture.sealer).load("ops-automation") }
        // Opened under another key, and a vault record that does not decode.
        capture { _ = try Sealer(key: MasterKey.generate()).open(blob, kind: .vaultEntry, context: "vault|ops-automation", source: vaultPath) }
        // A TOTP seed that is not base32, holding a secret-looking value.
        capture { _ = try TOTP.decodeBase32(SecretBytes(utf8: "otpauth-\(Self.password)"), entry: "ops") }
        // Env files whose key line rekey refuses, with secret values on those lines.
        for text in ["GITEA_TOKEN=\"tok$\(Self.token)\"\n", "GITEA_TOKEN=\(Self.token) \(Self.password)\n",
                     "GITEA_TOKEN='\(Self.token)\nX=1\n", "GITEA_TOKEN=\(Self.token)\nexport GITEA_TOKEN=\(Self.password)\n"] {
            let document = EnvDocument(contents: SecretBytes(utf8: text), path: "/etc/app.env")
            capture { _ = try document.value(of: "GITEA_TOKEN") }
        }
        let quoted = EnvDocument(contents: SecretBytes(utf8: "GITEA_TOKEN='old'\n"), path: "/etc/app.env")
        capture { _ = try quoted.replacing(key: "GITEA_TOKEN", value: SecretBytes(utf8: "it's-\(Self.password)"), comment: "# c") }
        // A recovery private key file one digit short, and a 31-byte master key file.
        let keyPath = try fixture.directory.write("recovery.key", "rekey-recovery-private-v1:" + String(Self.token.prefix(40)) + String(repeating: "7", count: 23) + "\n")
        capture { _ = try RecoveryPrivateKey.load(from: keyPath) }
        let masterPath = try fixture.directory.write("master.key", String(Self.password.prefix(31)))
        capture { _ = try MasterKey.load(from: masterPath) }
        // Gitea refusing a mint and a probe, through the real client.
        let transport = LeakReviewTransport([
            HTTPAnswer(status: 401, body: Array(#"{"message":"invalid username, password or token"}"#.utf8)),
            HTTPAnswer(status: 401, body: Array(#"{"message":"invalid username, password or token"}"#.utf8)),
            HTTPAnswer(status: 201, body: Array(#"{"id":1,"name":"n","sha1":"NOT-HEX-\#(Self.token)","token_last_eight":"x","scopes":[]}"#.utf8)),
        ])
        let client = GiteaClient(baseURL: "http://gitea.test", transport: transport, retry: .once)
        let credential = BasicCredential(username: "ops", password: SecretBytes(utf8: Self.password))
        do { _ = try await client.mintToken(persona: "ops", name: "n", scopes: [], auth: credential) } catch { errors.append(error) }
        do { _ = try await client.login(of: SecretBytes(utf8: Self.token)) } catch { errors.append(ProbeFailure(reason: ProbeStep.explain(ProviderError(error)))) }
        do { _ = try await client.mintToken(persona: "ops", name: "n", scopes: [], auth: credential) } catch { errors.append(error) }

        #expect(errors.count == 13, "every path above should have failed: \(errors)")
        for error in errors {
            let description = (error as? any RekeyError)?.description ?? "not a RekeyError: \(type(of: error))"
            #expect(error is any RekeyError, "\(type(of: error)) is not a RekeyError")
            #expect(!description.isEmpty && !description.contains("\n"), "not one line: \(description)")
            #expect(leakReviewFound([Self.password, Self.token, String(Self.token.prefix(40))], in: error) == [], "\(type(of: error)): \(description)")
        }
    }

    @Test("every public error type, built with realistic values: one line naming what to do, no secret", arguments: Self.realisticErrors)
    func errorCatalogue(error: any RekeyError) {
        let text = error.description
        #expect(!text.isEmpty && !text.contains("\n"), "\(type(of: error)): \(text)")
        #expect(text.contains(";") || text.contains(":"), "\(type(of: error)) says no next step: \(text)")
        #expect(leakReviewFound([Self.password, Self.token], in: error) == [])
    }

    static var realisticErrors: [any RekeyError] {
        let fileError = FileError(path: "/etc/app/credentials.env", operation: .rename, errno: EACCES)
        return [
            fileError,
            EnvFileUnreadable(path: "/etc/app/credentials.env", reason: "Permission denied"),
            EnvFileChanged(path: "/etc/app/credentials.env"),
            EnvFileError.keyMissing(key: "GITEA_TOKEN", path: "/etc/app/credentials.env"),
            EnvFileError.keyDuplicated(key: "GITEA_TOKEN", path: "/etc/app/credentials.env", lines: [3, 9]),
            EnvFileError.lineNotEditable(key: "GITEA_TOKEN", path: "/etc/app/credentials.env", line: 3, problem: .shellSyntaxInValue),
            EnvFileError.valueNotRepresentable(key: "GITEA_TOKEN", path: "/etc/app/credentials.env", style: .single),
            RestoreFailed(path: "/etc/app/credentials.env", backup: "/var/lib/rekey/backups/h/credentials.env.bak.1.sealed", reason: fileError.description),
            ProbeFailure(reason: "gitea refused the new token (401 from GET /api/v1/user)"),
            TokenStillInUse(path: "/etc/app/credentials.env", token: "token 12 (…\(Self.token.suffix(8)))"),
            GiteaError(call: "POST /api/v1/users/ops/tokens", server: "https://gitea.example.org", failure: .status(401, message: "invalid username, password or token")),
            GiteaError(call: "GET /api/v1/user", server: "https://gitea.example.org", failure: .transport("timed out (no answer in time)", mayHaveReachedServer: true)),
            GiteaError(call: "POST /api/v1/users/ops/tokens", server: "https://gitea.example.org", failure: .malformed("the body is not the documented JSON")),
            VaultError(name: "ops", reason: .missing),
            VaultError(name: "ops", reason: .malformed),
            VaultError(name: "ops", reason: .unreadable(FileError(path: "/var/lib/rekey/vault/ops.sealed", operation: .open, errno: EACCES))),
            TOTP.InvalidSeed(entry: "ops"),
            SealError(source: "/var/lib/rekey/vault/ops.sealed", reason: .authenticationFailed),
            SealError(source: "/var/lib/rekey/vault/ops.sealed", reason: .wrongKey(loaded: [1, 2, 3, 4, 5, 6, 7, 8], sealedWith: [8, 7, 6, 5, 4, 3, 2, 1])),
            MasterKeyError(path: "/etc/rekey/master.key", reason: .unsafeMode(0o644)),
            MasterKeyError(path: "/etc/rekey/master.key", reason: .wrongLength(31)),
            EscrowError(source: "/backups/x.escrow", reason: .wrongKey(given: [1, 2, 3, 4, 5, 6, 7, 8], sealedTo: [8, 7, 6, 5, 4, 3, 2, 1])),
            RecoveryKeyError(path: "/root/recovery.key", reason: .malformed(expected: "private")),
            JournalError(path: "/var/lib/rekey/runs/r.journal", operation: .system("fsync", EIO)),
            JournalError(path: "/var/lib/rekey/runs/r.journal", operation: .newerFormat(9)),
            UnfinishedRun(consumer: "web-1", run: "20260101T000000Z-abcdef"),
            ConsumerBusyError(consumer: "web-1"),
            SafeNameError(what: "consumer", name: "../etc"),
            KeyRotationError(path: "/var/lib/rekey", reason: .stateBusy),
            StateDirectoryError(path: "/var/lib/rekey", reason: .unsafeMode(0o755)),
            Rollback.Refused(reason: "web-1 has no successful rotation to roll back; see rekey history web-1", status: .usage),
            BackupArchive.Mismatch(path: "/var/lib/rekey/backups/web-1/a.env.bak.1.sealed", expected: "/etc/a.env for consumer web-1"),
            PlaybookError(file: "/etc/rekey/web-1.yml", line: 3, column: 5, problem: "unknown key \"urll\" in gitea", remedy: "allowed keys are url, persona, auth"),
            RecoveryKeyPair.PrivateKeyInStateDirectory(path: "/var/lib/rekey/r.key", state: "/var/lib/rekey"),
            EngineError.missingPrerequisite("vault credential", step: "validate"),
        ]
    }

    @Test("gitea.url holding a password: the playbook error never repeats the password",
          arguments: ["ssh://ops:Hunter2-Secret@gitea.example.org",
                      "https://ops:Hunter2 Secret@gitea.example.org",
                      "https://ops:Hunter2#Secret@gitea.example.org",
                      "https://ops:Hunter2-Secret@gitea.example.org:port/",
                      "https://ops:Hunter2-Secret@gitea.example.org/api/v1"])
    func urlWithPassword(url: String) {
        let yaml = """
        version: 1
        consumer: web-1
        gitea:
          url: "\(url)"
          persona: ops
        token:
          name: "ops-{run}"
          scopes: [read:user]
        target:
          file: /etc/app.env
          key: GITEA_TOKEN
          comment: "# {token_name}"
        probe:
          login: ops
        """
        #expect(throws: PlaybookError.self) { try Playbook.parse(yaml: yaml, path: "/etc/rekey/web-1.yml", environment: [:]) }
        do {
            _ = try Playbook.parse(yaml: yaml, path: "/etc/rekey/web-1.yml", environment: [:])
        } catch {
            #expect(!error.description.contains("Hunter2"), "the password is printed: \(error.description)")
            #expect(error.description.hasPrefix("/etc/rekey/web-1.yml:4:"))
        }
    }

    @Test("a rate-limited (429) or redirected (301/302) Gitea is not reported as an invalid playbook (78)", arguments: [429, 301, 302])
    func transientStatusExitCode(status: Int) {
        let error = GiteaError(call: "POST /api/v1/users/ops/tokens", server: "http://gitea.example.org",
                               failure: .status(status, message: ""))
        // README: 78 is "invalid playbook or input". A 429 is the server asking to come back later
        // (69), and a redirect means gitea.url names the wrong scheme or host, which the message
        // must say; "see the server's logs" sends the operator the wrong way.
        #expect(error.exitStatus != RekeyCore.ExitStatus.config || error.description.contains("gitea.url"), "exit \(error.exitStatus.rawValue): \(error.description)")
    }
}

