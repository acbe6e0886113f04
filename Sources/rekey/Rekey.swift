import ArgumentParser
import Foundation
import RekeyCore

@main
struct Rekey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Rotate secrets that live inside files, safely: back up, mint, rewrite, probe, roll back.",
        discussion: """
        Exit codes: 0 ok · 1 unhealthy (status: a consumer overdue, failed, stuck or unfinished; check: a token rejected or its account disabled) · 64 usage · 65 bad env file · 69 Gitea unreachable or 5xx before anything changed · \
        73 state dir not writable · 75 consumer busy or unfinished run (rekey recover) or key rotation unfinished · 77 authentication or permission refused · 78 invalid playbook or input · \
        80 probe failed, rolled back · 81 probe failed, minted token left on the server · 82 rollback failed, a person must look · \
        83 reload or verify failed after the rotation: file restored, consumer reloaded, new token deleted.
        """,
        version: "0.1.0",
        subcommands: [
            Init.self,
            VaultCommand.self,
            Run.self,
            Recover.self,
            RollbackCommand.self,
            KeyCommand.self,
            BackupCommand.self,
            HistoryCommand.self,
            Status.self, Forget.self, Unstick.self,
            PathsCommand.self,
            CheckCommand.self,
            AuditCommand.self,
            ConsumersCommand.self,
            RevokeCommand.self,
        ]
    )

    /// Core dumps off and the process non-dumpable before any argument is parsed or secret read.
    static func main() async {
        PhaseTrace.begin()
        if let problem = ProcessHygiene.harden() {
            FileHandle.standardError.write(Data("rekey: \(problem)\n".utf8))
            Foundation.exit(ExitStatus.software.rawValue)
        }
        await main(nil)
    }
}
