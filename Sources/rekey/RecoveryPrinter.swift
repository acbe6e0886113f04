import RekeyCore
import RekeyText

/// Renders what recover did (`Recovery.Action`) as the lines people see, and adds those lines to
/// `--json` as `actions`, the way they were printed before the actions were typed.
enum RecoveryPrinter {
    static func line(_ action: Recovery.Action) -> String {
        switch action {
        case .diedBeforeFirstRecord: "the run died before its first journal record; nothing had changed"
        case .diedBeforeChanges: "the run died before it changed anything"
        case .removedTempFile(let path): "removed leftover temp file \(path)"
        case .finished(let token, let login): "the file holds the new token \(token) and it authenticates as \(login): run finished"
        case .wrongLogin(let login, let expected): "the new token authenticates as '\(login)', expected '\(expected)': rolling back"
        case .tokenRefused(let status): "the server refuses the new token (\(status)): rolling back"
        case .fileEditedDuringRotation(let file): "\(file) holds neither its original bytes nor this run's token (edited by someone else?); left as it is"
        case .restored(let file, let backup): "restored the original bytes of \(file) from \(backup)"
        case .tokenDeletion(let deletion): StepText.deletion(deletion)
        case .rollbackFinished(let file, let run): "\(file) holds the restored bytes: rollback of \(run) finished"
        case .rollbackDiedBeforeRestore(let file): "the rollback died before \(file) was restored; nothing changed, run rekey rollback again if you still want it"
        case .fileEditedDuringRollback(let file): "\(file) holds neither the rotated nor the restored bytes (edited by someone else?); left as it is"
        case .step(let name, let detail): "\(name): \(detail)"
        case .reloaded(let commands): "the run died inside its reload: ran it again, " + commands.map { "\($0) → exit 0" }.joined(separator: "; ")
        case .reloadedOriginal(let command): "reloaded the consumer with the original bytes: \(command) → exit 0"
        case .revocationPending(let id, let lastEight):
            "the run died while revoking the token it replaced (token \(id), …\(lastEight)): left pending; rekey revoke --pending settles it"
        case .undoneBecause(let step, let error): "\(step) failed while finishing the run (\(error)): rolling back"
        }
    }

    /// One outcome as `--json` prints it: its fields, with `actions` as lines.
    struct JSON: Encodable {
        let outcome: Recovery.Outcome

        enum Keys: String, CodingKey { case consumer, run, settled, exitCode, actions, state }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(outcome.consumer, forKey: .consumer)
            try container.encode(outcome.run, forKey: .run)
            try container.encode(outcome.settled, forKey: .settled)
            try container.encode(outcome.exitCode, forKey: .exitCode)
            try container.encode(outcome.actions.map(RecoveryPrinter.line), forKey: .actions)
            try container.encode(outcome.state, forKey: .state)
        }
    }
}
