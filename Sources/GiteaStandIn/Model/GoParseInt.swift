/// Go's `strconv.ParseInt(s, 0, 64)`, returning the value Go returns with its error ignored,
/// as Gitea's `DeleteAccessToken` (routers/api/v1/user/app.go) does: `0x1f` is hex, `0o17` and
/// a leading `0` octal, `0b101` binary, `_` between digits allowed; a syntax error gives 0 (so
/// the segment is taken as a token name) and an out-of-range number the nearest bound.
enum GoParseInt {
    static func base0(_ text: String) -> Int64 {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return 0 }
        var negative = false
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty else { return 0 }
        let unsignedText = bytes
        var base: UInt64 = 10
        if bytes.first == UInt8(ascii: "0") {
            let second = bytes.count >= 3 ? lower(bytes[bytes.startIndex + 1]) : 0
            switch second {
            case UInt8(ascii: "b"): base = 2; bytes = bytes.dropFirst(2)
            case UInt8(ascii: "o"): base = 8; bytes = bytes.dropFirst(2)
            case UInt8(ascii: "x"): base = 16; bytes = bytes.dropFirst(2)
            default: base = 8; bytes = bytes.dropFirst()
            }
        }
        var value: UInt64 = 0
        var sawUnderscore = false
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                sawUnderscore = true
                continue
            }
            guard let digit = digitValue(byte), UInt64(digit) < base else { return 0 }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: base)
            let (next, overflow2) = shifted.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return negative ? .min : .max }
            value = next
        }
        if sawUnderscore && !underscoresOK(unsignedText) { return 0 }
        if negative {
            return value > UInt64(Int64.max) ? .min : -Int64(value)
        }
        return value > UInt64(Int64.max) ? .max : Int64(value)
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte | 0x20 }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    /// Go's `underscoreOK`: underscores only between digits, or right after a base prefix.
    private static func underscoresOK(_ bytes: ArraySlice<UInt8>) -> Bool {
        var saw: Character = "^"
        var index = bytes.startIndex
        var hex = false
        if bytes.count >= 2, bytes[index] == UInt8(ascii: "0"),
            [UInt8(ascii: "b"), UInt8(ascii: "o"), UInt8(ascii: "x")].contains(lower(bytes[index + 1]))
        {
            hex = lower(bytes[index + 1]) == UInt8(ascii: "x")
            index += 2
            saw = "0"
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (hex && (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(lower(byte)))
            if isDigit {
                saw = "0"
                continue
            }
            if byte == UInt8(ascii: "_") {
                if saw != "0" { return false }
                saw = "_"
                continue
            }
            if saw == "_" { return false }
            saw = "!"
        }
        return saw != "_"
    }
}
