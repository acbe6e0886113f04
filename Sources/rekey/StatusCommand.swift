import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "One line per consumer: last verified rotation, last outcome, next due, stuck or unfinished, drift.",
            discussion: """
            Exit 0 when every consumer is healthy; exit 1 when any is overdue by more than half its every, \
            failed last, is stuck, has an unfinished run, or its token was rejected at the last check. \
            Reads the per-consumer status records (O(consumers)); no request is made.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print one JSON array, one object per consumer.") var json = false
        @Option(help: "Also write the node_exporter textfile here (atomic: temp file and rename in the same directory).")
        var prometheus: String?

        func run() async throws {
            let summaries: [StatusSummary] = try await reportingErrors {
                // The key is needed only once, to build the records from the journals after an upgrade.
                let sealer = (try? global.loadKey()).map { Sealer(key: $0) }
                let book = StatusBook(state: global.state, sealer: sealer)
                let summaries = StatusSummary.all(book: book, now: Int(Date().timeIntervalSince1970))
                if let prometheus { try PrometheusText.write(book.all(), to: prometheus) }
                return summaries
            }
            if json {
                printJSON(summaries)
            } else if summaries.isEmpty {
                say("no consumers yet: rekey run a playbook first")
            } else {
                for summary in summaries { say(Self.line(summary)) }
            }
            if summaries.contains(where: { !$0.healthy }) { throw ExitCode(1) }
        }

        static func line(_ summary: StatusSummary) -> String {
            var parts = [(summary.healthy ? "✓ " : "✗ ") + summary.consumer]
            parts.append("last rotation \(summary.lastSuccess ?? "never")")
            parts.append("last outcome \(summary.lastOutcome?.rawValue ?? "none")" + (summary.lastExitCode.map { $0 == 0 ? "" : " (exit \($0))" } ?? ""))
            parts.append(summary.every == nil ? "due every run" : "next due \(summary.nextDue ?? "now") (every \(summary.every!))")
            if summary.stuck { parts.append("STUCK") }
            if let run = summary.unfinishedRun { parts.append("unfinished run \(run)") }
            if summary.drift { parts.append("drift: the file holds a token rekey did not write") }
            if summary.tokenValid == false { parts.append("token rejected") }
            if let warning = summary.warning { parts.append("warning: \(warning)") }
            var line = parts.joined(separator: " · ")
            if !summary.problems.isEmpty { line += "\n    " + summary.problems.joined(separator: "; ") }
            return line
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Drop a retired consumer's status record; its journals and backups are kept."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The consumer whose playbook was retired.") var consumer: String

        func run() async throws {
            try await underConsumerLock(global, consumer) {
                let dropped = try StatusBook(state: global.state, sealer: nil).forget(consumer)
                let sealer = Sealer(key: try global.loadKey())
                let heldNothing = try !InventoryStore(state: global.state, sealer: sealer).forget(record: consumer)
                say(dropped || !heldNothing
                    ? "forgot \(consumer): status record and inventory holdings removed; journals and backups kept"
                    : "nothing to forget: \(consumer) has no status record and no holdings")
            }
        }
    }

    struct Unstick: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unstick",
            abstract: "Let unattended runs rotate a stuck consumer again (clears its failure count)."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The stuck consumer.") var consumer: String

        func run() async throws {
            try await underConsumerLock(global, consumer) {
                let book = StatusBook(state: global.state, sealer: nil)
                let before = book.load(consumer)
                var after = before
                after.stuck = false
                after.failuresInRow = 0
                try book.save(after)
                say(before.stuck ? "unstuck \(consumer) (it was stuck after \(before.failuresInRow) failed runs); the next unattended run considers it again"
                                 : "\(consumer) was not stuck; its failure count is reset")
            }
        }
    }
}

/// Runs `body` for a valid consumer name under its lock (75 when another rekey holds it), with
/// errors reported as every command reports them.
func underConsumerLock(_ global: GlobalOptions, _ consumer: String, _ body: () throws -> Void) async throws {
    try await reportingErrors {
        try SafeName.validate(consumer, what: "consumer")
        let lock = try ConsumerLock.acquire(global.state, consumer: consumer, wait: false)
        defer { lock.release() }
        try body()
    }
}
