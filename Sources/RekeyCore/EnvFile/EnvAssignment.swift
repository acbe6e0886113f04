/// The parts of an assignment line, as byte offsets: `[blanks][export blanks]NAME[blanks]=value…`.
///
/// A blank between the name and `=` is recorded rather than rejected here, so that such a line still
/// counts when looking for duplicates of a key; `EnvAssignment.layout` then refuses to edit it.
/// Whether the line is an assignment the shell runs at all is `EnvShellView`'s question.
struct EnvAssignment: Sendable, Equatable {
    /// The variable name, always `[A-Za-z_][A-Za-z0-9_]*` (so ASCII, never secret).
    let name: String
    let blankBeforeEquals: Bool
    /// The first byte after `=`.
    let valueStart: Int

    /// Reads the start of `line` as an assignment, or nil when it is not one (blank, comment, any
    /// other shell text).
    static func parse(_ bytes: UnsafeRawBufferPointer, _ line: EnvLine) -> EnvAssignment? {
        let end = line.contentEnd
        var index = EnvBytes.skipBlanks(bytes, line.text)
        let export = Array("export".utf8)
        if end - index > export.count,
           export.indices.allSatisfy({ bytes[index + $0] == export[$0] }),
           EnvBytes.isBlank(bytes[index + export.count]) {
            index = EnvBytes.skipBlanks(bytes, (index + export.count)..<end)
        }
        let nameStart = index
        while index < end && isNameByte(bytes[index], first: index == nameStart) { index += 1 }
        guard index > nameStart else { return nil }
        let nameEnd = index
        index = EnvBytes.skipBlanks(bytes, index..<end)
        guard index < end && bytes[index] == EnvBytes.equals else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self)
        return EnvAssignment(name: name, blankBeforeEquals: index > nameEnd, valueStart: index + 1)
    }

    static func isValidName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        return !utf8.isEmpty && utf8.indices.allSatisfy { isNameByte(utf8[$0], first: $0 == 0) }
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): !first
        default: false
        }
    }

    /// Where the value sits and how it is quoted, or why rekey will not edit this line.
    func layout(_ bytes: UnsafeRawBufferPointer, _ line: EnvLine) -> EnvLayoutOutcome {
        if blankBeforeEquals { return .refused(.blankBeforeEquals) }
        let end = line.contentEnd
        let style: EnvDocument.QuoteStyle
        let value: Range<Int>
        var after: Int
        if valueStart < end, let quote = EnvDocument.QuoteStyle(openingByte: bytes[valueStart]) {
            guard let close = Self.closingQuote(bytes, quote, (valueStart + 1)..<end) else { return .refused(.unclosedQuote) }
            style = quote
            value = (valueStart + 1)..<close
            after = close + 1
            if after < end && !EnvBytes.isBlank(bytes[after]) { return .refused(.textAfterQuote) }
        } else {
            style = .unquoted
            after = valueStart
            while after < end && !EnvBytes.isBlank(bytes[after]) { after += 1 }
            value = valueStart..<after
        }
        after = EnvBytes.skipBlanks(bytes, after..<end)
        if after < end && bytes[after] != EnvBytes.hash { return .refused(.textAfterValue) }
        guard style.canHold(UnsafeRawBufferPointer(rebasing: bytes[value])) else { return .refused(.shellSyntaxInValue) }
        return .editable(EnvValueLayout(style: style, value: value))
    }

    /// The index of the quote that closes `quote` within `range`; inside double quotes a backslash
    /// escapes the next byte, as in the shell.
    static func closingQuote(_ bytes: UnsafeRawBufferPointer, _ quote: EnvDocument.QuoteStyle, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if quote == .double && byte == EnvBytes.backslash { index += 2; continue }
            if byte == quote.quoteByte { return index }
            index += 1
        }
        return nil
    }
}

/// The value of one editable assignment: its bytes (quotes excluded) and its quoting.
struct EnvValueLayout: Sendable, Equatable {
    let style: EnvDocument.QuoteStyle
    let value: Range<Int>
}

/// What `EnvAssignment.layout` found.
enum EnvLayoutOutcome: Sendable, Equatable {
    case editable(EnvValueLayout)
    case refused(EnvLineProblem)
}
