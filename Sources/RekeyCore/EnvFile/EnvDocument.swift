/// An env file that cron jobs and services `source`, edited byte for byte: replacing one key's value
/// and the comment line above it changes nothing else: not other lines, not line endings (LF or CRLF,
/// per line), not a missing final newline, a UTF-8 BOM, trailing blanks or non-UTF-8 bytes.
///
/// The file is read the way sh and bash read it (`ShellLexer`), and a key is edited only when exactly
/// one line is the assignment the shell ends up with (`EnvShellView`); README "The env file dialect"
/// states the rules. Line numbers count LF-terminated lines; a CR before the LF is part of the
/// terminator for rekey's edits, but ordinary text to the shell. An editable line is
///
///     [blanks] [export blanks] KEY=value [blanks [# anything]]
///
/// where `value` is unquoted, double-quoted or single-quoted on that line, without the bytes the
/// shell would expand in that quoting (see `QuoteStyle`), so `value(of:)` returns exactly what the
/// shell sees.
///
/// The comment line above the key is a line that is a comment to the shell from its first non-blank
/// byte, except a `#!` shebang on line 1. A replaced comment line loses its indentation; an inserted
/// one starts at column 1.
public struct EnvDocument: Sendable {
    /// Used in messages only.
    public let path: String
    let contents: SecretBytes
    let lines: [EnvLine]

    /// Parses `contents`. Never fails: lines rekey does not understand are kept as they are.
    public init(contents: SecretBytes, path: String) {
        self.contents = contents
        self.path = path
        lines = contents.withUnsafeBytes { EnvBytes.lines($0) }
    }

    /// The 1-based number of the line holding the single assignment of `key`.
    public func keyLine(_ key: String) throws(EnvFileError) -> Int {
        lines[try locate(key).index].number
    }

    /// The current value of `key`, without its quotes.
    public func value(of key: String) throws(EnvFileError) -> SecretBytes {
        contents.slice(try locate(key).layout.value)
    }

    /// The whole file with `key`'s value replaced by `value` (in the quoting style the file already
    /// uses) and the comment line directly above the key replaced by `comment`, or a new comment line
    /// inserted there when the line above is not a comment. `comment` gets a `# ` prefix unless it
    /// starts with `#`.
    public func replacing(key: String, value: SecretBytes, comment: String) throws(EnvFileError) -> SecretBytes {
        let (index, layout, commentStarts) = try locate(key)
        guard !comment.utf8.contains(where: { $0 == EnvBytes.lf || $0 == EnvBytes.cr }) else {
            throw .commentHasNewline(path: path)
        }
        guard value.withUnsafeBytes({ layout.style.canHold($0) }) else {
            throw .valueNotRepresentable(key: key, path: path, style: layout.style)
        }
        let commentBytes = Array((comment.hasPrefix("#") ? comment : "# " + comment).utf8)
        let line = lines[index]
        var pieces: [EnvSplice.Piece]
        if index > 0, isReplaceableComment(lines[index - 1], commentStarts) {
            let above = lines[index - 1]
            pieces = [.original(0..<above.start), .plain(commentBytes), .original(above.contentEnd..<layout.value.lowerBound)]
        } else {
            pieces = [.original(0..<line.start), .plain(commentBytes + insertedTerminator(before: index)),
                      .original(line.start..<layout.value.lowerBound)]
        }
        pieces += [.secret(value), .original(layout.value.upperBound..<contents.count)]
        return EnvSplice.assemble(pieces, from: contents)
    }
}

extension EnvDocument {
    /// The single assignment of `key` the shell ends up with, editable, or the error the user must fix;
    /// with the offsets of the file's comments (as the shell sees them).
    func locate(_ key: String) throws(EnvFileError) -> (index: Int, layout: EnvValueLayout, commentStarts: Set<Int>) {
        guard EnvAssignment.isValidName(key) else { throw .keyInvalid(key: key, path: path) }
        let found: Result<(Int, EnvValueLayout, Set<Int>), EnvFileError> = contents.withUnsafeBytes { bytes in
            let scan = ShellLexer.scan(bytes, key: key)
            return EnvShellView(bytes: bytes, lines: lines, key: key, path: path, scan: scan).locate().map { ($0.0, $0.1, scan.commentStarts) }
        }
        return try found.get()
    }

    /// Whether `line` is a comment rekey may overwrite: a comment to the shell from its first
    /// non-blank byte, not a shebang.
    func isReplaceableComment(_ line: EnvLine, _ commentStarts: Set<Int>) -> Bool {
        contents.withUnsafeBytes { bytes in
            let first = EnvBytes.skipBlanks(bytes, line.text)
            guard first < line.contentEnd, commentStarts.contains(first) else { return false }
            let isShebang = line.number == 1 && first == line.start && first + 1 < line.contentEnd && bytes[first + 1] == EnvBytes.bang
            return !isShebang
        }
    }

    /// The terminator for a comment line inserted above line `index`: that line's own, else (it is
    /// the last line, without one) the previous line's, else LF.
    func insertedTerminator(before index: Int) -> [UInt8] {
        let candidates = [lines[index]] + (index > 0 ? [lines[index - 1]] : [])
        guard let source = candidates.first(where: \.hasTerminator) else { return [EnvBytes.lf] }
        return contents.withUnsafeBytes { Array($0[source.terminator]) }
    }
}
