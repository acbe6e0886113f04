/// The closing sentence of every run: what the env file holds and which tokens exist, so that an
/// operator reading a cron mail knows where things stand without opening the journal. Computed
/// from the run's facts and outcome only.
enum RunStateSentence {
    static func describe(_ context: RunContext, outcome: RunReport.Outcome, exit: ExitStatus) -> String {
        let facts = context.facts
        let file = context.playbook.target.file
        let key = context.playbook.target.key
        let previous = facts.previousLastEight.map { "…" + $0 } ?? "its previous value"
        let minted = facts.minted.map { "token \($0.id) \($0.name) (…\($0.lastEight))" }
        if facts.operation == .rollback {
            switch outcome {
            case .rotated: return "\(file) holds the restored bytes of \(facts.backup ?? "the backup")"
            case .needsAttention: return "\(file) holds the restored bytes, but the undone run's token is left; run: rekey recover --consumer \(context.playbook.consumer)"
            case .failed, .rolledBack: return "\(file) is unchanged"
            }
        }
        switch outcome {
        case .rotated where facts.minted == nil:
            return "\(file) is unchanged; its bytes are sealed in \(facts.backup ?? "no backup")"
        case .rotated:
            return "\(file) holds the new \(key) (\(minted ?? "a new token")); the previous token \(previous) is still valid on the server"
        case .rolledBack:
            return "\(file) holds its original bytes (\(key)=\(previous)); no token minted by run \(context.run) remains"
        case .failed:
            if facts.mintAttempted {
                return "nothing changed: \(file) is untouched and no token minted by run \(context.run) remains"
            }
            return "nothing changed: \(file) is untouched and no token was minted"
        case .needsAttention:
            if exit == .rollbackFailed {
                return "\(file) may not hold its original bytes (restoring or checking it failed) and may hold the new \(key) \(minted ?? ""); its original bytes are sealed in \(facts.backup ?? "no backup"). fix what the step lines say, then run: rekey recover --consumer \(context.playbook.consumer)"
            }
            return "\(file) holds its original bytes, but \(minted ?? "a token named \(facts.tokenName ?? "?")") could not be deleted; delete it in Gitea or run: rekey recover --consumer \(context.playbook.consumer)"
        }
    }
}
