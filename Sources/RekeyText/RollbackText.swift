import RekeyCore

/// The lines `rekey rollback` prints for what its steps found (`Rollback.Action`).
public enum RollbackText {
    public static func lines(_ report: Rollback.Report) -> [String] { report.actions.map(line) }

    public static func line(_ action: Rollback.Action) -> String {
        switch action {
        case .checked(let token, let login): "✓ check     the backed-up token \(token) still authenticates as \(login)"
        case .checkedOtherLogin(let login): "! check     the backed-up token authenticates as '\(login)'; restoring anyway (--force)"
        case .checkedRevoked(let token): "! check     the backed-up token \(token) was revoked; restoring anyway (--force)"
        case .restored(let file, let backup, let key, let token): "✓ restore   \(file) now holds the bytes of \(backup) (\(key)=\(token))"
        case .probed(let token, let login): "✓ probe     GET /api/v1/user with \(token) → 200 login \(login)"
        case .probeFailed: "! probe     the restored token did not probe fine after restoring"
        case .deleted(let token, let run): "✓ delete    \(token) minted by run \(run)"
        case .kept(let token): "  keep      \(token) stays valid on the server (--keep-token)"
        case .alreadyRolledBack(let run, let file): "run \(run) is already rolled back: \(file) holds the backup's bytes; nothing to do"
        }
    }
}
