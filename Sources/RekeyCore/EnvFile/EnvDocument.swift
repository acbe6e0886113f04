/// An env file that cron jobs and services `source`, edited byte for byte: replacing one key's value
/// and the comment line above it changes nothing else: not other lines, not line endings (LF or CRLF,
/// per line), not a missing final newline, a UTF-8 BOM, trailing blanks or non-UTF-8 bytes.
///
/// The dialect, deliberately narrow. Lines end at LF (a CR right before it is part of the
/// terminator; any other CR is text). An assignment of `KEY` is a line that is
///
///     [blanks] [export blanks] KEY=value [blanks [# anything]]
///
/// where blanks are spaces and tabs, nothing stands between `KEY` and `=` or between `=` and the
/// value, and `value` is one of
/// - unquoted: `KEY=v`, ending at the first blank; no shell syntax in it (see `QuoteStyle`);
/// - double-quoted: `KEY="v"`, closed on the same line, without `"`, `\`, `$` or backtick inside;
/// - single-quoted: `KEY='v'`, closed on the same line, without `'` inside.
///
/// After the value come only blanks and, optionally, a `#` comment, kept verbatim. The same limits
/// apply to the value already in the file, so `value(of:)` returns exactly what the shell would see.
///
/// Not assignments, and kept verbatim: comments (`# KEY=…`), other names sharing a prefix
/// (`KEY_OLD=`), `readonly`/`declare`/`KEY+=` forms, and lines that continue a previous line: the
/// inside of a quoted value that spans lines (`OTHER="…` up to its closing quote) and the line after
/// one ending in a backslash. A line that does name `KEY` before `=` but is not in the form above
/// (`KEY = v`, `KEY="v`, `KEY=v rest`, `KEY=$(cmd)`) counts for duplicates but is refused for editing.
///
/// The comment line above the key is a line whose first non-blank byte is `#`, except a `#!` shebang
/// on line 1 and a line inside another value spanning lines, which are never replaced. A replaced
/// comment line loses its indentation; an inserted one starts at column 1.
public struct EnvDocument: Sendable {
    /// Used in messages only.
    public let path: String
    let contents: SecretBytes
    let lines: [EnvLine]
    /// For each line: whether it continues the line before (so is not an assignment on its own).
    let isContinuation: [Bool]

    /// Parses `contents`. Never fails: lines rekey does not understand are kept as they are.
    public init(contents: SecretBytes, path: String) {
        self.contents = contents
        self.path = path
        (lines, isContinuation) = contents.withUnsafeBytes { bytes in
            let lines = EnvBytes.lines(bytes)
            return (lines, Self.continuations(bytes, lines))
        }
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
        let (index, layout) = try locate(key)
        guard !comment.utf8.contains(where: { $0 == EnvBytes.lf || $0 == EnvBytes.cr }) else {
            throw .commentHasNewline(path: path)
        }
        guard value.withUnsafeBytes({ layout.style.canHold($0) }) else {
            throw .valueNotRepresentable(key: key, path: path, style: layout.style)
        }
        let commentBytes = Array((comment.hasPrefix("#") ? comment : "# " + comment).utf8)
        let line = lines[index]
        var pieces: [EnvSplice.Piece]
        if index > 0, !isContinuation[index - 1], isReplaceableComment(lines[index - 1]) {
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
    /// The single editable assignment of `key`, or the error the user must fix.
    func locate(_ key: String) throws(EnvFileError) -> (index: Int, layout: EnvValueLayout) {
        guard EnvAssignment.isValidName(key) else { throw .keyInvalid(key: key, path: path) }
        let found: Result<(Int, EnvValueLayout), EnvFileError> = contents.withUnsafeBytes { bytes in
            var matches: [(index: Int, assignment: EnvAssignment)] = []
            for (index, line) in lines.enumerated() where !isContinuation[index] {
                if let assignment = EnvAssignment.parse(bytes, line), assignment.name == key {
                    matches.append((index, assignment))
                }
            }
            guard let match = matches.first else { return .failure(.keyMissing(key: key, path: path)) }
            guard matches.count == 1 else {
                return .failure(.keyDuplicated(key: key, path: path, lines: matches.map { lines[$0.index].number }))
            }
            let line = lines[match.index]
            switch match.assignment.layout(bytes, line) {
            case .editable(let layout): return .success((match.index, layout))
            case .refused(let problem): return .failure(.lineNotEditable(key: key, path: path, line: line.number, problem: problem))
            }
        }
        return try found.get()
    }

    /// Whether `line` is a comment rekey may overwrite: first non-blank byte `#`, not a shebang.
    func isReplaceableComment(_ line: EnvLine) -> Bool {
        contents.withUnsafeBytes { bytes in
            let first = EnvBytes.skipBlanks(bytes, line.text)
            guard first < line.contentEnd, bytes[first] == EnvBytes.hash else { return false }
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

    /// Marks lines that belong to the line before: inside a quoted value opened on an earlier line,
    /// or following a line that ends in an unescaped backslash.
    static func continuations(_ bytes: UnsafeRawBufferPointer, _ lines: [EnvLine]) -> [Bool] {
        var result = [Bool](repeating: false, count: lines.count)
        var openQuote: QuoteStyle?
        var continues = false
        for (index, line) in lines.enumerated() {
            var rest = line.text
            if let quote = openQuote {
                result[index] = true
                guard let close = EnvAssignment.closingQuote(bytes, quote, line.text) else { continue }
                openQuote = nil
                rest = (close + 1)..<line.contentEnd
            } else if continues {
                result[index] = true
            } else {
                let first = EnvBytes.skipBlanks(bytes, line.text)
                if first < line.contentEnd && bytes[first] == EnvBytes.hash { continue }
                if let quote = EnvAssignment.parse(bytes, line)?.opensMultilineQuote(bytes, line) {
                    openQuote = quote
                    continue
                }
            }
            var backslashes = 0
            while backslashes < rest.count && bytes[rest.upperBound - 1 - backslashes] == EnvBytes.backslash { backslashes += 1 }
            continues = backslashes % 2 == 1
        }
        return result
    }
}
