import Foundation
import GiteaStandIn
import RekeyCore

/// A real stand-in Gitea on 127.0.0.1 (port 0) and a throwaway host for the real `rekey` binary:
/// its own state dir, master key, vault entry, env file and playbook. Tests drive it through the
/// binary exactly as an operator would, and check what the operator would see.
public final class EndToEndHost: @unchecked Sendable {
    public let directory = TempDirectory("rekey-e2e")
    public let server: GiteaStandIn
    public let baseURL: String
    public let persona = "ops-automation"
    public let password: String
    public let adminPassword: String
    public let consumer = "e2e-host"
    public private(set) var oldToken = ""
    public var envPath: String { directory.file("all-credentials.env") }
    public var playbookPath: String { directory.file("playbook.yml") }
    public var statePath: String { directory.file("state") }
    public var keyPath: String { directory.file("etc/master.key") }
    /// Everything the binary printed in this test, for leak checks.
    public private(set) var transcripts: [ProcessResult] = []

    /// The persona's base32 TOTP seed when it has two-factor auth on (then `setUp` stores it with `--totp`).
    public let personaTOTPSeed: String?

    /// With `tls`, the stand-in serves https with this throwaway certificate (`baseURL` is then
    /// `https://127.0.0.1:PORT`); give rekey `certificate.certificatePath` as its CA file.
    public let certificate: SelfSignedCertificate?

    /// - Parameters:
    ///   - refusesOTPReplay: whether the stand-in refuses a one-time code sent twice in a row, as
    ///     current Gitea does. On by default since rekey never resends a code (issue 9 item 1);
    ///     off models Gitea before the 2026 replay fix.
    ///   - tokenSelfEndpoints: serve `GET`/`DELETE /api/v1/token`, as servers since mid-2026.
    ///   - tokenTimestamps: list `created_at`/`last_used_at`, as Gitea 1.24+; false models older.
    ///   - tls: serve https with a fresh self-signed certificate (`certificate`). `setUp` and
    ///     `mintDirectly` then need a `LiveHTTPTransport` that trusts it.
    public init(
        personaTOTPSeed: String? = nil, refusesOTPReplay: Bool = true, tokenSelfEndpoints: Bool = false,
        tokenTimestamps: Bool = true, tls: Bool = false, serverClock: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        password = "pw-" + UUID().uuidString
        adminPassword = "admin-" + UUID().uuidString
        self.personaTOTPSeed = personaTOTPSeed
        let certificate = tls ? try SelfSignedCertificate() : nil
        self.certificate = certificate
        sharedTransport = try LiveHTTPTransport(caFile: certificate?.certificatePath)
        server = GiteaStandIn(users: [
            StandInUser(name: "ops-automation", password: password, totpSeedBase32: personaTOTPSeed),
            StandInUser(name: "someone-else", password: "other-" + UUID().uuidString),
            StandInUser(name: "site-admin", password: adminPassword, isAdmin: true),
        ], tokenSelfEndpoints: tokenSelfEndpoints, tokenTimestamps: tokenTimestamps,
           tls: certificate.map { .init(certificatePath: $0.certificatePath, privateKeyPath: $0.keyPath) },
           singleUseOTP: refusesOTPReplay, now: serverClock)
        baseURL = try await server.start(port: 0)
    }

    public func shutdown() async {
        await sharedTransport.shutdown()
        await server.stop()
    }

    /// Runs `body` with a fresh host and always shuts the server and client down afterwards.
    public static func with<T>(
        personaTOTPSeed: String? = nil, refusesOTPReplay: Bool = true, tokenSelfEndpoints: Bool = false,
        tokenTimestamps: Bool = true, tls: Bool = false, serverClock: @escaping @Sendable () -> Date = { Date() },
        _ body: (EndToEndHost) async throws -> T
    ) async throws -> T {
        let host = try await EndToEndHost(
            personaTOTPSeed: personaTOTPSeed, refusesOTPReplay: refusesOTPReplay,
            tokenSelfEndpoints: tokenSelfEndpoints, tokenTimestamps: tokenTimestamps, tls: tls, serverClock: serverClock)
        do {
            let result = try await body(host)
            await host.shutdown()
            return result
        } catch {
            await host.shutdown()
            throw error
        }
    }

    public var environment: [String: String] {
        ["REKEY_STATE_DIR": statePath, "REKEY_KEY_FILE": keyPath, "GITEA_URL": baseURL, "HOME": directory.path]
    }

