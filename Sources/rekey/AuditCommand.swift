import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct AuditCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "List every token of a persona with who holds it and what is wrong with it (needs the master key).",
            discussion: """
            Lists the persona's tokens (all pages) with the vault entry's Basic credential: id, name, scopes, last \
            eight, created_at and last_used_at where the server tells them (gitea 1.24+), and the known consumers \
            holding each (the --playbooks playbooks' files and keys, matched by the server id their run journals \
            recorded, else by last eight). Findings: scope all or write:admin; write:user; scopes wider than the \
            owning playbook requests; held by no known consumer (a revocation candidate); not used in --unused-days \
            days; older than the owning playbook's every; persona drift. Findings do not change the exit code; \
            audit deletes nothing.
            """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerOptions

        @Option(help: "The persona (gitea user) whose tokens are audited.")
        var persona: String

        @Option(help: "The Gitea server, e.g. https://gitea.example.org.")
        var url: String

        @Option(help: "The vault entry whose Basic credential lists the tokens (default: the persona; a site admin works).")
        var auth: String?

        @Option(help: "A directory of playbooks: their files and keys are the known consumers.")
        var playbooks: String?

        @Option(name: .customLong("unused-days"), help: "A token not used in this many days is a finding (default 90).")
        var unusedDays: Int = TokenAudit.defaultUnusedDays

        @Flag(help: "Print one JSON object instead of lines.")
        var json = false

        func validate() throws {
            guard (1...36_500).contains(unusedDays) else { throw ValidationError("--unused-days must be between 1 and 36500") }
        }

        func run() async throws {
            try await reportingErrors {
                try SafeName.validate(persona, what: "persona")
                if let auth { try SafeName.validate(auth, what: "vault entry") }
                let sealer = Sealer(key: try global.loadKey())
                let credential = try Vault(state: global.state, sealer: sealer).load(auth ?? persona)
                var loaded: (playbooks: [Playbook], problems: [ScanProblem]) = ([], [])
                if let playbooks { loaded = PlaybookSet.load([playbooks], environment: global.environment) }
                let history = loaded.playbooks.isEmpty ? [] : History.entries(state: global.state, sealer: sealer)
                let audit = TokenAudit(persona: persona, server: url, playbooks: loaded.playbooks,
                                       playbookHoldings: PlaybookHoldings(playbooks: loaded.playbooks, history: history),
                                       otherHoldings: [InventoryHoldings(try InventoryStore(state: global.state, sealer: sealer).all(), persona: persona)],
                                       unusedDays: unusedDays, now: CommandClock.now())
                let tokens = try await server.withClient(url: url, state: global.state) { client in
                    try await client.listTokens(persona: persona, auth: credential)
                }
                let report = audit.report(tokens, problems: loaded.problems)
                if json { printJSON(report) } else { AuditPrinter.print(report) }
            }
        }
    }
}
