extension ShellLexer {
    /// The delimiter word after `<<` or `<<-`: any quoting makes the body literal.
    func hereDocumentDelimiter(stripTabs: Bool) {
        while index < bytes.count && EnvBytes.isBlank(bytes[index]) { index += 1 }
        var delimiter: [UInt8] = []
        var quoted = false
        while index < bytes.count, !Self.isMeta(bytes[index]) {
            let byte = bytes[index]
            if byte == EnvBytes.singleQuote || byte == EnvBytes.doubleQuote {
                quoted = true
                index += 1
                while index < bytes.count && bytes[index] != byte { delimiter.append(bytes[index]); index += 1 }
                index += 1
            } else if byte == EnvBytes.backslash {
                quoted = true
                if index + 1 < bytes.count { delimiter.append(bytes[index + 1]) }
                index += 2
            } else {
                delimiter.append(byte)
                index += 1
            }
        }
        if delimiter.isEmpty && !quoted { problem(index, .unexpected("<<")) }
        pendingHereDocuments.append((delimiter, quoted, stripTabs))
    }

    /// Reads the bodies of the here-documents queued on the line just ended. The key's bare name in
    /// a body counts (the body may feed `read` or `.`); in an unquoted body, expansions count too.
    func hereDocuments() {
        let queued = pendingHereDocuments
        pendingHereDocuments = []
        for document in queued {
            var builder = ShellWordBuilder(start: index, key: key)
            var closed = false
            while index < bytes.count {
                var lineEnd = index
                while lineEnd < bytes.count && bytes[lineEnd] != EnvBytes.lf { lineEnd += 1 }
                var textStart = index
                if document.stripTabs { while textStart < lineEnd && bytes[textStart] == EnvBytes.tab { textStart += 1 } }
                if lineEnd - textStart == document.delimiter.count
                    && document.delimiter.indices.allSatisfy({ bytes[textStart + $0] == document.delimiter[$0] }) {
                    index = min(lineEnd + 1, bytes.count)
                    closed = true
                    break
                }
                bodyLine(&builder, quoted: document.quoted)
            }
            _ = builder.finish(at: index)
            if subshell == 0 {
                for mention in builder.mentions { scan.mentions.append(ShellMention(offset: mention.offset, kind: .hereDocument)) }
            }
            if !closed {
                problem(index, .unclosedHereDocument)
                return
            }
        }
    }

    /// One line of a body, with its newline.
    private func bodyLine(_ builder: inout ShellWordBuilder, quoted: Bool) {
        while index < bytes.count && bytes[index] != EnvBytes.lf {
            let byte = bytes[index]
            if quoted {
                builder.literal(byte, at: index, quoted: true)
                index += 1
                continue
            }
            switch byte {
            case EnvBytes.backslash: quotedBackslash(&builder, escaping: Self.escapableInHereDocuments)
            case UInt8(ascii: "$"): dollar(&builder, inDoubleQuotes: true)
            case UInt8(ascii: "`"): backquoted(&builder)
            default:
                builder.literal(byte, at: index, quoted: true)
                index += 1
            }
        }
        if index < bytes.count {
            builder.literal(EnvBytes.lf, at: index, quoted: true)
            index += 1
        }
    }
}
