import ArgumentParser
import Foundation
import Logging
import RekeyCore

/// Options every subcommand shares: where state and the master key live, and how chatty to be.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "State directory (env REKEY_STATE_DIR; default /var/lib/rekey).")
    var stateDir: String?

    @Option(name: .customLong("key-file"), help: "Master key file, mode 0600 (env REKEY_KEY_FILE; default /etc/rekey/master.key).")
    var keyFile: String?

    @Flag(name: .shortAndLong, help: "Log progress to standard error.")
    var verbose = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var state: StateDirectory {
        StateDirectory(root: stateDir ?? environment["REKEY_STATE_DIR"] ?? "/var/lib/rekey")
    }

    var keyPath: String {
        keyFile ?? environment["REKEY_KEY_FILE"] ?? "/etc/rekey/master.key"
    }

    /// The master key: from `--key-file`/`REKEY_KEY_FILE` when given, else from systemd's
    /// `$CREDENTIALS_DIRECTORY/rekey-master-key` when present, else the default key file.
    ///
    /// First it takes the state directory's key lock shared for the rest of the process and refuses
    /// (exit 75) while `rekey key rotate` runs or is unfinished (`<key>.next` exists): see
    /// `KeyRotationLock`. `key rotate` itself does not come through here.
    func loadKey() throws -> MasterKey {
        if let directory = credentialsKeyDirectory {
            try KeyRotationLock.enterKeyUse(state: state, keyPath: nil)
            return try MasterKey.load(credentialsDirectory: directory, name: "rekey-master-key")
        }
        try KeyRotationLock.enterKeyUse(state: state, keyPath: keyPath)
        return try MasterKey.load(from: keyPath)
    }

    /// systemd's `$CREDENTIALS_DIRECTORY` when the master key comes from there (no key file given
    /// and `rekey-master-key` present in it), else nil.
    var credentialsKeyDirectory: String? {
        guard keyFile == nil, environment["REKEY_KEY_FILE"] == nil, let directory = environment["CREDENTIALS_DIRECTORY"],
              FileManager.default.fileExists(atPath: directory + "/rekey-master-key") else { return nil }
        return directory
    }

    func logger(_ label: String = "rekey") -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .warning
        return logger
    }
}
