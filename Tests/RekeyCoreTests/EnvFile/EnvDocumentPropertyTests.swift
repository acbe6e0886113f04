import Testing
@testable import RekeyCore

/// Builds many varied env files and checks, for each, that the new file differs from the old one only
/// in the key line (only its value) and the comment line directly above it.
@Suite("EnvDocument changes only the key line and the comment line")
struct EnvDocumentPropertyTests {
    enum Above: CaseIterable { case comment, blank, assignment, nothing }
    enum Endings: CaseIterable { case lf, crlf, mixed }

    struct Variant: CustomTestStringConvertible {
        let above: Above
        let endings: Endings
        let bom: Bool
        let finalNewline: Bool
        let keyLine: String
        let fillerAfter: Bool
        var testDescription: String { "\(above) \(endings) bom:\(bom) final:\(finalNewline) after:\(fillerAfter) \(keyLine)" }
    }

    static let oldValue = "0ld0ld0ld0ld"
    static let keyLines = [
        "GITEA_TOKEN=\(oldValue)", "export GITEA_TOKEN=\(oldValue)", "  GITEA_TOKEN=\"\(oldValue)\"",
        "\texport GITEA_TOKEN='\(oldValue)' # note", "GITEA_TOKEN=\(oldValue)   ",
    ]
    static let fillerBefore: [[UInt8]] = [
        Array("# shared credentials, sourced by cron".utf8), Array("GITEA_TOKEN_OLD=aaaa".utf8), [],
        Array("NOTE=caf".utf8) + [0xE9, 0xFF], Array("# GITEA_TOKEN=commented".utf8), Array("PATH=/usr/bin  ".utf8),
        Array("MULTI=\"one".utf8), Array("GITEA_TOKEN=inside".utf8), Array("two\"".utf8), [],
    ]
    static let fillerAfter: [[UInt8]] = [Array("# trailer".utf8), Array("export OTHER='x y'".utf8), [0x80, 0x0D, 0x41], []]

    static var variants: [Variant] {
        var result: [Variant] = []
        for above in Above.allCases {
            for endings in Endings.allCases {
                for bom in [false, true] {
                    for finalNewline in [false, true] {
                        for (index, keyLine) in keyLines.enumerated() {
                            result.append(Variant(above: above, endings: endings, bom: bom, finalNewline: finalNewline,
                                                  keyLine: keyLine, fillerAfter: index % 2 == 0))
                        }
                    }
                }
            }
        }
        return result
    }

    /// The file's lines (text without terminator) and the index of the key line.
    static func lines(_ variant: Variant) -> (texts: [[UInt8]], keyIndex: Int) {
        var texts: [[UInt8]] = variant.above == .nothing ? [] : fillerBefore
        switch variant.above {
        case .comment: texts.append(Array("# the previous rotation".utf8))
        case .blank: texts.append([])
        case .assignment: texts.append(Array("GITEA_URL=https://git.example.org".utf8))
        case .nothing: break
        }
        let keyIndex = texts.count
        texts.append(Array(variant.keyLine.utf8))
        if variant.fillerAfter { texts += fillerAfter }
        return (texts, keyIndex)
    }

    static func terminator(_ endings: Endings, line: Int) -> [UInt8] {
        switch endings {
        case .lf: [0x0A]
        case .crlf: [0x0D, 0x0A]
        case .mixed: line % 3 == 1 ? [0x0D, 0x0A] : [0x0A]
        }
    }

    /// Splits into lines that keep their terminators, so that joining them gives the bytes back.
    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in bytes {
            current.append(byte)
            if byte == 0x0A { lines.append(current); current = [] }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    @Test("only the key's value and the comment line change", arguments: variants)
    func onlyKeyAndCommentChange(_ variant: Variant) throws {
        let (texts, keyIndex) = Self.lines(variant)
        var input: [UInt8] = variant.bom ? [0xEF, 0xBB, 0xBF] : []
        for (index, text) in texts.enumerated() {
            input += text
            if index < texts.count - 1 || variant.finalNewline { input += Self.terminator(variant.endings, line: index) }
        }
        let document = EnvFixture.document(bytes: input)
        // sh reads a BOM as part of line 1, and a CR right after the value as part of the value:
        // those key lines are refused, not edited.
        let keyEndsInCRLF = (keyIndex < texts.count - 1 || variant.finalNewline) && Self.terminator(variant.endings, line: keyIndex).count == 2
        if variant.bom && keyIndex == 0 {
            #expect(EnvFixture.error { _ = try document.keyLine(EnvFixture.key) } == .byteOrderMark(key: EnvFixture.key, path: EnvFixture.path, keyLine: 1))
            return
        }
        if keyEndsInCRLF && !variant.keyLine.contains("#") {
            #expect(EnvFixture.error { _ = try document.keyLine(EnvFixture.key) }
                    == .lineNotEditable(key: EnvFixture.key, path: EnvFixture.path, line: keyIndex + 1, problem: .carriageReturn))
            return
        }
        #expect(try document.keyLine(EnvFixture.key) == keyIndex + 1)
        #expect(EnvFixture.bytes(try document.value(of: EnvFixture.key)) == Array(Self.oldValue.utf8))

        let output = try EnvFixture.replaced(bytes: input)
        let bomLength = variant.bom ? 3 : 0
        #expect(Array(output.prefix(bomLength)) == Array(input.prefix(bomLength)))
        var before = Self.split(Array(input.dropFirst(bomLength)))
        var after = Self.split(Array(output.dropFirst(bomLength)))

        // The key line: the same bytes with the old value swapped for the new one.
        let oldKeyLine = before[keyIndex]
        let newIndex = variant.above == .comment ? keyIndex : keyIndex + 1
        let newKeyLine = after[newIndex]
        let valueStart = try #require(Self.firstIndex(of: Array(Self.oldValue.utf8), in: oldKeyLine))
        #expect(newKeyLine == Array(oldKeyLine[..<valueStart]) + Array(EnvFixture.newToken.utf8) + Array(oldKeyLine[(valueStart + Self.oldValue.utf8.count)...]))

        // The comment line: the new comment, with the terminator the rules give.
        let commentIndex = newIndex - 1
        let terminator: [UInt8]
        if variant.above == .comment {
            terminator = Self.terminator(of: before[keyIndex - 1])
        } else if !Self.terminator(of: oldKeyLine).isEmpty {
            terminator = Self.terminator(of: oldKeyLine)
        } else {
            terminator = keyIndex > 0 ? Self.terminator(of: before[keyIndex - 1]) : [0x0A]
        }
        #expect(after[commentIndex] == Array(EnvFixture.comment.utf8) + terminator, "\(EnvFixture.show(after[commentIndex]))")

        // Everything else: identical, line for line.
        after.remove(at: newIndex)
        after.remove(at: commentIndex)
        before.remove(at: keyIndex)
        if variant.above == .comment { before.remove(at: keyIndex - 1) }
        #expect(after == before)

        // And the result is a file rekey can rotate again.
        let reread = EnvFixture.document(bytes: output)
        #expect(EnvFixture.bytes(try reread.value(of: EnvFixture.key)) == Array(EnvFixture.newToken.utf8))
        #expect(try reread.keyLine(EnvFixture.key) == newIndex + 1)
    }

    static func terminator(of line: [UInt8]) -> [UInt8] {
        line.suffix(2) == [0x0D, 0x0A] ? [0x0D, 0x0A] : line.last == 0x0A ? [0x0A] : []
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
