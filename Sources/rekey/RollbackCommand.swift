import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct RollbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Restore a consumer's env file from a sealed backup and delete the token the undone run minted.",
            discussion: """
            Default: undo the newest successful rotation, restoring the backup it took. Refuses, unless --force, \
            when the file changed since that run wrote it, or when the backed-up token no longer authenticates. \
            Idempotent: undoing an already undone run changes nothing.
            """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerOptions
        @Argument(help: "The consumer, as its playbook names it.") var consumer: String
        @Option(help: "Restore the backup taken at this epoch (see rekey backup list).") var to: Int?
        @Option(help: "Undo this run (see rekey history) instead of the newest successful one.") var run: String?
        @Flag(help: "Keep the undone run's token valid on the server.") var keepToken = false
        @Flag(help: "Restore even if the file was edited since, or the backed-up token no longer authenticates.") var force = false
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            if to != nil && run != nil { throw ValidationError("--to and --run name different things; give one of them") }
        }

        func run() async throws {
            try await reportingErrors {
                let sealer = Sealer(key: try global.loadKey())
                let transport = try server.transport()
                let rollback = RekeyCore.Rollback(state: global.state, sealer: sealer, logger: global.logger()) { [server, global] url in
                    server.journaledClient(url: url, transport: transport, state: global.state)
                }
                let request = RekeyCore.Rollback.Request(consumer: consumer, toEpoch: to, run: run, keepToken: keepToken, force: force)
                let result = await Result { () async throws -> RekeyCore.Rollback.Report in try await rollback.run(request) }
                await transport.shutdown()
                let report = try result.get()
                if json {
                    printJSON(RollbackPrinter.JSON(report: report))
                } else {
                    for line in RollbackPrinter.lines(report) { say(line) }
                    if !report.alreadyDone {
                        say("rolled back \(consumer): run \(report.rolledBackRun) undone by run \(report.rollbackRun ?? "?"); \(report.file) holds the bytes of \(report.backup)")
                    }
                }
            }
        }
    }
}

extension Result where Failure == any Error {
    /// Captures an async throwing call, so cleanup can run before the error is rethrown.
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
