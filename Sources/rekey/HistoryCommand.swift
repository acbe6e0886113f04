import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct HistoryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "List runs, newest first, from their sealed journals (needs the master key).",
            discussion: """
            One line per run (run id, UTC start, consumer, outcome, token name and last eight), then indented: \
            the backup the run took and what `rekey rollback` of it would restore. Outcomes: done, rolled-back, \
            failed, unfinished (no end record: run rekey recover), unreadable. Torn or unreadable journals are \
            shown as such and do not change the exit code.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Only this consumer's runs.") var consumer: String?
        @Flag(help: "Print one JSON array instead of lines.") var json = false
        @Option(help: "Show at most this many runs, newest first (0: all).") var limit = History.defaultLimit
        @Option(help: "Only runs older than this run id (the last one of the previous page).") var before: String?

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") }
        }

        func run() async throws {
            try await reportingErrors {
                if let consumer { try SafeName.validate(consumer, what: "consumer") }
                let sealer = Sealer(key: try global.loadKey())
                let entries = History.entries(state: global.state, sealer: sealer, consumer: consumer,
                                              limit: limit == 0 ? nil : limit, before: before)
                if json {
                    printJSON(entries)
                    return
                }
                if entries.isEmpty {
                    say("no runs" + (consumer.map { " of consumer \($0)" } ?? "") + " in \(global.state.runsDirectory)")
                }
                for entry in entries { HistoryPrinter.print(entry) }
                if limit > 0, entries.count == limit, let last = entries.last {
                    say("(the newest \(limit) runs; older ones: rekey history\(consumer.map { " " + $0 } ?? "") --before \(last.run))")
                }
            }
        }
    }
}

/// The human form of `rekey history`: one line per run, details indented below it.
enum HistoryPrinter {
    static func print(_ entry: HistoryEntry) {
        var line = "\(entry.run)  \(entry.time)  \(entry.consumer ?? "?")  \(entry.outcome.rawValue)"
        if entry.operation == .rollback {
            line += "  rollback" + (entry.rollbackOf.map { " of run \($0)" } ?? "")
        }
        if let token = entry.token {
            line += "  token \(token.name) (\(token.lastEight.map { "…" + $0 } ?? "value never received"))"
            if token.deleted { line += ", deleted" }
        }
        if let code = entry.exitCode, code != 0 { line += "  exit \(code)" }
        if entry.folded == true { line += "  (journal folded into the summary)" }
        say(line)
        if let backup = entry.backup {
            switch entry.backupStatus {
            case "missing": say("    backup: \(backup) (no longer there: pruned by retention or removed)")
            case "replaced": say("    backup: \(backup) (now holds a later run's backup; this run's is gone)")
            default: say("    backup: \(backup)")
            }
        }
        if let restore = entry.rollbackRestores {
            let token = restore.lastEight.map { "the token …\($0)" } ?? "the file as it was"
            say("    rollback would restore: \((restore.backup as NSString).lastPathComponent) (\(token))")
        }
        if let by = entry.rolledBackBy { say("    rolled back by run \(by)") }
        if entry.outcome == .unfinished, let consumer = entry.consumer {
            say("    unfinished: run rekey recover --consumer \(consumer)")
        }
        if let problem = entry.problem { say("    \(problem)") }
    }
}
