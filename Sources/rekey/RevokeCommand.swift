import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct RevokeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke old tokens: settle pending revocations, or revoke one token by id when no known consumer holds it.",
            discussion: """
            --pending: decide again about every pending revocation (the revoke-previous step's) and revoke what the gate \
            now allows; --confirm TOKEN_ID also revokes that one without usage data or after an unknown use. \
            TOKEN_ID --persona P --url URL: revoke that token now; refused (exit 77) while a known consumer holds it, \
            unless --force.
            """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerOptions
        @Argument(help: "The token id to revoke (see rekey consumers, rekey audit).") var tokenID: Int?
        @Flag(help: "Settle the pending revocations.") var pending = false
        @Option(help: "With --pending: revoke this pending token even without usage data.") var confirm: Int?
        @Option(help: "The persona that owns TOKEN_ID.") var persona: String?
        @Option(help: "The gitea server.") var url: String?
        @Option(help: "Vault entry for Basic auth (default: the persona).") var auth: String?
        @Flag(help: "Revoke even while a known consumer holds the token.") var force = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if pending {
                guard tokenID == nil, persona == nil, url == nil, !force else {
                    throw ValidationError("--pending takes only --confirm and --json")
                }
            } else {
                guard tokenID != nil, persona != nil, url != nil else {
                    throw ValidationError("give --pending, or TOKEN_ID with --persona and --url")
                }
                guard confirm == nil else { throw ValidationError("--confirm goes with --pending") }
            }
        }

        func run() async throws {
            try await reportingErrors {
                let sealer = Sealer(key: try global.loadKey())
                let state = global.state
                let transport = try server.transport()
                // One transport per CA file a pending record names (--ca-file overrides them all).
                var transports: [String: LiveHTTPTransport] = [:]
                let result = await Result { () async throws -> [SettledRevocation] in
                    if pending {
                        return try await PendingRevocations(state: state, sealer: sealer, now: CommandClock.now).settle(confirm: confirm) { record in
                            var recordTransport = transport
                            if server.caFile == nil, let caFile = record.caFile {
                                recordTransport = try transports[caFile] ?? LiveHTTPTransport(caFile: caFile)
                                transports[caFile] = recordTransport
                            }
                            try GiteaServerPolicy.check(record.server, insecureHTTP: server.insecureHTTP || record.insecureHTTP,
                                                        field: "the recorded server", optOut: "--insecure-http")
                            return GiteaProvider(api: GiteaClient(baseURL: record.server, transport: recordTransport,
                                                                  requestTimeout: .seconds(server.timeout), otpSteps: FileOTPSteps(state: state)),
                                                 persona: record.persona)
                        }
                    }
                    let client = try server.client(url: url!, transport: transport, state: state, field: "--url")
                    let request = TokenRevocation.Request(tokenID: tokenID!, persona: persona!, server: url!, vaultEntry: auth ?? persona!, force: force)
                    return [try await TokenRevocation(state: state, sealer: sealer).run(request, gitea: client)]
                }
                await transport.shutdown()
                for extra in transports.values { await extra.shutdown() }
                let settled = try result.get()
                if json { printJSON(settled.map { SettledRevocation(record: $0.record.printable, problem: $0.problem) }) } else {
                    if settled.isEmpty { say("no pending revocations\(confirm.map { " of token \($0)" } ?? "")") }
                    settled.forEach { say($0.line) }
                }
                if let confirm, !settled.contains(where: { $0.record.tokenID == confirm }) {
                    throw RevocationNotFound(tokenID: confirm)
                }
            }
        }
    }
}
