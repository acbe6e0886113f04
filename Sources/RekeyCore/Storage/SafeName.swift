/// The one rule for names that become file names in the state directory or name things in it
/// (consumers, personas, vault entries, logins in playbooks, run ids): 1 to 64 characters from
/// `A-Z a-z 0-9 . _ -`, not only dots (so never `.` or `..`).
public enum SafeName {
    public static let rule = "1 to 64 characters from A-Z a-z 0-9 . _ - (not only dots)"

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes.contains(where: { $0 != 0x2E }) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    /// Throws a `SafeNameError` naming `what` (e.g. "vault entry") unless `name` follows the rule.
    public static func validate(_ name: String, what: String) throws(SafeNameError) {
        guard isValid(name) else { throw SafeNameError(what: what, name: name) }
    }
}

/// A name that breaks `SafeName.rule`. Exit status 64 (usage): the name came from the command line
/// or a playbook.
public struct SafeNameError: RekeyError, Equatable {
    public let what: String
    public let name: String

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        let shown = name.count > 80 ? String(name.prefix(80)) + "…" : name
        return "\(what) name '\(shown)' is not allowed; use \(SafeName.rule)"
    }
}
