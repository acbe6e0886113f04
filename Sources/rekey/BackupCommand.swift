import ArgumentParser
import Foundation
import RekeyCore

extension Rekey {
    /// `rekey backup …`: sealed and escrowed backups of consumers' env files.
    struct BackupCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Work with backups of env files.",
            subcommands: [
                Open.self,
                List.self,
            ]
        )
    }
}

extension Rekey.BackupCommand {
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open",
            abstract: "Open an escrowed backup (.escrow) with the recovery private key; restore it or print it.",
            discussion: """
            Needs neither the master key nor the state directory: run it wherever the recovery private key lives. \
            With --restore-to the bytes are written atomically to PATH (an existing file keeps its owner and mode, a \
            new one gets 0600). Without it they go to standard output, but only when that is not a terminal.
            """
        )

        // No GlobalOptions: opening an escrow file uses neither the master key nor the state directory.
        @Argument(help: "The escrowed backup file (backups/<consumer>/<basename>.bak.<epoch>.escrow).") var file: String
        @Option(name: .customLong("recovery-private-key"), help: "The recovery private key file.") var recoveryPrivateKey: String
        @Option(name: .customLong("restore-to"), help: "Write the backup's bytes atomically to this path.") var restoreTo: String?
        @Option(name: .customLong("state-dir"), help: "State directory whose file lock --restore-to takes (env REKEY_STATE_DIR; default /var/lib/rekey).")
        var stateDir: String?

        func run() async throws {
            try await reportingErrors {
                // Refuse before reading anything: a terminal shows (and a scrollback keeps) every secret.
                if restoreTo == nil, isatty(STDOUT_FILENO) == 1 { throw WouldPrintToTerminal(file: file) }
                let key = try RecoveryPrivateKey.load(from: recoveryPrivateKey)
                let opened = try Escrow.open(path: file, with: key)
                let what = Self.describe(context: opened.context)
                if let restoreTo {
                    // The place is often an env file in an application's directory: the same rules as a rotation.
                    // Under the file's lock, so no rotation of it runs meanwhile. A state directory that
                    // does not exist (a restore on a rebuilt host) has no rekey running against it.
                    let state = StateDirectory(root: stateDir ?? ProcessInfo.processInfo.environment["REKEY_STATE_DIR"] ?? StateDirectory.defaultRoot)
                    let fileLock: ConsumerLock? = try access(state.root, F_OK) == 0 ? TargetLock.acquire(state, file: restoreTo) : nil
                    defer { fileLock?.release() }
                    let place = ConsumerFile(path: restoreTo, allowMissing: true)
                    try place.open()
                    try place.replace(with: opened.bytes)
                    say("restored \(opened.bytes.count) bytes of \(what) to \(restoreTo)")
                } else {
                    try Self.writeToStandardOutput(opened.bytes)
                    printError("wrote \(opened.bytes.count) bytes of \(what) to standard output")
                }
            }
        }

        /// Printing a backup (it holds live tokens) to a terminal is refused. Exit status 64 (usage).
        struct WouldPrintToTerminal: RekeyError {
            var file: String
            var exitStatus: ExitStatus { .usage }
            var description: String {
                "refusing to print the backup in \(file) to a terminal: it holds secrets; pass --restore-to PATH or redirect standard output to a file"
            }
        }

        /// Standard output could not take the bytes (closed pipe, full disk). Exit status 73.
        struct StandardOutputFailed: RekeyError {
            var errno: Int32
            var exitStatus: ExitStatus { .cantCreate }
            var description: String { "cannot write the backup to standard output: \(String(cString: strerror(errno))); use --restore-to PATH" }
        }

        /// "the backup of /etc/x.env (consumer c, taken 2024-… UTC, run r)" from a backup context.
        static func describe(context: String) -> String {
            guard let parts = BackupContext.parse(context) else { return "the backup '\(context)'" }
            var detail = "consumer \(parts.consumer), taken \(UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval(parts.epoch))))"
            if let run = parts.run { detail += ", run \(run)" }
            return "the backup of \(parts.file) (\(detail))"
        }

        /// Writes the bytes straight from `SecretBytes`, with no `Data` or `String` copy.
        static func writeToStandardOutput(_ bytes: SecretBytes) throws {
            try bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw StandardOutputFailed(errno: errno)
                    }
                    offset += written
                }
            }
        }
    }
}
