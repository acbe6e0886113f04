import ArgumentParser
import RekeyCore

extension Rekey {
    struct VaultCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vault",
            abstract: "Manage the sealed credentials rekey mints tokens with.",
            subcommands: [Set.self, List.self]
        )
    }
}

extension Rekey.VaultCommand {
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a Gitea username and password (read from standard input, never argv).",
            discussion: "On a terminal the password is prompted for without echo; otherwise it is the first line of standard input."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entry name, as a playbook's gitea.auth names it.") var name: String
        @Option(help: "The Gitea username the password belongs to.") var username: String

        func run() async throws {
            try await reportingErrors {
                let vault = Vault(state: global.state, sealer: Sealer(key: try global.loadKey()))
                try global.state.prepare()
                let password = try SecretInput.readLine(prompt: "password for \(username): ", what: "password")
                try vault.store(VaultEntry(username: username, password: password, totpSeed: nil), name: name)
                say("stored vault entry \(name) (user \(username))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List vault entries: names and usernames, never secrets.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let vault = Vault(state: global.state, sealer: Sealer(key: try global.loadKey()))
                let entries = try vault.list()
                if entries.isEmpty { say("no vault entries in \(global.state.root)") }
                for entry in entries { say("\(entry.name)\tuser \(entry.username)") }
            }
        }
    }
}
