import Testing
@testable import RekeyCore

@Suite("EnvDocument comment line, line endings and odd bytes")
struct EnvDocumentLayoutTests {
    static let c = EnvFixture.comment
    static let t = EnvFixture.newToken

    static let commentCases: [EnvEditCase] = [
        .init(name: "comment above is replaced", input: "A=1\n# old note\nGITEA_TOKEN=0ld\nB=2\n",
              expected: "A=1\n\(c)\nGITEA_TOKEN=\(t)\nB=2\n"),
        .init(name: "indented comment above is replaced whole", input: "  \t# old note  \nGITEA_TOKEN=0ld\n",
              expected: "\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "bare # above is replaced", input: "#\nGITEA_TOKEN=0ld\n",
              expected: "\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "commented-out assignment above is the comment line", input: "# GITEA_TOKEN=older\nGITEA_TOKEN=0ld\n",
              expected: "\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "blank line above: inserted", input: "# header\n\nGITEA_TOKEN=0ld\n",
              expected: "# header\n\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "whitespace-only line above: inserted", input: "# header\n \t\nGITEA_TOKEN=0ld\n",
              expected: "# header\n \t\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "assignment above: inserted", input: "# header\nA=1\nGITEA_TOKEN=0ld\n",
              expected: "# header\nA=1\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "key on line 1: inserted", input: "GITEA_TOKEN=0ld\n# below\nA=1\n",
              expected: "\(c)\nGITEA_TOKEN=\(t)\n# below\nA=1\n"),
        .init(name: "shebang above on line 1 is kept: inserted", input: "#!/bin/sh\nGITEA_TOKEN=0ld\n",
              expected: "#!/bin/sh\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "a '#' line inside another value is not a comment: inserted", input: "A=\"x\n# part of A\"\nGITEA_TOKEN=0ld\n",
              expected: "A=\"x\n# part of A\"\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "comment two lines up is kept: inserted", input: "# about the token\n\nGITEA_TOKEN=0ld\n# after\n",
              expected: "# about the token\n\n\(c)\nGITEA_TOKEN=\(t)\n# after\n"),
    ]

    @Test("the comment line above the key is replaced, or one is inserted", arguments: commentCases)
    func commentLine(_ edit: EnvEditCase) throws {
        let output = try EnvFixture.replaced(edit.input)
        #expect(output == Array(edit.expected.utf8), "\(EnvFixture.show(output))")
    }

    @Test("a comment without # gets '# '; one with # is written as given",
          arguments: [("rotated by rekey", "# rotated by rekey"), ("#rotated", "#rotated"), ("## rotated", "## rotated"), (" # odd", "#  # odd")])
    func commentPrefix(comment: String, written: String) throws {
        let output = try EnvFixture.replaced("# old\nGITEA_TOKEN=0ld\n", comment: comment)
        #expect(output == Array("\(written)\nGITEA_TOKEN=\(Self.t)\n".utf8), "\(EnvFixture.show(output))")
    }

    // A CR LF right after the value is refused (sh reads the CR as part of it; see
    // EnvDocumentShellTests), so CR LF key lines here end in a comment.
    static let endingCases: [EnvEditCase] = [
        .init(name: "CRLF file, comment replaced", input: "# header\r\nA=1\r\n# old\r\nGITEA_TOKEN=0ld # c\r\nB=2\r\n",
              expected: "# header\r\nA=1\r\n\(c)\r\nGITEA_TOKEN=\(t) # c\r\nB=2\r\n"),
        .init(name: "CRLF file, comment inserted with CRLF", input: "A=1\r\nGITEA_TOKEN=\"0ld\" #\r\nB=2\r\n",
              expected: "A=1\r\n\(c)\r\nGITEA_TOKEN=\"\(t)\" #\r\nB=2\r\n"),
        .init(name: "mixed: LF key line among CRLF inserts LF", input: "A=1\r\nGITEA_TOKEN=0ld\nB=2\r\n",
              expected: "A=1\r\n\(c)\nGITEA_TOKEN=\(t)\nB=2\r\n"),
        .init(name: "mixed: CRLF key line among LF inserts CRLF", input: "A=1\nGITEA_TOKEN=0ld # c\r\nB=2\n",
              expected: "A=1\n\(c)\r\nGITEA_TOKEN=\(t) # c\r\nB=2\n"),
        .init(name: "mixed: replaced comment keeps its own CRLF", input: "# old\r\nGITEA_TOKEN=0ld\nB=2\r\n",
              expected: "\(c)\r\nGITEA_TOKEN=\(t)\nB=2\r\n"),
        .init(name: "mixed: replaced comment keeps its own LF", input: "A=1\r\n# old\nGITEA_TOKEN=0ld # c\r\n",
              expected: "A=1\r\n\(c)\nGITEA_TOKEN=\(t) # c\r\n"),
        .init(name: "no final newline, key last, previous line CRLF", input: "A=1\r\nGITEA_TOKEN=0ld",
              expected: "A=1\r\n\(c)\r\nGITEA_TOKEN=\(t)"),
        .init(name: "no final newline, key last, previous line LF", input: "A=1\nGITEA_TOKEN=0ld # x",
              expected: "A=1\n\(c)\nGITEA_TOKEN=\(t) # x"),
        .init(name: "no final newline, key the only line", input: "GITEA_TOKEN='0ld'",
              expected: "\(c)\nGITEA_TOKEN='\(t)'"),
        .init(name: "no final newline, key last under a comment", input: "# old\r\nGITEA_TOKEN=\"0ld\"",
              expected: "\(c)\r\nGITEA_TOKEN=\"\(t)\""),
        .init(name: "no final newline, key elsewhere", input: "GITEA_TOKEN=0ld\nB=2",
              expected: "\(c)\nGITEA_TOKEN=\(t)\nB=2"),
        .init(name: "a lone CR inside another line stays", input: "NOTE=a\rb\nGITEA_TOKEN=0ld\n",
              expected: "NOTE=a\rb\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "trailing blank lines and whitespace stay", input: "A=1   \n\nGITEA_TOKEN=0ld\n\n\n  \n",
              expected: "A=1   \n\n\(c)\nGITEA_TOKEN=\(t)\n\n\n  \n"),
    ]

