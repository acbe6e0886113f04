import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a rotation playbook: backup, mint, rewrite, probe; roll back on failure."
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerOptions
        @Argument(help: "The playbook (YAML); with --unattended, any number of playbooks or directories of them.") var playbooks: [String]
        @Flag(help: "Validate everything and reach the server, print the plan, change nothing.") var dryRun = false
        @Flag(help: "Print one JSON object instead of step lines.") var json = false
        @OptionGroup(title: "Unattended mode (README, \"Unattended mode\")") var unattendedOptions: UnattendedFlags

        var playbook: String { playbooks[0] }

        func validate() throws {
            guard !playbooks.isEmpty else { throw ValidationError("give a playbook (with --unattended: playbooks or directories of them)") }
            guard unattendedOptions.unattended || playbooks.count == 1 else {
                throw ValidationError("give exactly one playbook (several playbooks or directories need --unattended)")
            }
            guard !(unattendedOptions.unattended && dryRun) else { throw ValidationError("--dry-run and --unattended do not go together") }
        }

        func run() async throws {
            if unattendedOptions.unattended { return try await runUnattended() }
            let printer = RunPrinter(json: json)
            let status: ExitStatus = await printer.guarding {
                PhaseTrace.mark("arguments")
                let book = try Playbook.load(path: playbook, environment: global.environment)
                PhaseTrace.mark("playbook")
                let sealer = Sealer(key: try global.loadKey())
                PhaseTrace.mark("key")
                let transport = try server.transport(playbookCAFile: book.gitea.caFile)
                do {
                    let gitea = try server.client(url: book.gitea.url, transport: transport, state: global.state,
                                                  field: "gitea.url in \(playbook)", playbookAllowsHTTP: book.gitea.insecureHTTP,
                                                  optOut: "gitea.insecure_http: true or --insecure-http")
                    let status: ExitStatus
                    if dryRun {
                        printer.plan(try await DryRun(playbook: book, state: global.state, sealer: sealer, gitea: gitea).plan())
                        status = .ok
                    } else {
                        let rotation = Rotation(playbook: book, state: global.state, sealer: sealer, gitea: gitea, logger: global.logger())
                        PhaseTrace.mark("client")
                        let report = try await rotation.run(onEvent: { event in
                            if case .stepFinished(let step) = event { PhaseTrace.mark(step.step) }
                            printer.event(event)
                        })
                        printer.finish(report)
                        status = ExitStatus(rawValue: report.exitCode) ?? .software
                    }
                    await transport.shutdown()
                    PhaseTrace.mark("client-shutdown")
                    return status
                } catch {
                    await transport.shutdown()
                    throw error
                }
            }
            PhaseTrace.end()
            if status != .ok { throw ExitCode(status.rawValue) }
        }
    }
}
