import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct CheckCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Ask gitea who every token in env files authenticates as (the consumers' health table).",
            discussion: """
            Every variable whose value looks like a gitea token (40 lowercase hex characters), plus --key names, in \
            the files given and the regular files of the directories given (not recursively, hidden names and binaries \
            skipped). Each token is asked about with GET /api/v1/token where the server has it (no scope needed), \
            else GET /api/v1/user. Statuses: ok, rejected (401), no read:user (403), account disabled (403), \
            other persona than its playbook (with --playbooks), unreachable. Prints no token, only its last eight. \
            Exit 1 when a token is rejected or its account disabled; else 69 when the server could not be asked \
            about one; else 65 when a file or --key could not be read; else 0.
            """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerOptions

        @Argument(help: "Env files and directories of env files.")
        var paths: [String]

        @Option(help: "The Gitea server, e.g. https://gitea.example.org.")
        var url: String

        @Option(name: .customLong("key"), help: "Also check this variable, whatever its value looks like. Repeatable.")
        var keys: [String] = []

        @Option(help: "A directory of playbooks: a token whose login differs from the persona of the playbook naming its file and variable is 'other persona'.")
        var playbooks: String?

        @Flag(help: "Print one JSON object instead of the table (always, also with --unattended).")
        var json = false

        @Flag(help: "For timers: print nothing when every token is well; otherwise only the rows that are not.")
        var unattended = false

        @Option(help: "Write rekey_check_token_valid{file,variable} to this node_exporter textfile (atomically).")
        var prometheus: String?

        func validate() throws {
            if paths.isEmpty { throw ValidationError("give at least one env file or directory") }
            for key in keys where !Self.isVariableName(key) {
                throw ValidationError("--key \(key) is not a shell variable name ([A-Za-z_][A-Za-z0-9_]*)")
            }
        }

        static func isVariableName(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
            return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
        }

        func run() async throws {
            try await reportingErrors {
                let (found, problems) = TokenScan.scan(paths, keys: keys)
                var bindings: [PlaybookBinding] = []
                if let playbooks {
                    let loaded = PlaybookSet.load([playbooks], environment: global.environment)
                    bindings = loaded.playbooks.map(PlaybookBinding.init)
                    for problem in loaded.problems { printError("playbook \(problem.file) ignored: \(problem.problem)") }
                }
                let rows = try await server.withClient(url: url, state: global.state) { client in
                    await TokenCheck(client: client, bindings: bindings).check(found)
                }
                let verdict = CheckVerdict(rows: rows, problems: problems)
                if let prometheus { try CheckMetrics.write(rows, to: prometheus) }
                CheckPrinter.print(verdict, json: json, unattended: unattended, searched: paths)
                if verdict.exitStatus != .ok { throw ExitCode(verdict.exitStatus.rawValue) }
            }
        }
    }
}