    @Test("line endings stay as they were, per line", arguments: endingCases)
    func lineEndings(_ edit: EnvEditCase) throws {
        let output = try EnvFixture.replaced(edit.input)
        #expect(output == Array(edit.expected.utf8), "\(EnvFixture.show(output))")
    }

    // A BOM with the key or its comment on line 1 is refused (sh reads the BOM as part of line 1):
    // see EnvDocumentShellTests.
    static let bomCases: [EnvEditCase] = [
        .init(name: "key further down", input: "\u{FEFF}A=1\n\nGITEA_TOKEN=0ld\n",
              expected: "\u{FEFF}A=1\n\n\(c)\nGITEA_TOKEN=\(t)\n"),
        .init(name: "blank line 1, key on line 2", input: "\u{FEFF}\r\nexport GITEA_TOKEN=0ld\n",
              expected: "\u{FEFF}\r\n\(c)\nexport GITEA_TOKEN=\(t)\n"),
    ]

    @Test("a UTF-8 byte order mark stays first", arguments: bomCases)
    func byteOrderMark(_ edit: EnvEditCase) throws {
        let input = Array(edit.input.utf8)
        #expect(input.prefix(3) == [0xEF, 0xBB, 0xBF])
        let output = try EnvFixture.replaced(bytes: input)
        #expect(output == Array(edit.expected.utf8), "\(EnvFixture.show(output))")
    }

    @Test("with a BOM the key on the first line is refused as line 1")
    func byteOrderMarkLineNumber() throws {
        let document = EnvFixture.document("\u{FEFF}GITEA_TOKEN=0ld\n")
        #expect(EnvFixture.error { _ = try document.keyLine(EnvFixture.key) } == .byteOrderMark(key: EnvFixture.key, path: EnvFixture.path, keyLine: 1))
    }

    @Test("non-UTF-8 bytes elsewhere, and after the value, are kept")
    func nonUTF8Bytes() throws {
        let before: [UInt8] = [0xFF, 0xFE] + Array(" junk\r\n".utf8) + Array("NOTE=caf".utf8) + [0xE9] + Array("\n# l".utf8) + [0xE0, 0x80] + Array("\n\n".utf8)
        let keyStart = Array("GITEA_TOKEN=".utf8)
        let keyRest: [UInt8] = Array(" # d".utf8) + [0xE9] + Array("j".utf8) + [0xC3] + Array("\n".utf8)
        let after: [UInt8] = Array("OTHER=".utf8) + [0x80, 0xBF, 0xFF]
        let input = before + keyStart + Array("0ld".utf8) + keyRest + after
        let expected = before + Array("\(Self.c)\n".utf8) + keyStart + Array(Self.t.utf8) + keyRest + after
        let output = try EnvFixture.replaced(bytes: input)
        #expect(output == expected, "\(EnvFixture.show(output))")
        #expect(EnvFixture.bytes(try EnvFixture.document(bytes: input).value(of: EnvFixture.key)) == Array("0ld".utf8))
    }

    @Test("line numbers count LF-terminated lines, CRLF or not")
    func lineNumbers() throws {
        let document = EnvFixture.document("# a\r\n\r\nA=1\nB=2\r\n  export GITEA_TOKEN=0ld # c\r\n")
        #expect(try document.keyLine(EnvFixture.key) == 5)
    }
}
