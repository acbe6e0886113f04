import ArgumentParser
import RekeyCore

extension Rekey {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the state directory (0700) and a fresh 32-byte master key (0600). Never overwrites a key."
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let state = global.state
                try state.prepare()
                _ = try MasterKey.create(at: global.keyPath)
                say("created master key \(global.keyPath) (mode 0600) and state directory \(state.root) (mode 0700)")
                say("keep a copy of the key somewhere safe: without it, backups and vault entries cannot be opened")
            }
        }
    }
}
