/// One pass over an env file's bytes as sh reads them, for one key. See `ShellScan` for what it
/// reports and `EnvShellView` for what rekey makes of it. It never runs anything.
final class ShellLexer {
    let bytes: UnsafeRawBufferPointer
    let key: [UInt8]
    var index = 0
    /// Inside `$(…)`: commands and mentions there run in a subshell and are not recorded.
    var subshell = 0
    /// How many `$…` constructs enclose the current byte.
    var nesting = 0
    static let maximumNesting = 100
    var scan = ShellScan()
    /// Here-documents whose bodies start after the next newline.
    var pendingHereDocuments: [(delimiter: [UInt8], quoted: Bool, stripTabs: Bool)] = []

    init(bytes: UnsafeRawBufferPointer, key: String) {
        self.bytes = bytes
        self.key = Array(key.utf8)
    }

    static func scan(_ bytes: UnsafeRawBufferPointer, key: String) -> ShellScan {
        let lexer = ShellLexer(bytes: bytes, key: key)
        lexer.list(closingParen: false)
        return lexer.scan
    }

    func problem(_ offset: Int, _ problem: EnvSyntaxProblem) {
        scan.problems.append((offset, problem))
    }

    /// The structure the commands of one list sit in.
    private struct Structure {
        var depth = 0
        var parens = 0
        /// One entry per open `case`: true while a pattern is expected.
        var cases: [Bool] = []
        var joined = false
        /// The words read so far belong to a `for`/`case`/`select` header or a pattern.
        var header = false
        var caseHeaderWords = 0
        /// What came last completes a command, so `;`, `&`, `&&`, `||` or `|` may follow.
        var canEnd = false
    }

