import ArgumentParser
import RekeyCore

extension Rekey {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the state directory (0700) and a fresh 32-byte master key (0600). Never overwrites a key.",
            discussion: """
            With --recovery-key PUBLIC_KEY_FILE (made by rekey key recovery-keypair) the public key is also copied into \
            the state directory (recovery.pub, 0600) and every backup is then escrowed to it. The key file is checked \
            before anything is created. On a host that is already initialised, use rekey key set-recovery instead.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("recovery-key"), help: "A recovery public key file: escrow every backup to it.")
        var recoveryKey: String?

        func run() async throws {
            try await reportingErrors {
                let recovery = try recoveryKey.map { path throws in try RecoveryPublicKey.load(from: path) }
                let state = global.state
                try state.prepare()
                _ = try MasterKey.create(at: global.keyPath)
                say("created master key \(global.keyPath) (mode 0600) and state directory \(state.root) (mode 0700)")
                if let recovery {
                    try state.installRecoveryKey(recovery)
                    say("installed recovery key \(recovery.keyIDHex) as \(state.recoveryKeyPath): every backup is also escrowed to it")
                }
                say("keep a copy of the key somewhere safe: without it, backups and vault entries cannot be opened")
            }
        }
    }
}
