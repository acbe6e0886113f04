/// The exit codes of `rekey`, documented in the README. Values follow sysexits(3) where one fits.
public enum ExitStatus: Int32, Sendable, Codable {
    /// Rotated and verified (or, for other commands, did what was asked).
    case ok = 0
    /// `check` (and `status`) only: something is unhealthy, e.g. a token the server rejects.
    case unhealthy = 1
    /// Wrong command-line usage.
    case usage = 64
    /// The env file is unusable: missing, unreadable, key absent or present more than once, changed
    /// during the run, unsafe to rotate (`TargetFile`), or its directory takes no temp file.
    case badEnvFile = 65
    /// Gitea unreachable, timed out or answered 5xx before anything changed.
    case unavailable = 69
    /// Unexpected internal failure.
    case software = 70
    /// The state directory (or a file rekey must write) cannot be created or written.
    case cantCreate = 73
    /// Another rekey process holds this consumer's lock; try again later.
    case busy = 75
    /// Authentication or permission refused: mint 401/403, vault entry missing or unreadable,
    /// master key file with unsafe mode or owner.
    case noPermission = 77
    /// The playbook is invalid.
    case config = 78
    /// The probe failed and everything was rolled back cleanly.
    case probeFailedRolledBack = 80
    /// The probe failed; the file was restored but the minted token could not be deleted.
    case probeFailedTokenLeft = 81
    /// Rolling back failed: a person must look. The message states what the file holds.
    case rollbackFailed = 82
    /// A reload or verify command failed after the rotation: the file was restored, the consumer
    /// reloaded with the old bytes and the new token deleted (82 if that restore itself failed).
    case reloadFailedRestored = 83
}

/// An error a user sees: one lowercase line saying what happened, to what, and what to do next,
/// plus the exit code it maps to. Conforming types never carry secret values.
public protocol RekeyError: Error, CustomStringConvertible, Sendable {
    var exitStatus: ExitStatus { get }
}

/// The one line and exit status of any error: a `RekeyError`'s own (vetted for secrets); a foreign
/// error only by its type, since its description is not vetted.
public enum ErrorLine {
    public static func describe(_ error: any Error) -> String {
        if let error = error as? any RekeyError { return error.description }
        return "unexpected \(String(reflecting: type(of: error)))"
    }

    /// `describe`, asking for a report when the error is not one of rekey's own.
    public static func forPeople(_ error: any Error) -> String {
        error is any RekeyError ? describe(error) : describe(error) + "; please report this"
    }

    public static func exitStatus(_ error: any Error) -> ExitStatus {
        (error as? any RekeyError)?.exitStatus ?? .software
    }
}
