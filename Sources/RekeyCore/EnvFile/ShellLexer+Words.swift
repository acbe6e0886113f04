extension ShellLexer {
    static func isMeta(_ byte: UInt8) -> Bool {
        switch byte {
        case EnvBytes.space, EnvBytes.tab, EnvBytes.lf, UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"): true
        default: false
        }
    }

    /// Reads one word starting at `index`, up to the first unquoted metacharacter.
    func word() -> ShellWordBuilder {
        var builder = ShellWordBuilder(start: index, key: key)
        while index < bytes.count, !Self.isMeta(bytes[index]) {
            let byte = bytes[index]
            switch byte {
            case EnvBytes.backslash: escaped(&builder)
            case EnvBytes.singleQuote: singleQuoted(&builder)
            case EnvBytes.doubleQuote: doubleQuoted(&builder)
            case UInt8(ascii: "$"): dollar(&builder, inDoubleQuotes: false)
            case UInt8(ascii: "`"): backquoted(&builder)
            default:
                builder.literal(byte, at: index, quoted: false)
                index += 1
            }
        }
        return builder
    }

    /// A backslash: removed with the newline after it (the lines join), else it quotes the next byte.
    func escaped(_ builder: inout ShellWordBuilder) {
        if index + 1 < bytes.count && bytes[index + 1] == EnvBytes.lf { index += 2; return }
        if index + 1 < bytes.count {
            builder.literal(bytes[index + 1], at: index + 1, quoted: true)
            index += 2
        } else {
            builder.literal(EnvBytes.backslash, at: index, quoted: false)
            index += 1
        }
    }

    func singleQuoted(_ builder: inout ShellWordBuilder) {
        let open = index
        builder.markQuoted()
        index += 1
        while index < bytes.count && bytes[index] != EnvBytes.singleQuote {
            builder.literal(bytes[index], at: index, quoted: true)
            index += 1
        }
        if index >= bytes.count { problem(open, .unclosedSingleQuote) } else { index += 1 }
    }

    func doubleQuoted(_ builder: inout ShellWordBuilder) {
        let open = index
        builder.markQuoted()
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case EnvBytes.doubleQuote:
                index += 1
                return
            case EnvBytes.backslash: quotedBackslash(&builder, escaping: Self.escapableInDoubleQuotes)
            case UInt8(ascii: "$"): dollar(&builder, inDoubleQuotes: true)
            case UInt8(ascii: "`"): backquoted(&builder)
            default:
                builder.literal(byte, at: index, quoted: true)
                index += 1
            }
        }
        problem(open, .unclosedDoubleQuote)
    }

    static let escapableInDoubleQuotes: [UInt8] = [UInt8(ascii: "$"), UInt8(ascii: "`"), EnvBytes.doubleQuote, EnvBytes.backslash]
    static let escapableInHereDocuments: [UInt8] = [UInt8(ascii: "$"), UInt8(ascii: "`"), EnvBytes.backslash]

    /// A backslash inside double quotes or an unquoted here-document: removed with a newline after
    /// it, quoting the next byte when that is one of `escaping`, else a literal backslash.
    func quotedBackslash(_ builder: inout ShellWordBuilder, escaping: [UInt8]) {
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        if next == EnvBytes.lf {
            index += 2
        } else if escaping.contains(next) {
            builder.literal(next, at: index + 1, quoted: true)
            index += 2
        } else {
            builder.literal(EnvBytes.backslash, at: index, quoted: true)
            index += 1
        }
    }

    /// A backquoted command substitution: runs in a subshell, so only its end matters.
    func backquoted(_ builder: inout ShellWordBuilder) {
        let open = index
        builder.expansion()
        index += 1
        while index < bytes.count && bytes[index] != UInt8(ascii: "`") {
            index += bytes[index] == EnvBytes.backslash ? 2 : 1
        }
        if index >= bytes.count { problem(open, .unclosedSubstitution); index = bytes.count } else { index += 1 }
    }

    /// `$…` at `index`: a parameter, `${…}`, `$(…)`, `$((…))`, bash's `$'…'` and `$"…"`, or a plain `$`.
    func dollar(_ builder: inout ShellWordBuilder, inDoubleQuotes: Bool) {
        let open = index
        // Every nested construct passes through here: a cap keeps a hostile file from exhausting the stack.
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else {
            problem(open, .tooDeep)
            index = bytes.count
            return
        }
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        switch next {
        case EnvBytes.singleQuote where !inDoubleQuotes:
            problem(open, .bashOnly("$'…' quoting"))
            index += 1
            builder.expansion()
            singleQuoted(&builder)
        case EnvBytes.doubleQuote where !inDoubleQuotes:
            problem(open, .bashOnly("$\"…\" quoting"))
            index += 1
            doubleQuoted(&builder)
        case UInt8(ascii: "("):
            builder.expansion()
            if index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "(") { arithmetic() } else { commandSubstitution() }
        case UInt8(ascii: "{"):
            builder.expansion()
            braced(&builder, inDoubleQuotes: inDoubleQuotes)
        case _ where ShellWordBuilder.isNameByte(next) && !(next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9")):
            builder.expansion()
            index += 1
            while index < bytes.count && ShellWordBuilder.isNameByte(bytes[index]) { index += 1 }
        case UInt8(ascii: "@"), UInt8(ascii: "*"), UInt8(ascii: "#"), UInt8(ascii: "?"), UInt8(ascii: "-"), UInt8(ascii: "$"),
             UInt8(ascii: "!"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            builder.expansion()
            index += 2
        default:
            builder.literal(UInt8(ascii: "$"), at: index, quoted: inDoubleQuotes)
            index += 1
        }
    }

    /// `$(…)`: lexed as commands (to find its end and any here-documents), in a subshell.
    func commandSubstitution() {
        index += 2
        subshell += 1
        list(closingParen: true)
        subshell -= 1
    }

    /// `$((…))`: the key's bare name inside may be assigned (`$((KEY=1))`).
    func arithmetic() {
        let open = index
        index += 3
        var depth = 0
        var run = ShellWordBuilder(start: index, key: key)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ")") && depth == 0 {
                index += index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ")") ? 2 : 1
                recordArithmetic(run.finish(at: index), run.mentions)
                return
            }
            switch byte {
            case UInt8(ascii: "("): depth += 1; run.literal(byte, at: index, quoted: false); index += 1
            case UInt8(ascii: ")"): depth -= 1; run.literal(byte, at: index, quoted: false); index += 1
            case UInt8(ascii: "$"): dollar(&run, inDoubleQuotes: true)
            case EnvBytes.backslash where index + 1 < bytes.count && bytes[index + 1] == EnvBytes.lf: index += 2
            default: run.literal(byte, at: index, quoted: false); index += 1
            }
        }
        problem(open, .unclosedSubstitution)
    }

    private func recordArithmetic(_ word: ShellWord, _ found: [(offset: Int, atStart: Bool)]) {
        guard subshell == 0 else { return }
        for mention in found { scan.mentions.append(ShellMention(offset: mention.offset, kind: .arithmetic)) }
    }

    /// `${…}`: POSIX forms only; the key with `=`/`:=` assigns it, with `?`/`:?` may stop the shell.
    func braced(_ builder: inout ShellWordBuilder, inDoubleQuotes: Bool) {
        let open = index
        index += 2
        guard index < bytes.count else { problem(open, .unclosedSubstitution); return }
        switch bytes[index] {
        case EnvBytes.space, EnvBytes.tab, EnvBytes.lf, UInt8(ascii: "|"): problem(open, .bashOnly("${ command; } substitution"))
        case UInt8(ascii: "!"): problem(open, .bashOnly("${!…} indirection"))
        case UInt8(ascii: "#") where index + 1 < bytes.count && bytes[index + 1] != UInt8(ascii: "}"): index += 1
        default: break
        }
        let nameStart = index
        if index < bytes.count && ShellWordBuilder.isNameByte(bytes[index]) && !(bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9")) {
            while index < bytes.count && ShellWordBuilder.isNameByte(bytes[index]) { index += 1 }
        } else if index < bytes.count && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") {
            while index < bytes.count && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") { index += 1 }
        } else if index < bytes.count && "@*#?-$!".utf8.contains(bytes[index]) {
            index += 1
        } else {
            problem(open, .badSubstitution)
        }
        let isKey = index - nameStart == key.count && (0..<key.count).allSatisfy { bytes[nameStart + $0] == key[$0] }
        var operatorByte: UInt8 = UInt8(ascii: "}")
        if index < bytes.count {
            var at = index
            if bytes[at] == UInt8(ascii: ":") { at += 1 }
            operatorByte = at < bytes.count ? bytes[at] : 0
            let colon = at > index
            switch operatorByte {
            case UInt8(ascii: "}") where !colon: break
            case UInt8(ascii: "-"), UInt8(ascii: "+"): break
            case UInt8(ascii: "="): if isKey && subshell == 0 { scan.mentions.append(ShellMention(offset: nameStart, kind: .expansionAssigns)) }
            case UInt8(ascii: "?"): if isKey && subshell == 0 { scan.mentions.append(ShellMention(offset: nameStart, kind: .expansionChecks)) }
            case UInt8(ascii: "%") where !colon, UInt8(ascii: "#") where !colon: break
            case UInt8(ascii: "/"), UInt8(ascii: "^"), UInt8(ascii: ","), UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: ":"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), EnvBytes.space:
                problem(open, .bashOnly("${…} operators other than - = ? + % # and their : forms"))
            default: if colon { problem(open, .bashOnly("${…:offset} substrings")) } else { problem(open, .badSubstitution) }
            }
        }
        // The word after the operator, up to the matching brace.
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "}"): index += 1; return
            case EnvBytes.backslash: escaped(&builder)
            case EnvBytes.singleQuote where !inDoubleQuotes: singleQuoted(&builder)
            case EnvBytes.doubleQuote: doubleQuoted(&builder)
            case UInt8(ascii: "$"): dollar(&builder, inDoubleQuotes: inDoubleQuotes)
            case UInt8(ascii: "`"): backquoted(&builder)
            default: builder.literal(byte, at: index, quoted: inDoubleQuotes); index += 1
            }
        }
        problem(open, .unclosedSubstitution)
    }
}
