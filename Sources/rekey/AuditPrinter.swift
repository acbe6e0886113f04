import RekeyCore

/// The human form of `rekey audit`: one line per token, its holders and findings indented below.
enum AuditPrinter {
    static func print(_ report: AuditReport) {
        let usage = report.usageData ? "" : "; the server lists no created_at/last_used_at (gitea before 1.24): no time-based findings"
        say("persona \(report.persona) at \(report.server): \(report.tokens.count) token\(report.tokens.count == 1 ? "" : "s"), \(report.findingCount) finding\(report.findingCount == 1 ? "" : "s")\(usage)")
        for token in report.tokens {
            var line = "  \(token.id)  \(token.name)  …\(token.lastEight)  [\(token.scopes.joined(separator: ", "))]"
            if let created = token.createdAt { line += "  created \(created)" }
            if let used = token.lastUsedAt { line += "  last used \(used)" }
            say(line)
            for holder in token.holders { say("      held by \(holder.consumer) (\(PrintableText.escaped(holder.file)) \(holder.key))") }
            for finding in token.findings { say("      ! \(finding.kind.rawValue): \(finding.message)") }
        }
        for consumer in report.consumers {
            say("  consumer \(consumer.consumer) (\(consumer.file) \(consumer.key))")
            say("      ! \(consumer.finding.kind.rawValue): \(consumer.finding.message)")
        }
        for problem in report.problems {
            printError("\(PrintableText.escaped(problem.file)): \(problem.problem); its holdings are unknown")
        }
    }
}
