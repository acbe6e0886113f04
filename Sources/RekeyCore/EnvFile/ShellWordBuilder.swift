/// Follows one word's text byte by byte, as quote removal leaves it, without keeping the bytes: it
/// notes whether the word is an assignment, which keyword it spells, and where the key's name
/// appears in it as a whole name.
struct ShellWordBuilder {
    private(set) var word: ShellWord
    /// Offsets of the key's name in this word's text, and whether it starts the text.
    private(set) var mentions: [(offset: Int, atStart: Bool)] = []

    private let key: [UInt8]
    private var textLength = 0
    private var sawEquals = false
    private enum Prefix { case name, assignment, none }
    private var prefix = Prefix.name
    private var pendingPlus = false
    private var nameHash: UInt64 = 0xCBF2_9CE4_8422_2325
    private var keywordsAlive: UInt64
    private var run = (start: 0, length: 0, matches: true, atStart: false)
    private var braceOpen = false
    private var braceHasList = false
    private var lastUnquotedDot = false
    /// The text starts with `-`: its next bytes (at most 16) are option letters.
    private var looksLikeOption = false
    private var optionLetters: [UInt8] = []

    init(start: Int, key: [UInt8]) {
        word = ShellWord(start: start, end: start)
        self.key = key
        keywordsAlive = (1 << UInt64(ShellKeyword.bytes.count)) - 1
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: false
        }
    }

    /// One byte of the word's text at `offset` in the file; `quoted` when quoting or escaping made it
    /// literal.
    mutating func literal(_ byte: UInt8, at offset: Int, quoted: Bool) {
        if quoted { markQuoted() }
        matchKeywords(byte)
        if !(byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || quoted { word.isDigits = false }
        if textLength == 0 { looksLikeOption = byte == UInt8(ascii: "-") } else if looksLikeOption && optionLetters.count < 16 { optionLetters.append(byte) }
        if !quoted { followPrefix(byte) } else if prefix == .name { prefix = .none }
        if byte == EnvBytes.equals { sawEquals = true }
        if !quoted { followBraces(byte) }
        if Self.isNameByte(byte) {
            if run.length == 0 { run = (offset, 0, true, textLength == 0) }
            if run.matches { run.matches = run.length < key.count && key[run.length] == byte }
            run.length += 1
        } else {
            endRun()
        }
        textLength += 1
    }

    /// An expansion in the word: its text is not known.
    mutating func expansion() {
        endRun()
        word.hasExpansion = true
        word.isDigits = false
        looksLikeOption = false
        if !sawEquals { word.expansionBeforeEquals = true }
        if prefix == .name { prefix = .none }
        keywordsAlive = 0
        textLength += 1
    }

    mutating func markQuoted() {
        word.isQuoted = true
        word.isDigits = false
        if prefix == .name { prefix = .none }
    }

    /// The word, with its end offset.
    mutating func finish(at end: Int) -> ShellWord {
        endRun()
        word.end = end
        if textLength == 0 { word.isDigits = false }
        word.isName = prefix == .name && textLength > 0 && !pendingPlus
        if word.isName { word.nameHash = nameHash }
        word.isNamerefOption = looksLikeOption && optionLetters.allSatisfy(Self.isNameByte) && optionLetters.contains(UInt8(ascii: "n"))
        word.isPrintfVariableOption = looksLikeOption && optionLetters.first == UInt8(ascii: "v")
        if looksLikeOption {
            for letter in optionLetters where letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") {
                word.optionLetters |= 1 << UInt32(letter - UInt8(ascii: "a"))
            }
        }
        if !sawEquals && word.hasExpansion { word.expansionBeforeEquals = true }
        if let index = ShellKeyword.bytes.indices.first(where: { keywordsAlive & (1 << UInt64($0)) != 0 && ShellKeyword.bytes[$0].1.count == textLength }) {
            let keyword = ShellKeyword.bytes[index].0
            if !(keyword.isReserved && word.isQuoted) { word.keyword = keyword }
        }
        return word
    }

    private mutating func matchKeywords(_ byte: UInt8) {
        guard keywordsAlive != 0 else { return }
        for (index, entry) in ShellKeyword.bytes.enumerated() where keywordsAlive & (1 << UInt64(index)) != 0 {
            if textLength >= entry.1.count || entry.1[textLength] != byte { keywordsAlive &= ~(1 << UInt64(index)) }
        }
    }

    private mutating func followPrefix(_ byte: UInt8) {
        guard prefix == .name else { return }
        if pendingPlus {
            if byte == EnvBytes.equals && textLength > 1 {
                prefix = .assignment; word.isAssignment = true; word.isAppend = true; word.nameHash = nameHash
            } else {
                prefix = .none
            }
            return
        }
        if byte == EnvBytes.equals {
            if textLength > 0 { prefix = .assignment; word.isAssignment = true; word.nameHash = nameHash } else { prefix = .none }
        } else if byte == UInt8(ascii: "+") {
            pendingPlus = true
        } else if !Self.isNameByte(byte) || (textLength == 0 && byte <= UInt8(ascii: "9")) {
            prefix = .none
        } else {
            nameHash = (nameHash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
    }

    private mutating func followBraces(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "{"): braceOpen = true; braceHasList = false
        case UInt8(ascii: ","): if braceOpen { braceHasList = true }
        case UInt8(ascii: "."): if braceOpen && lastUnquotedDot { braceHasList = true }
        case UInt8(ascii: "}"): if braceOpen && braceHasList { word.hasBraceExpansion = true }; braceOpen = false
        default: break
        }
        lastUnquotedDot = byte == UInt8(ascii: ".")
    }

    private mutating func endRun() {
        if run.length == key.count && run.matches { mentions.append((run.start, run.atStart)) }
        run.length = 0
    }
}
