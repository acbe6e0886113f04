import ArgumentParser
import RekeyCore

extension Rekey.KeyCommand {
    /// `rekey key rotate`: a new master key, every sealed file re-sealed under it, crash-safely.
    /// The logic (and the reasoning about crashes) is `KeyRotation` in RekeyCore.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Make a new master key and re-seal every vault entry, backup, journal and inventory under it.",
            discussion: """
            The new key is written to <key-file>.next first; while it exists, a rotation is unfinished and other \
            commands refuse to run (exit 75). A rotation killed at any point leaves every sealed file openable by the \
            old or the new key; running rekey key rotate again completes it. A key from $CREDENTIALS_DIRECTORY \
            (systemd) is not rotated here.
            """
        )

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                if let directory = global.credentialsKeyDirectory {
                    throw KeyRotationError(path: directory, reason: .credentialsKey(directory: directory))
                }
                let report = try KeyRotation(state: global.state, keyPath: global.keyPath).run(progress: say)
                var kinds = [
                    counted(report.vaultEntries, "vault entry", "vault entries"), counted(report.backups, "backup", "backups"),
                    counted(report.journals, "journal", "journals") + " (\(counted(report.journalRecords, "record", "records")))",
                ].joined(separator: ", ")
                if report.inventories > 0 { kinds += ", the inventory" }
                say("sealed files: \(kinds)")
                if report.removedTempFiles > 0 {
                    say("removed \(counted(report.removedTempFiles, "temp file", "temp files")) left by interrupted writes")
                }
                say("installed the new master key at \(report.keyPath) (key id \(report.newKeyID)); "
                    + "the old key (key id \(report.oldKeyID)) opens nothing any more")
                say("replace every copy you keep of the old key with the new one")
            }
        }
    }
}

/// "1 backup", "2 backups".
private func counted(_ count: Int, _ singular: String, _ plural: String) -> String {
    "\(count) \(count == 1 ? singular : plural)"
}
