import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recover",
            abstract: "Finish or undo every run that died (or ended needing attention).",
            discussion: """
            For each unfinished run: if the env file holds the run's new token and it probes fine, the run is \
            finished; otherwise the original bytes are restored from the sealed backup and the run's token is \
            deleted (found by name if its mint answer was lost). Safe to run any number of times; exit 0 when \
            nothing is left unfinished, 69 when the server could not be asked (run it again later).
            """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerOptions
        @Flag(name: .customLong("no-wait"), help: "Do not wait for a dead run's mint request to pass its deadline; leave such a run unfinished (exit 75).")
        var noWait = false
        @Option(help: "Only this consumer.") var consumer: String?
        @Flag(help: "Print one JSON array of outcomes.") var json = false

        func run() async throws {
            try await reportingErrors {
                let sealer = Sealer(key: try global.loadKey())
                let transport = try server.transport()
                let recovery = Recovery(state: global.state, sealer: sealer, logger: global.logger(), waitForMints: !noWait) { [server, global] url in
                    server.journaledClient(url: url, transport: transport, state: global.state)
                }
                let outcomes = await recovery.recoverAll(consumer: consumer)
                StatusBook(state: global.state, sealer: sealer).record(outcomes)
                await transport.shutdown()
                if json {
                    printJSON(outcomes.map(RecoveryPrinter.JSON.init))
                } else if outcomes.isEmpty {
                    say("nothing to recover\(consumer.map { " for \($0)" } ?? ""): no unfinished runs")
                } else {
                    for outcome in outcomes {
                        say("\(outcome.settled ? "✓" : "✗") \(outcome.consumer) run \(outcome.run): \(outcome.state)")
                        for action in outcome.actions { say("    " + RecoveryPrinter.line(action)) }
                    }
                }
                if let worst = outcomes.map(\.exitCode).max(), worst != 0 { throw ExitCode(worst) }
            }
        }
    }
}
