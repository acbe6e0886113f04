/// What a lexical pass over an env file found, the way sh and bash read it, as far as one key is
/// concerned. It holds offsets and flags only, never bytes of the file, so no secret is copied out of
/// the document's `SecretBytes`.
///
/// The pass (`ShellLexer`) reads the whole file as sh does: the file starts at byte 0 (a UTF-8 byte
/// order mark is ordinary word text to sh), a CR is ordinary text, `#` starts a comment only where a
/// word could start, a backslash-newline joins lines except inside single quotes, comments and
/// quoted here-documents, and quotes, `$(…)`, backquotes, `${…}`, `$((…))` and here-documents may span
/// lines.
struct ShellScan: Sendable {
    /// Every simple command outside command substitutions, in file order.
    var commands: [ShellCommand] = []
    /// Every place the key's name appears outside comments and command substitutions.
    var mentions: [ShellMention] = []
    /// Offsets of `#` bytes that start a comment, where the comment is the first thing on its line.
    var commentStarts: Set<Int> = []
    /// Syntax sh rejects, or bash-only syntax that sh reads differently; first problem first.
    var problems: [(offset: Int, problem: EnvSyntaxProblem)] = []
}

/// One simple command: its words, where it starts, and where it sits in the file's structure.
struct ShellCommand: Sendable {
    var words: [ShellWord]
    /// Offset of its first word.
    var start: Int
    /// Nesting inside if/while/until/for/case/`{ }`/`( )` when it starts; 0 is the file's top level.
    var depth: Int
    /// It continues an and-or list or pipeline (`a &&`, `a ||`, `a |`, `!`), so the shell may not run
    /// it, or runs it in a subshell.
    var joined: Bool
    /// A `for`/`case`/`select` header or a case pattern, not a command.
    var isHeader: Bool
}

/// One word of a command, described without its bytes.
struct ShellWord: Sendable {
    var start: Int
    var end: Int
    /// It holds a parameter expansion, command substitution or arithmetic, so its text is known only
    /// when the shell runs.
    var hasExpansion = false
    /// An expansion comes before the first `=` (or there is no `=` and an expansion anywhere): the
    /// name it would give a declaration builtin is not known.
    var expansionBeforeEquals = false
    /// Any quoting or escaping.
    var isQuoted = false
    /// `NAME=…` or `NAME+=…` with the name unquoted, so an assignment in a command's prefix.
    var isAssignment = false
    var isAppend = false
    /// The word as text, when it is one of the reserved words or builtins rekey looks for.
    var keyword: ShellKeyword?
    /// The text starts with `-` and holds `n` or starts with `-v`: options of declare/printf that
    /// name a variable indirectly.
    var isNamerefOption = false
    var isPrintfVariableOption = false
    /// The letters of an option word `-abc`, as bits (a = bit 0).
    var optionLetters: UInt32 = 0
    /// Unquoted `{a,b}` or `{1..3}`: bash expands it, sh keeps it.
    var hasBraceExpansion = false
    /// Only digits, unquoted: an IO number when a redirection follows at once.
    var isDigits = true
    /// A plain unquoted name, `[A-Za-z_][A-Za-z0-9_]*`.
    var isName = false
    /// A hash (FNV-1a) of the name of an assignment word, or of a word that is a name: names compare
    /// without their bytes being kept.
    var nameHash: UInt64 = 0
}

/// The words rekey recognises as text (unquoted reserved words; builtins in any quoting).
enum ShellKeyword: String, CaseIterable, Sendable {
    case ifWord = "if", thenWord = "then", elseWord = "else", elifWord = "elif", fiWord = "fi"
    case doWord = "do", doneWord = "done", caseWord = "case", esacWord = "esac", inWord = "in"
    case whileWord = "while", untilWord = "until", forWord = "for", openBrace = "{", closeBrace = "}", bang = "!"
    case function, select, coproc, doubleBracket = "[["
    case eval, dot = ".", source, export, readonly, declare, typeset, local, unset, read, printf, `let`
    case mapfile, readarray, getopts, wait, trap, alias, enable, command, builtin, exec, exit, returnWord = "return"
    case colon = ":", set, shift, times, breakWord = "break", continueWord = "continue"
    /// `set -o` options that can stop the shell before it reaches a line.
    case errexit, nounset, noexec

    static let bytes: [(ShellKeyword, [UInt8])] = allCases.map { ($0, Array($0.rawValue.utf8)) }

    /// POSIX special builtins: an assignment before one stays in sh (dash), but not in bash.
    var isSpecialBuiltin: Bool {
        switch self {
        case .dot, .colon, .eval, .exec, .exit, .export, .readonly, .returnWord, .set, .shift, .times, .trap, .unset, .breakWord, .continueWord: true
        default: false
        }
    }

    /// A name rekey relies on meaning the builtin or `set -o` option.
    var isBuiltin: Bool { !isReserved && self != .errexit && self != .nounset && self != .noexec }

    var isReserved: Bool {
        switch self {
        case .ifWord, .thenWord, .elseWord, .elifWord, .fiWord, .doWord, .doneWord, .caseWord, .esacWord, .inWord,
             .whileWord, .untilWord, .forWord, .openBrace, .closeBrace, .bang, .function, .select, .coproc, .doubleBracket: true
        default: false
        }
    }
}

/// Where the key's name appears.
struct ShellMention: Sendable {
    enum Kind: Sendable, Equatable {
        /// The bare name in a word's text (after quote removal): an assignment, an argument, a name.
        case bare(atWordStart: Bool)
        /// The bare name in a here-document's body.
        case hereDocument
        /// `${KEY=…}` or `${KEY:=…}`.
        case expansionAssigns
        /// `${KEY?…}` or `${KEY:?…}`: stops the shell when the key is unset or empty.
        case expansionChecks
        /// The bare name inside `$((…))`, where it may be assigned.
        case arithmetic
    }

    var offset: Int
    var kind: Kind
    /// Index of the command in `ShellScan.commands` and of the word in it, for bare mentions in a
    /// command's words.
    var command: Int?
    var word: Int?
}