    /// Reads commands up to the end of the file, or (`closingParen`) up to the `)` closing a `$(`.
    func list(closingParen: Bool) {
        var structure = Structure()
        var words: [ShellWord] = []
        var wordMentions: [[(offset: Int, atStart: Bool)]] = []
        var commandPosition = true

        func finish(joining: Bool) {
            if !words.isEmpty {
                if subshell == 0 {
                    let commandIndex = scan.commands.count
                    scan.commands.append(ShellCommand(words: words, start: words[0].start, depth: structure.depth,
                                                      joined: structure.joined, isHeader: structure.header))
                    for (wordIndex, found) in wordMentions.enumerated() {
                        for mention in found {
                            scan.mentions.append(ShellMention(offset: mention.offset, kind: .bare(atWordStart: mention.atStart),
                                                              command: commandIndex, word: wordIndex))
                        }
                    }
                }
                structure.joined = false
            }
            if joining { structure.joined = true }
            words = []
            wordMentions = []
            commandPosition = true
            structure.header = false
        }

        /// `;`, `&`, `&&`, `||` or `|` with no command before it: a syntax error to sh.
        func separator(_ name: String) {
            if words.isEmpty && !structure.canEnd { problem(index, .unexpected(name)) }
            structure.canEnd = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case EnvBytes.space, EnvBytes.tab:
                index += 1
            case EnvBytes.backslash where index + 1 < bytes.count && bytes[index + 1] == EnvBytes.lf:
                index += 2
            case EnvBytes.hash:
                if subshell == 0 && EnvBytes.skipBlanks(bytes, lineStart(index)..<index) == index { scan.commentStarts.insert(index) }
                while index < bytes.count && bytes[index] != EnvBytes.lf { index += 1 }
            case EnvBytes.lf:
                finish(joining: false)
                structure.canEnd = false
                index += 1
                hereDocuments()
            case UInt8(ascii: ";"):
                let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                if next == UInt8(ascii: ";") {
                    if index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "&") { problem(index, .bashOnly(";;& in case")) }
                    finish(joining: false)
                    structure.canEnd = false
                    if !structure.cases.isEmpty { structure.cases[structure.cases.count - 1] = true; structure.header = true }
                    index += 2
                } else {
                    if next == UInt8(ascii: "&") { problem(index, .bashOnly(";& in case")) }
                    separator(";")
                    finish(joining: false)
                    index += 1
                }
            case UInt8(ascii: "&"):
                let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                if next == UInt8(ascii: ">") { problem(index, .bashOnly("&> redirection")); index += 2; redirectionTarget(); continue }
                separator(next == UInt8(ascii: "&") ? "&&" : "&")
                finish(joining: next == UInt8(ascii: "&"))
                index += next == UInt8(ascii: "&") ? 2 : 1
            case UInt8(ascii: "|"):
                let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                if structure.cases.last == true { index += 1; continue }
                if next == UInt8(ascii: "&") { problem(index, .bashOnly("|& pipe")) }
                separator(next == UInt8(ascii: "|") ? "||" : "|")
                finish(joining: true)
                index += next == UInt8(ascii: "|") || next == UInt8(ascii: "&") ? 2 : 1
            case UInt8(ascii: "("):
                if structure.cases.last == true { index += 1; continue }
                if let last = words.last, last.end == index, last.isAssignment, bytes[index - 1] == EnvBytes.equals {
                    problem(index, .bashOnly("array assignment NAME=(…)"))
                    skipParenthesised()
                    continue
                }
                if commandPosition && words.isEmpty {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "(") { problem(index, .bashOnly("((…)) arithmetic command")) }
                    structure.depth += 1
                    structure.parens += 1
                    structure.canEnd = false
                    index += 1
                } else if words.count == 1 && functionParentheses() {
                    // `name()`: a function definition; its body is the compound command that follows.
                    if !words[0].isName { problem(words[0].start, .bashOnly("a function name that is not a plain name")) }
                    if words[0].keyword?.isBuiltin == true { problem(words[0].start, .builtinRedefined) }
                    finish(joining: false)
                    structure.canEnd = false
                } else {
                    problem(index, .unexpected("("))
                    index += 1
                }
            case UInt8(ascii: ")"):
                if structure.cases.last == true {
                    structure.cases[structure.cases.count - 1] = false
                    finish(joining: false)
                    structure.canEnd = false
                    index += 1
                } else if structure.parens > 0 {
                    finish(joining: false)
                    structure.parens -= 1
                    structure.depth -= 1
                    structure.canEnd = true
                    index += 1
                } else if closingParen {
                    finish(joining: false)
                    index += 1
                    checkClosed(structure, at: index)
                    return
                } else {
                    problem(index, .unexpected(")"))
                    index += 1
                }
            case UInt8(ascii: "<"), UInt8(ascii: ">"):
                if let last = words.last, last.isDigits, last.end == index {
                    words.removeLast()
                    wordMentions.removeLast()
                }
                redirection()
                structure.canEnd = true
            default:
                let start = index
                var builder = word()
                let lexed = builder.finish(at: index)
                if index == start { index += 1; continue }
                if structure.caseHeaderWords > 0 {
                    // `case WORD in`: the word and `in` are not commands.
                    structure.caseHeaderWords += 1
                    structure.header = true
                    if lexed.keyword == .inWord && structure.caseHeaderWords >= 3 {
                        finish(joining: false)
                        structure.canEnd = false
                        structure.caseHeaderWords = 0
                        structure.cases.append(true)
                        continue
                    }
                    words.append(lexed)
                    wordMentions.append(builder.mentions)
                    structure.canEnd = true
                    continue
                }
                if structure.cases.last == true {
                    // A pattern, up to its `)`; or the `esac` closing the case.
                    if lexed.keyword == .esacWord && words.isEmpty {
                        structure.cases.removeLast()
                        structure.depth -= 1
                        structure.canEnd = true
                        continue
                    }
                    structure.header = true
                }
                if structure.header {
                    words.append(lexed)
                    wordMentions.append(builder.mentions)
                    structure.canEnd = true
                    continue
                }
                if commandPosition && words.isEmpty, let keyword = lexed.keyword, keyword.isReserved {
                    if reservedWord(keyword, &structure, at: start, mentions: builder.mentions) { continue }
                }
                words.append(lexed)
                wordMentions.append(builder.mentions)
                commandPosition = false
                structure.canEnd = true
            }
        }
        finish(joining: false)
        if !pendingHereDocuments.isEmpty { problem(bytes.count, .unclosedHereDocument); pendingHereDocuments = [] }
        if closingParen { problem(bytes.count, .unclosedSubstitution) }
        checkClosed(structure, at: bytes.count)
    }

    private func checkClosed(_ structure: Structure, at offset: Int) {
        if structure.depth != 0 || !structure.cases.isEmpty || structure.parens != 0 { problem(offset, .unbalanced) }
    }

    /// Handles a reserved word in command position; false when it is to be read as an ordinary word.
    private func reservedWord(_ keyword: ShellKeyword, _ structure: inout Structure, at offset: Int,
                              mentions: [(offset: Int, atStart: Bool)]) -> Bool {
        structure.canEnd = [.fiWord, .doneWord, .closeBrace, .esacWord].contains(keyword)
        switch keyword {
        case .ifWord, .whileWord, .untilWord, .openBrace:
            structure.depth += 1
        case .thenWord, .elseWord, .elifWord, .doWord:
            if structure.depth == 0 { problem(offset, .unexpected(keyword.rawValue)) }
        case .bang:
            structure.joined = true
        case .fiWord, .doneWord, .closeBrace:
            structure.depth -= 1
            if structure.depth < 0 { problem(offset, .unexpected(keyword.rawValue)); structure.depth = 0 }
        case .forWord, .select:
            if keyword == .select { problem(offset, .bashOnly("select")) }
            structure.depth += 1
            structure.header = true
        case .caseWord:
            structure.depth += 1
            structure.header = true
            structure.caseHeaderWords = 1
        case .esacWord where !structure.cases.isEmpty:
            structure.cases.removeLast()
            structure.depth -= 1
        case .esacWord, .inWord:
            problem(offset, .unexpected(keyword.rawValue))
        case .function, .coproc, .doubleBracket:
            problem(offset, .bashOnly(keyword.rawValue))
            return false
        default:
            return false
        }
        return true
    }

    /// `()` after a function's name; moves past it. False (nothing consumed) when not a pair.
    private func functionParentheses() -> Bool {
        var at = index + 1
        while at < bytes.count && EnvBytes.isBlank(bytes[at]) { at += 1 }
        guard at < bytes.count && bytes[at] == UInt8(ascii: ")") else { return false }
        index = at + 1
        return true
    }

    /// Skips a parenthesised group (bash's array value), honouring quotes.
    private func skipParenthesised() {
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "("): depth += 1; index += 1
            case UInt8(ascii: ")"): depth -= 1; index += 1; if depth == 0 { return }
            case EnvBytes.space, EnvBytes.tab, EnvBytes.lf: index += 1
            default: _ = word()
            }
        }
    }

    /// A redirection operator at `index` and its target; `<<` and `<<-` queue a here-document.
    private func redirection() {
        let first = bytes[index]
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        if next == UInt8(ascii: "(") {
            problem(index, .bashOnly("process substitution"))
            index += 1
            _ = word()
            skipParenthesised()
            return
        }
        if first == UInt8(ascii: "<") && next == UInt8(ascii: "<") {
            index += 2
            if index < bytes.count && bytes[index] == UInt8(ascii: "<") { problem(index - 2, .bashOnly("<<< here-string")); index += 1; redirectionTarget(); return }
            let stripTabs = index < bytes.count && bytes[index] == UInt8(ascii: "-")
            if stripTabs { index += 1 }
            hereDocumentDelimiter(stripTabs: stripTabs)
            return
        }
        index += 1
        if index < bytes.count && [UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "|")].contains(bytes[index]) { index += 1 }
        if first == UInt8(ascii: "<") && index < bytes.count && bytes[index] == UInt8(ascii: ">") && bytes[index - 1] == first { index += 1 }
        redirectionTarget()
    }

    /// A redirection's target: its expansions count, a bare name in it (a file name) does not.
    private func redirectionTarget() {
        while index < bytes.count && EnvBytes.isBlank(bytes[index]) { index += 1 }
        _ = word()
    }

    /// The first offset of the line holding `offset`.
    func lineStart(_ offset: Int) -> Int {
        var at = offset
        while at > 0 && bytes[at - 1] != EnvBytes.lf { at -= 1 }
        return at
    }
}
