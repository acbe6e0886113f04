import ArgumentParser
import RekeyCore

extension Rekey {
    /// `rekey key …`: the master key's lifecycle and the optional recovery (escrow) key.
    struct KeyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key",
            abstract: "Manage rekey's keys: the master key and the recovery (escrow) key pair.",
            subcommands: [
                RecoveryKeypair.self,
                SetRecovery.self,
                Rotate.self,
            ]
        )
    }
}

extension Rekey.KeyCommand {
    struct RecoveryKeypair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recovery-keypair",
            abstract: "Make an X25519 recovery key pair for escrowed backups; the private half must leave this host.",
            discussion: """
            Both files are new (never overwritten): the private key with mode 0600, the public key 0644. Each is one \
            line, 'rekey-recovery-private-v1:' or 'rekey-recovery-public-v1:' and 64 hex digits. Writing the private \
            key into the state directory is refused.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("public-out"), help: "Where to write the public key (new file).") var publicOut: String
        @Option(name: .customLong("private-out"), help: "Where to write the private key (new file, mode 0600).") var privateOut: String

        func run() async throws {
            try await reportingErrors {
                let key = try RecoveryKeyPair.create(publicPath: publicOut, privatePath: privateOut, stateDirectory: global.state)
                say("wrote recovery public key \(publicOut) (key id \(key.keyIDHex)) and private key \(privateOut) (mode 0600)")
                say("move \(privateOut) off this host now (to an offline store) and delete it here: whoever holds it can open every escrowed backup")
                say("then turn escrow on here: rekey key set-recovery \(publicOut)   (on a new host: rekey init --recovery-key \(publicOut))")
            }
        }
    }

    struct SetRecovery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-recovery",
            abstract: "Install (or replace) the recovery public key, turning escrowed backups on.",
            discussion: """
            Copies the public key into the state directory (recovery.pub, mode 0600). From the next run on, every \
            backup is also sealed to it (<basename>.bak.<epoch>.escrow beside the .sealed one); earlier backups are \
            not escrowed retroactively. A private key file is refused: it must never be on this host.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The recovery public key file made by rekey key recovery-keypair.") var publicKeyFile: String

        func run() async throws {
            try await reportingErrors {
                let key = try RecoveryPublicKey.load(from: publicKeyFile)
                let state = global.state
                try state.prepare()
                let previous = try state.installRecoveryKey(key)
                say("installed recovery key \(key.keyIDHex) as \(state.recoveryKeyPath): every new backup is also escrowed to it")
                if let previous, previous != key {
                    say("it replaces recovery key \(previous.keyIDHex): escrowed backups made before now still need that key's private half")
                }
            }
        }
    }
}
