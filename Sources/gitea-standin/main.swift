import ArgumentParser
import Foundation
import GiteaStandIn

/// `gitea-standin`: runs the stand-in Gitea server on 127.0.0.1 for the demo and for trying
/// things by hand. The first line on stdout is the base URL; scripts read it.
struct GiteaStandInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gitea-standin",
        abstract: "Serve a stand-in Gitea token API on 127.0.0.1 until SIGTERM or SIGINT.",
        discussion: """
            Prints its base URL (http://127.0.0.1:PORT, or https:// with --tls-cert) as the first line \
            on stdout. Controls, for loopback clients only: fault rules are posted as JSON to \
            /_standin/faults and cleared with DELETE /_standin/faults; POST /_standin/users/NAME with \
            {"active": false} (or "prohibit_login", "must_change_password") changes an account; \
            GET /_standin/otp-log lists one-time code checks (user, step, outcome). stderr logs each \
            request's method and path and each code check, never a query, header, code or token.
            """
    )

    @Option(name: .customLong("user"), help: "An account, as NAME:PASSWORD[:BASE32SEED]. Repeatable.")
    var userSpecs: [String] = []

    @Option(name: .customLong("admin"), help: "A site admin account, as NAME:PASSWORD[:BASE32SEED]. Repeatable.")
    var adminSpecs: [String] = []

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Flag(name: .customLong("token-endpoints"), help: "Answer GET /token and DELETE /token like newer servers.")
    var tokenEndpoints = false

    @Flag(
        name: .customLong("no-token-timestamps"),
        help: "Model a server before 1.24: listed tokens carry no created_at or last_used_at.")
    var noTokenTimestamps = false

    @Flag(
        name: .customLong("allow-otp-replay"),
        help: "Model Gitea before the 2026 TOTP replay fix: accept the one-time code accepted last again.")
    var allowOTPReplay = false

    @Option(name: .customLong("gitea-version"), help: "What /version reports (default: the version the flags model).")
    var giteaVersion: String?

    @Option(name: .customLong("tls-cert"), help: "Serve https with this PEM certificate (chain); needs --tls-key.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both, or neither for plain http")
        }
        _ = try users()
    }

    /// Parses the accounts; errors name the user, never the password or seed.
    func users() throws -> [StandInUser] {
        do {
            return try userSpecs.map { try StandInUser(parsing: $0) }
                + adminSpecs.map { try StandInUser(parsing: $0, isAdmin: true) }
        } catch let error as StandInUser.ParseError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let tls = tlsCertificate.flatMap { certificate in
            tlsKey.map { GiteaStandIn.TLSFiles(certificatePath: certificate, privateKeyPath: $0) }
        }
        let server = GiteaStandIn(
            users: try users(), tokenSelfEndpoints: tokenEndpoints, tokenTimestamps: !noTokenTimestamps,
            version: giteaVersion, tls: tls, singleUseOTP: !allowOTPReplay, logRequests: true)
        try await server.serveUntilSignalled(port: port) { baseURL in
            FileHandle.standardOutput.write(Data((baseURL + "\n").utf8))
        }
    }
}

// In a main.swift the synchronous `main()` and `run()` overloads win over the async ones and
// print help instead of running, so parse and call this type's own async `run()` directly.
do {
    let command = try GiteaStandInCommand.parse()
    try await command.run()
} catch {
    GiteaStandInCommand.exit(withError: error)
}
