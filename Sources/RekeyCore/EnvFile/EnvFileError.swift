/// Why an env file cannot be read or edited as asked. Names the file, the key and line numbers;
/// never a value from the file nor the new value.
public enum EnvFileError: RekeyError, Equatable {
    /// No assignment of `key` (commented-out lines do not count).
    case keyMissing(key: String, path: String)
    /// `key` is assigned on more than one line; `lines` are all of them, 1-based, ascending.
    case keyDuplicated(key: String, path: String, lines: [Int])
    /// The single assignment of `key` is written in a form rekey does not rewrite.
    case lineNotEditable(key: String, path: String, line: Int, problem: EnvLineProblem)
    /// The comment to write above the key contains a line break.
    case commentHasNewline(path: String)
    /// The new value would need escaping in the quoting style the file uses for `key`.
    case valueNotRepresentable(key: String, path: String, style: EnvDocument.QuoteStyle)
    /// `key` is not a shell variable name, so no line can assign it.
    case keyInvalid(key: String, path: String)

    public var exitStatus: ExitStatus { .badEnvFile }

    public var description: String {
        switch self {
        case .keyMissing(let key, let path):
            "\(key) is not assigned in \(path) (commented-out lines do not count); add a line \(key)=<current token> or fix target.key in the playbook"
        case .keyDuplicated(let key, let path, let lines):
            "\(key) is assigned more than once in \(path) (lines \(lines.map(String.init).joined(separator: ", "))); keep exactly one assignment and run again"
        case .lineNotEditable(let key, let path, let line, let problem):
            "line \(line) of \(path) assigns \(key) with \(problem.rawValue); rewrite it as \(key)=value, \(key)=\"value\" or \(key)='value' and run again"
        case .commentHasNewline(let path):
            "the comment to write above the key in \(path) contains a line break; make the playbook's comment a single line"
        case .valueNotRepresentable(let key, let path, let style):
            "the new value for \(key) in \(path) cannot be written \(style) without escaping, and rekey never escapes; change how \(key) is quoted in the file, or check the token source"
        case .keyInvalid(let key, let path):
            "\(key.debugDescription) is not a variable name, so it cannot be assigned in \(path); target.key must be letters, digits and underscores, not starting with a digit"
        }
    }
}

/// Why an assignment of the key is not one rekey edits. The texts never include the line's bytes.
public enum EnvLineProblem: String, Sendable, Equatable {
    case blankBeforeEquals = "a blank between the name and '=' (the shell runs that as a command)"
    case unclosedQuote = "a quote that does not close on the same line"
    case textAfterQuote = "text right after the closing quote"
    case textAfterValue = "more text after the value that is not a '#' comment"
    case shellSyntaxInValue = "a value with quotes, escapes, expansions or other shell syntax"
}
