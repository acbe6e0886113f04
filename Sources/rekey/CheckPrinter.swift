import Foundation
import RekeyCore

/// The table of `rekey check` (or its JSON), and the files it could not read on stderr.
enum CheckPrinter {
    struct Document: Encodable {
        var healthy: Bool
        var exitCode: Int32
        var tokens: [CheckRow]
        var problems: [ScanProblem]
    }

    static func print(_ verdict: CheckVerdict, json: Bool, unattended: Bool, searched: [String]) {
        for problem in verdict.problems { printError("\(PrintableText.escaped(problem.file)): \(problem.problem)") }
        if json {
            printJSON(Document(healthy: verdict.isWell, exitCode: verdict.exitStatus.rawValue, tokens: verdict.rows, problems: verdict.problems))
            return
        }
        if unattended && verdict.isWell { return }
        let rows = unattended ? verdict.rows.filter { $0.status != .ok && $0.status != .noReadUser } : verdict.rows
        if rows.isEmpty {
            if !unattended && verdict.problems.isEmpty { say("no gitea tokens found in \(searched.joined(separator: " "))") }
            return
        }
        table(rows)
    }

    static func table(_ rows: [CheckRow]) {
        let header = ["FILE", "LINE", "VARIABLE", "TOKEN", "AUTHENTICATES AS", "TOKEN ID", "TOKEN NAME", "STATUS"]
        let cells = rows.map { row in
            var status = row.status.rawValue
            if row.status == .otherPersona, let persona = row.playbookPersona, let consumer = row.playbookConsumer {
                status += " (\(consumer) expects \(persona))"
            }
            return [row.file, String(row.line), row.variable, "…" + row.lastEight, row.login ?? "-",
                    row.tokenID.map(String.init) ?? "-", row.tokenName ?? "-", status]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        for line in [header] + cells {
            let padded = line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            say(padded.joined(separator: "  "))
        }
        for row in rows where row.status == .unreachable {
            if let detail = row.detail { printError("\(row.file):\(row.line) \(row.variable): \(detail)") }
        }
    }
}
