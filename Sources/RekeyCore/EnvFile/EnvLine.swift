/// One physical line of an env file, as byte offsets into the file's contents. Holds no bytes.
///
/// Lines end at LF. A CR directly before the LF belongs to the terminator (`\r\n`); a CR anywhere
/// else is ordinary text. The last line may have no terminator. A UTF-8 byte order mark at the very
/// start of the file is not part of line 1's text: `start` of line 1 points past it.
struct EnvLine: Sendable, Equatable {
    /// 1-based, as editors and error messages count.
    let number: Int
    /// First byte of the line's text.
    let start: Int
    /// One past the last byte of the text, before the terminator.
    let contentEnd: Int
    /// One past the terminator; equal to `contentEnd` when the file ends without one.
    let end: Int

    var text: Range<Int> { start..<contentEnd }
    var terminator: Range<Int> { contentEnd..<end }
    var hasTerminator: Bool { end > contentEnd }
}

enum EnvBytes {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let hash: UInt8 = 0x23
    static let bang: UInt8 = 0x21
    static let equals: UInt8 = 0x3D
    static let doubleQuote: UInt8 = 0x22
    static let singleQuote: UInt8 = 0x27
    static let backslash: UInt8 = 0x5C
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// The length of a UTF-8 byte order mark at the start of `bytes`, or 0.
    static func byteOrderMarkLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// Splits `bytes` into lines. An empty file (or one holding only a BOM) has no lines; a file
    /// ending in a terminator has no empty line after it.
    static func lines(_ bytes: UnsafeRawBufferPointer) -> [EnvLine] {
        var lines: [EnvLine] = []
        var position = byteOrderMarkLength(bytes)
        while position < bytes.count {
            var newline = position
            while newline < bytes.count && bytes[newline] != lf { newline += 1 }
            let number = lines.count + 1
            if newline == bytes.count {
                lines.append(EnvLine(number: number, start: position, contentEnd: newline, end: newline))
            } else {
                let hasCR = newline > position && bytes[newline - 1] == cr
                lines.append(EnvLine(number: number, start: position, contentEnd: hasCR ? newline - 1 : newline, end: newline + 1))
            }
            position = newline + 1
        }
        return lines
    }

    /// The first index in `range` that is not a space or tab (or `range.upperBound`).
    static func skipBlanks(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int {
        var index = range.lowerBound
        while index < range.upperBound && isBlank(bytes[index]) { index += 1 }
        return index
    }
}
