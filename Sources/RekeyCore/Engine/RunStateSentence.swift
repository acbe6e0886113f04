/// The closing sentence of every run: what the env file holds and which tokens exist, so that an
/// operator reading a cron mail knows where things stand without opening the journal.
enum RunStateSentence {
    static func describe(_ context: RunContext, outcome: RunReport.Outcome, exit: ExitStatus) -> String {
        let file = context.playbook.target.file
        let key = context.playbook.target.key
        let previous = context.previousLastEight.map { "…" + $0 } ?? "its previous value"
        let minted = context.minted.map { "token \($0.info.id) \($0.info.name) (…\($0.info.lastEight))" }
        switch outcome {
        case .rotated where context.minted == nil:
            return "\(file) is unchanged; its bytes are sealed in \(context.backupPath ?? "no backup")"
        case .rotated:
            return "\(file) holds the new \(key) (\(minted ?? "a new token")); the previous token \(previous) is still valid on the server"
        case .rolledBack:
            return "\(file) holds its original bytes (\(key)=\(previous)); no token minted by run \(context.run) remains"
        case .failed:
            if context.mintAttempted {
                return "nothing changed: \(file) is untouched and no token minted by run \(context.run) remains"
            }
            return "nothing changed: \(file) is untouched and no token was minted"
        case .needsAttention:
            if exit == .rollbackFailed {
                return "\(file) may not hold its original bytes (restoring or checking it failed) and may hold the new \(key) \(minted ?? ""); its original bytes are sealed in \(context.backupPath ?? "no backup"). fix what the step lines say, then run: rekey recover --consumer \(context.playbook.consumer)"
            }
            return "\(file) holds its original bytes, but \(minted ?? "a token named \(context.tokenName ?? "?")") could not be deleted; delete it in Gitea or run: rekey recover --consumer \(context.playbook.consumer)"
        }
    }
}
