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
            Prints its base URL (http://127.0.0.1:PORT) as the first line on stdout. Fault rules are \
            posted as JSON to /_standin/faults and cleared with DELETE /_standin/faults.
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

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
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
        let server = GiteaStandIn(users: try users(), tokenSelfEndpoints: tokenEndpoints, logRequests: true)
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
