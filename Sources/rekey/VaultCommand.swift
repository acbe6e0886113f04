import ArgumentParser
import RekeyCore

extension Rekey {
    struct VaultCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vault",
            abstract: "Manage the sealed credentials rekey mints tokens with.",
            subcommands: [
                Set.self,
                List.self,
                Remove.self,
                Test.self,
            ]
        )
    }
}

extension Rekey.VaultCommand {
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Store a Gitea username and password (and with --totp a TOTP seed), read from standard input, never argv.",
            discussion: """
            On a terminal the password (and the seed) are prompted for without echo; otherwise they are lines of \
            standard input: the password first, the base32 TOTP seed second. A seed that is not base32 is refused \
            (exit 78) and nothing is stored.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entry name, as a playbook's gitea.auth names it.") var name: String
        @Option(help: "The Gitea username the password belongs to.") var username: String
        @Flag(help: "Also read the user's base32 TOTP seed: every Basic-auth call then sends an X-Gitea-OTP code.") var totp = false

        func run() async throws {
            try await reportingErrors {
                try SafeName.validate(name, what: "vault entry")
                let vault = Vault(state: global.state, sealer: Sealer(key: try global.loadKey()))
                try global.state.prepare()
                let password = try SecretInput.readLine(prompt: "password for \(username): ", what: "password")
                var seed: SecretBytes?
                if totp {
                    let text = try SecretInput.readLine(prompt: "TOTP seed (base32) for \(username): ", what: "TOTP seed")
                    _ = try TOTP.decodeBase32(text, entry: name)
                    seed = text
                }
                try vault.store(VaultEntry(username: username, password: password, totpSeed: seed), name: name)
                say("stored vault entry \(name) (user \(username)\(seed == nil ? "" : ", with TOTP"))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List vault entries: names and usernames, never secrets.")

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

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Delete a vault entry (its sealed file is removed; the server is not touched).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entry name.") var name: String

        /// Removing an entry that is not there: exit 77, like every other missing vault entry.
        struct NotFound: RekeyError {
            var name: String
            var exitStatus: ExitStatus { .noPermission }
            var description: String { "no vault entry '\(name)' to remove; rekey vault list shows the entries there are" }
        }

        func run() async throws {
            try await reportingErrors {
                try remove(Vault(state: global.state, sealer: Sealer(key: try global.loadKey())))
                say("removed vault entry \(name)")
            }
        }

        /// Synchronous on purpose: a `catch … where` in an async function crashes Swift 6.3.1.
        private func remove(_ vault: Vault) throws {
            do {
                try vault.remove(name)
            } catch let error as VaultError where error.reason == .missing {
                throw NotFound(name: name)
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Check that a vault entry authenticates, with a read-only call; mints nothing.",
            discussion: """
            Calls GET /api/v1/users/{username}/tokens?limit=1 with the entry's Basic credential (and X-Gitea-OTP when \
            it has a TOTP seed). Prints "ok: NAME authenticates as USER", or the server's refusal with its exit code \
            (401/403 → 77, unreachable or 5xx → 69).
            """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Entry name.") var name: String
        @Option(help: "The Gitea server, e.g. https://gitea.example.org.") var url: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            try await reportingErrors {
                let entry = try Vault(state: global.state, sealer: Sealer(key: try global.loadKey())).load(name)
                let credential = entry
                let transport = try server.transport()
                let client: GiteaClient
                do {
                    client = try server.client(url: url, transport: transport, state: global.state, field: "--url")
                } catch {
                    await transport.shutdown()
                    throw error
                }
                let outcome = await Result.capturing { () async throws(GiteaError) in
                    try await client.checkCredential(persona: entry.username, auth: credential)
                }
                await transport.shutdown()
                try outcome.get()
                say("ok: \(name) authenticates as \(entry.username)\(entry.totpSeed == nil ? "" : " (with a TOTP code)")")
            }
        }
    }
}
