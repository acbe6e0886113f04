import RekeyCore
import RekeyText

/// Renders what a rollback did (`Rollback.Action`) as the lines people see, and adds those lines
/// to `--json` next to the typed actions.
enum RollbackPrinter {
    static func lines(_ report: RekeyCore.Rollback.Report) -> [String] { RollbackText.lines(report) }

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
