import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    struct ConsumersCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consumers",
            abstract: "The inventory: which consumer holds which token; --scan finds copies of known tokens, --import records existing env files.",
            discussion: """
            Without options: every holding (consumer, file, key, token id and name, persona, server, …last8, since). \
            --scan PATH… walks files and directories (no symlinks, nothing over 1 MiB, no binaries) and prints every \
            place a known token occurs: path, line, variable, …last8. --import FILE… records the tokens in existing env \
            files as held by FILE:KEY. Token values are never printed.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Walk the given paths for copies of known tokens.") var scan = false
        @Flag(name: .customLong("import"), help: "Record the tokens the given env files hold, as held by FILE:KEY.") var importFiles = false
        @Flag(help: "Print JSON.") var json = false
        @Argument(help: "Paths for --scan, env files for --import.") var paths: [String] = []

        func validate() throws {
            if scan && importFiles { throw ValidationError("--scan and --import are different jobs; give one of them") }
            if (scan || importFiles) && paths.isEmpty { throw ValidationError("give the paths to \(scan ? "scan" : "import")") }
            if !scan && !importFiles && !paths.isEmpty { throw ValidationError("paths go with --scan or --import") }
        }

        func run() async throws {
            try await reportingErrors {
                let sealer = Sealer(key: try global.loadKey())
                let state = global.state
                if scan {
                    let report = try InventoryScan(state: state, sealer: sealer).run(paths: paths)
                    if json { printJSON(report) } else { ConsumersPrinter.scan(report).forEach(say) }
                } else if importFiles {
                    let imported = try InventoryImport(state: state, sealer: sealer).run(files: paths)
                    if json { printJSON(imported) } else { ConsumersPrinter.imported(imported, files: paths).forEach(say) }
                } else {
                    let holdings = try InventoryStore(state: state, sealer: sealer).all()
                    if json { printJSON(holdings.map(\.printable)) } else { ConsumersPrinter.holdings(holdings).forEach(say) }
                }
            }
        }
    }
}

/// Lines for `rekey consumers`: identifiers, places and last eights only.
enum ConsumersPrinter {
    static func holdings(_ holdings: [Holding]) -> [String] {
        guard !holdings.isEmpty else { return ["no holdings recorded yet (a successful run or rekey consumers --import records them)"] }
        return holdings.sorted { ($0.consumer, $0.place) < ($1.consumer, $1.place) }.map { holding in
            let token = holding.tokenID.map { "token \($0)\(holding.tokenName.map { " \($0)" } ?? "")" } ?? "token id not known yet"
            let owner = [holding.persona, holding.server].compactMap { $0 }.joined(separator: " at ")
            let since = UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval(holding.since)))
            return "\(holding.consumer)  \(holding.place)  \(token) (…\(holding.lastEight))\(owner.isEmpty ? "" : " of \(owner)")  since \(since)  [\(holding.source.rawValue)]"
        }
    }

    static func scan(_ report: InventoryScan.Report) -> [String] {
        var lines = report.findings.map { finding in
            let variable = finding.variable ?? "(no variable)"
            let token = finding.tokenID.map { "token \($0) " } ?? ""
            return "\(finding.path):\(finding.line)  \(variable)  \(token)…\(finding.lastEight)  known as \(finding.knownAs.joined(separator: ", "))"
        }
        lines.append("\(report.findings.count) place(s) hold a known token; \(report.filesRead) file(s) read, \(report.skipped.count) skipped")
        return lines + report.skipped.map { "  skipped \($0)" }
    }

    static func imported(_ imported: [InventoryImport.Imported], files: [String]) -> [String] {
        guard !imported.isEmpty else { return ["no gitea token assignments found in \(files.joined(separator: ", "))"] }
        return imported.map { "\($0.file):\($0.line)  \($0.key)  …\($0.lastEight)  \($0.outcome)" }
    }
}
