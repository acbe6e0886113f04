import RekeyCore

/// Renders what a rollback did (`Rollback.Action`) as the lines people see, and adds those lines
/// to `--json` next to the typed actions.
enum RollbackPrinter {
    static func lines(_ report: RekeyCore.Rollback.Report) -> [String] { report.actions.map(line) }

    static func line(_ action: RekeyCore.Rollback.Action) -> String {
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

    /// The report's fields plus `lines`, as `--json` printed them before the actions were typed.
    struct JSON: Encodable {
        let report: RekeyCore.Rollback.Report

        enum Keys: String, CodingKey { case lines }

        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(RollbackPrinter.lines(report), forKey: .lines)
        }
    }
}