    /// Runs the real `rekey` binary.
    @discardableResult
    public func rekey(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:]) async throws -> ProcessResult {
        let result = try await ProcessRunner.run(ProcessRunner.rekey, arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
        transcripts.append(result)
        return result
    }

    /// Runs the test-only `toy-rekey` binary (rekey with a toy step registered) on this host.
    @discardableResult
    public func toyRekey(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessResult {
        let result = try await ProcessRunner.run(ProcessRunner.toyRekey, arguments, environment: environment.merging(extra) { $1 })
        transcripts.append(result)
        return result
    }

    /// `rekey init` plus a vault entry for the persona, and a real "old" token in an operator-style env file.
    public func setUp(vaultPassword: String? = nil, envTemplate: String? = nil) async throws {
        let initResult = try await rekey(["init"])
        guard initResult.status == 0 else { throw SetUpFailed(step: "init", result: initResult) }
        let totp = personaTOTPSeed.map { (["--totp"], $0 + "\n") } ?? ([], "")
        let vault = try await rekey(["vault", "set", persona, "--username", persona] + totp.0, stdin: (vaultPassword ?? password) + "\n" + totp.1)
        guard vault.status == 0 else { throw SetUpFailed(step: "vault set", result: vault) }
        oldToken = try await mintDirectly(name: "initial-\(UUID().uuidString.prefix(8))")
        let text = (envTemplate ?? Self.envTemplate).replacingOccurrences(of: "{old}", with: oldToken)
        try directory.write("all-credentials.env", text, mode: 0o640)
        try writePlaybook()
    }

    public static let envTemplate = """
    # ops credentials, sourced by cron
    GITEA_URL=https://gitea.example.org
    # ops-automation PAT initial
    GITEA_TOKEN={old}
    DEPLOY_USER=ops
    export BACKUP_BUCKET="s3://ops-backups"

    """

    /// Writes playbook.yml; `target` replaces the env file's path (default `envPath`).
    public func writePlaybook(extra: String = "", scopes: String = "[write:repository, read:organization, read:user]", target: String? = nil) throws {
        try directory.write("playbook.yml", PlaybookText.make(
            consumer: consumer, persona: persona, tokenName: "\(persona)-{run}", scopes: scopes, file: target ?? envPath,
            comment: "# ops-automation PAT {token_name} (…{last8}) rotated {utc} by rekey run {run}", extra: extra))
    }

    /// The real client, sharing the binary's one-time-code ledger in the host's state directory, so
    /// the test's own calls never replay a code the binary sent (or the other way round).
    public var client: GiteaClient {
        GiteaClient(baseURL: baseURL, transport: sharedTransport, otpSteps: FileOTPSteps(state: StateDirectory(root: statePath)))
    }
    /// Trusts the host's certificate when it serves https.
    private let sharedTransport: LiveHTTPTransport

    public var credential: BasicCredential {
        BasicCredential(username: persona, password: SecretBytes(utf8: password), totpSeed: personaTOTPSeed.map { SecretBytes(utf8: $0) })
    }

    /// Mints a token through the real client, as an earlier rotation (or a person) would have.
    public func mintDirectly(name: String) async throws -> String {
        let token = try await client.mintToken(persona: persona, name: name, scopes: ["write:repository", "read:user"], auth: credential)
        return token.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    public func serverTokens() async -> [StandInToken] { await server.tokens(of: persona) }

    public var envBytes: [UInt8] { (try? directory.bytes("all-credentials.env")) ?? [] }
    public var envText: String { String(decoding: envBytes, as: UTF8.self) }

    /// The value of `GITEA_TOKEN` in the env file now.
    public var currentToken: String {
        envText.split(separator: "\n").first { $0.hasPrefix("GITEA_TOKEN=") }.map { String($0.dropFirst("GITEA_TOKEN=".count)) } ?? ""
    }

    /// Every byte under the state dir and everything the binary printed, searched for `secrets`.
    /// Returns the places where one was found (empty when nothing leaked).
    public func leaks(of secrets: [String]) throws -> [String] {
        var found: [String] = []
        for file in try directory.allFiles() where file.path.hasPrefix(statePath) || file.path.hasPrefix(directory.file("etc")) {
            let text = String(decoding: file.bytes, as: UTF8.self)
            for secret in secrets where !secret.isEmpty && text.contains(secret) { found.append(file.path) }
        }
        for (index, result) in transcripts.enumerated() {
            for secret in secrets where !secret.isEmpty {
                if result.stdout.contains(secret) { found.append("stdout of run \(index) (\(result.arguments.joined(separator: " ")))") }
                if result.stderr.contains(secret) { found.append("stderr of run \(index) (\(result.arguments.joined(separator: " ")))") }
                if result.arguments.contains(where: { $0.contains(secret) }) { found.append("argv of run \(index)") }
            }
        }
        return found
    }

    public func addFault(_ rule: FaultRule) async { await server.addFault(rule) }
}

public struct SetUpFailed: Error, CustomStringConvertible {
    public var step: String
    public var result: ProcessResult
    public var description: String { "\(step) failed with \(result.status): \(result.stderr)" }
}
