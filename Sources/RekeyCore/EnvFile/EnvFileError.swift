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
    /// Other lines than one plain assignment could set, unset or freeze `key` as sh or bash read the
    /// file; `sites` are all the lines involved, ascending.
    case keyAmbiguous(key: String, path: String, sites: [EnvShellSite])
    /// sh cannot read the file as rekey does, from `line` on.
    case shellSyntax(path: String, line: Int, problem: EnvSyntaxProblem)
    /// The file starts with a UTF-8 byte order mark and the key (or its comment) is on line 1.
    case byteOrderMark(key: String, path: String, keyLine: Int)

    public var exitStatus: ExitStatus { .badEnvFile }

    public var description: String {
        switch self {
        case .keyMissing(let key, let path):
            "\(key) is not assigned in \(path) (commented-out lines do not count); add a line \(key)=<current token> or fix target.key in the playbook"
        case .keyDuplicated(let key, let path, let lines):
            "\(key) is assigned more than once in \(path) (lines \(lines.map(String.init).joined(separator: ", "))); keep exactly one assignment and run again"
        case .lineNotEditable(let key, let path, let line, .carriageReturn):
            "line \(line) of \(path) assigns \(key) with \(EnvLineProblem.carriageReturn.rawValue); convert the file to LF line endings (sed -i 's/\\r$//' \(path)) and run again"
        case .lineNotEditable(let key, let path, let line, let problem):
            "line \(line) of \(path) assigns \(key) with \(problem.rawValue); rewrite it as \(key)=value, \(key)=\"value\" or \(key)='value' and run again"
        case .commentHasNewline(let path):
            "the comment to write above the key in \(path) contains a line break; make the playbook's comment a single line"
        case .valueNotRepresentable(let key, let path, let style):
            "the new value for \(key) in \(path) cannot be written \(style) without escaping, and rekey never escapes; change how \(key) is quoted in the file, or check the token source"
        case .keyInvalid(let key, let path):
            "\(key.debugDescription) is not a variable name, so it cannot be assigned in \(path); target.key must be letters, digits and underscores, not starting with a digit"
        case .keyAmbiguous(let key, let path, let sites):
            "\(key) in \(path) is not set by one plain assignment that sh and bash both end up with: \(sites.map(\.description).joined(separator: "; ")); keep a single top-level line \(key)=… or export \(key)=…, with no other line touching \(key), and run again"
        case .shellSyntax(let path, let line, let problem):
            "sh cannot read \(path) the way rekey would edit it: line \(line) has \(problem); fix the file (it must work in sh and bash alike) and run again"
        case .byteOrderMark(let key, let path, let keyLine):
            "\(path) starts with a UTF-8 byte order mark, which sh reads as part of line 1 (so line 1 is a command, not \(keyLine == 1 ? "an assignment of \(key)" : "the comment above \(key)")); remove it (sed -i '1s/^\\xEF\\xBB\\xBF//' \(path)) and run again"
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
    case carriageReturn = "a CR LF line ending right after the value (sh reads the CR as part of the value)"
}

/// Shell syntax that sh rejects, or that bash and sh read differently. The texts never include the
/// file's bytes.
public enum EnvSyntaxProblem: Sendable, Equatable, CustomStringConvertible {
    case unclosedSingleQuote, unclosedDoubleQuote, unclosedSubstitution, unclosedHereDocument, badSubstitution, unbalanced
    /// A function named like a builtin: bash calls it instead of the builtin, sh (dash) not always.
    case builtinRedefined
    /// An assignment or unset of a variable made read-only earlier: sh (dash) stops reading there.
    case readOnlyAssigned
    /// More than 100 `$(…)`, `${…}` or `$((…))` inside one another.
    case tooDeep
    /// A reserved word or operator where the shell does not expect it.
    case unexpected(String)
    /// Syntax that only bash understands: sh (dash) fails on it or reads it differently.
    case bashOnly(String)

    public var description: String {
        switch self {
        case .unclosedSingleQuote: "a single quote that never closes"
        case .unclosedDoubleQuote: "a double quote that never closes"
        case .unclosedSubstitution: "a $(…), ${…}, $((…)) or backquote that never closes"
        case .unclosedHereDocument: "a here-document without its closing delimiter line"
        case .badSubstitution: "a ${…} expansion that is not valid"
        case .unbalanced: "an if/while/until/for/case/{ }/( ) that is not closed by the end of the file"
        case .tooDeep: "more than 100 substitutions inside one another"
        case .readOnlyAssigned: "an assignment to a variable made read-only above, where sh stops reading the file"
        case .builtinRedefined: "a function named like a builtin (export, read, set, …), which bash calls instead of the builtin and sh does not always"
        case .unexpected(let word): "'\(word)' where the shell does not expect it"
        case .bashOnly(let what): "bash-only syntax (\(what)) that sh rejects or reads differently"
        }
    }
}

/// A line that could set, unset or freeze the key, and how.
public struct EnvShellSite: Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let use: EnvShellUse
    public var description: String { "line \(line) \(use)" }
}

/// How a line could touch the key. The texts never include the file's bytes.
public enum EnvShellUse: Sendable, Equatable, CustomStringConvertible {
    /// A plain `KEY=…` or `export KEY=…` line at the top level.
    case assignment
    /// Assigns it in a command that also does something else (`A=1 KEY=…`, `KEY=… cmd`).
    case assignmentInCommand
    /// Assigns it inside if/while/until/for/case, a function, `{ }`, `( )`, or after `&&`, `||`, `|`, `!`.
    case conditional
    case append
    /// Names it in a builtin that can assign, unset or freeze it.
    case builtin(String)
    /// Names it in another command, or runs it as a command.
    case command
    case hereDocument
    case expansionAssigns
    case expansionChecks
    case arithmetic
    case loopOrPattern
    case eval
    case sourceAfter
    /// A builtin that can assign whose variable name comes from an expansion.
    case dynamicName(String)
    /// return before the key's line: the shell may stop reading before it.
    case stopsBefore(String)
    /// exit, exec of a command, or set -e/-u/-n, anywhere: the shell sourcing the file may end there.
    case exits(String)
    /// alias: sh expands aliases in the lines that follow, so a word may not be what it seems.
    case alias

    public var description: String {
        switch self {
        case .assignment: "assigns it"
        case .assignmentInCommand: "assigns it, but not on a line of its own (as in A=1 KEY=…, KEY=… cmd or cmd; KEY=…)"
        case .conditional: "assigns it inside a compound command, function or and-or list, which the shell may not run"
        case .append: "appends to it (+=, bash only)"
        case .builtin(let name): "passes it to \(name), which can set, unset or freeze it"
        case .command: "names it in a command"
        case .hereDocument: "names it in a here-document"
        case .expansionAssigns: "assigns it through ${…=…}"
        case .expansionChecks: "checks it with ${…?…}, which stops the shell when it is unset"
        case .arithmetic: "uses it in $((…)), which can assign it"
        case .loopOrPattern: "names it in a for/case/select header"
        case .eval: "runs eval, which may assign it where rekey cannot see"
        case .sourceAfter: "sources another file after the key's line, which may assign it where rekey cannot see"
        case .dynamicName(let name): "runs \(name) with a variable name rekey cannot know before the shell runs"
        case .stopsBefore(let name): "runs \(name) before the key's line, so the shell may stop before it"
        case .exits(let name): "runs \(name), which can end the shell that sources the file"
        case .alias: "defines an alias, which sh expands in the lines after it (so export or the key's name may not be what they seem)"
        }
    }
}
