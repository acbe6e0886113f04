import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    /// Minimal `rekey forget`: drops what rekey knows of a consumer that is gone. (The `unattended`
    /// work extends it with the status record.)
    struct ForgetCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Forget a consumer: drop its holdings from the inventory. Backups and journals stay."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The consumer, as its playbook names it.") var consumer: String

        func run() async throws {
            try await reportingErrors {
                try SafeName.validate(consumer, what: "consumer")
                let sealer = Sealer(key: try global.loadKey())
                let dropped = try InventoryStore(state: global.state, sealer: sealer).forget(record: consumer)
                say(dropped ? "forgot \(consumer): its holdings are out of the inventory" : "no holdings were recorded for \(consumer)")
            }
        }
    }
}
