import ArgumentParser
import Foundation
import RekeyCore

extension Rekey.BackupCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List sealed backups without opening them (no master key needed).",
            discussion: """
            One line per backup, newest first within each consumer: consumer, backup file name, epoch, UTC time, size in bytes, \
            and the run that took it (read from the blob's public header; '-' for backups that predate it). \
            A file whose header cannot be read is listed with the reason.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Only this consumer's backups.") var consumer: String?
        @Flag(help: "Print one JSON array instead of lines.") var json = false

        func run() async throws {
            try await reportingErrors {
                if let consumer { try SafeName.validate(consumer, what: "consumer") }
                let listing = try BackupListing.list(state: global.state, consumer: consumer)
                if json {
                    printJSON(listing)
                    return
                }
                if listing.isEmpty {
                    say("no backups" + (consumer.map { " of consumer \($0)" } ?? "") + " in \(global.state.backupsDirectory)")
                }
                for entry in listing {
                    var line = "\(entry.consumer)  \(entry.name)  \(entry.epoch)  \(entry.time)  \(entry.size) bytes  run \(entry.run ?? "-")"
                    if entry.escrowed { line += "  (escrowed)" }
                    say(line)
                    if let problem = entry.problem { say("    \(problem)") }
                }
            }
        }
    }
}
