/// EROFS, said as exactly that. Under `rekey.service` (`ProtectSystem=strict`) every directory not
/// listed in `ReadWritePaths=` is read-only, so the usual cause is a playbook added in a directory
/// the unit's drop-in does not list yet.
enum ReadOnlyFileSystem {
    static func hint(_ directory: String) -> String {
        "under systemd, \(directory) may be missing from ReadWritePaths= of rekey.service: "
            + "rerun scripts/install --system (it lists `rekey paths` in a drop-in), or mount it read-write"
    }

    /// The env file's directory is read-only: nothing was written.
    static func envFile(_ path: String, directory: String) -> EnvFileUnwritable {
        EnvFileUnwritable(path: path, reason: "\(directory) is on a read-only file system",
                          remedy: hint(directory) + "; nothing was changed")
    }
}
