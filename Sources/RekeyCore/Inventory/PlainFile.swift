#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file the inventory inspects (`--scan`, `--import`): opened `O_NOFOLLOW | O_NONBLOCK`,
/// a regular file of at most 1 MiB, else nil with the reason. The bytes are a `SecretBytes`: such a
/// file may hold live tokens.
enum PlainFile {
    static let maxBytes = 1 << 20

    enum Outcome {
        case read(SecretBytes)
        case skipped(String)
    }

    static func read(_ path: String) -> Outcome {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .skipped(errno == ELOOP ? "a symlink" : "unreadable (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .skipped("unreadable") }
        guard info.st_mode & S_IFMT == S_IFREG else { return .skipped("not a regular file") }
        guard Int(info.st_size) <= maxBytes else { return .skipped("over 1 MiB") }
        let bytes = SecretBytes(count: Int(info.st_size))
        let count = bytes.withUnsafeMutableBytes { buffer -> Int in
            (try? AtomicFile.readFully(fd, into: buffer, path: path)) ?? -1
        }
        guard count == bytes.count else { return .skipped("changed while read") }
        return .read(bytes)
    }
}

/// One place a token-like value occurs in a file: line, variable (when the line assigns one) and
/// the value itself (kept secret).
struct TokenOccurrence {
    var line: Int
    var variable: String?
    var value: SecretBytes
}

enum TokenFinder {
    /// Every run of exactly 40 lowercase hex digits not touching another letter or digit, with the
    /// variable its line assigns (`[export] NAME=`). A file with a NUL byte is binary: nothing.
    static func occurrences(in bytes: SecretBytes) -> [TokenOccurrence] {
        bytes.withUnsafeBytes { raw -> [TokenOccurrence] in
            let data = raw.bindMemory(to: UInt8.self)
            if data.contains(0) { return [] }
            var found: [TokenOccurrence] = []
            var lineNumber = 1
            var lineStart = 0
            var index = 0
            func isHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }
            func isWord(_ b: UInt8) -> Bool { isHex(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
            while index < data.count {
                let byte = data[index]
                if byte == 0x0A { lineNumber += 1; lineStart = index + 1; index += 1; continue }
                guard isHex(byte), index == 0 || !isWord(data[index - 1]) else { index += 1; continue }
                var end = index
                while end < data.count, isHex(data[end]) { end += 1 }
                if end - index == 40, end == data.count || !isWord(data[end]) {
                    let value = SecretBytes(copying: UnsafeRawBufferPointer(rebasing: raw[index..<end]))
                    found.append(TokenOccurrence(line: lineNumber, variable: variable(in: data, from: lineStart, to: index), value: value))
                }
                index = max(end, index + 1)
            }
            return found
        }
    }

    /// The variable a line assigns before `end`: `[blanks][export blanks]NAME=`.
    private static func variable(in data: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> String? {
        let prefix = String(decoding: UnsafeBufferPointer(rebasing: data[start..<end]), as: UTF8.self)
        var text = Substring(prefix).drop { $0 == " " || $0 == "\t" }
        if text.hasPrefix("export ") || text.hasPrefix("export\t") { text = text.dropFirst(7).drop { $0 == " " || $0 == "\t" } }
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<equals])
        let rest = text[text.index(after: equals)...]
        guard EnvironmentExpansion.isVariableName(name), rest.isEmpty || rest == "\"" || rest == "'" else { return nil }
        return name
    }
}
