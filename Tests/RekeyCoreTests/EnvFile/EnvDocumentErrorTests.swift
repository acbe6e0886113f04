import Testing
@testable import RekeyCore

/// A file whose key line rekey refuses to edit, and why.
struct EnvRefusedLineCase: Sendable, CustomTestStringConvertible {
    let line: String
    let problem: EnvLineProblem
    var testDescription: String { line }
}

/// A key line in one quoting style and a new value that style cannot hold unescaped.
struct EnvUnrepresentableCase: Sendable, CustomTestStringConvertible {
    let line: String
    let style: EnvDocument.QuoteStyle
    let value: String
    var testDescription: String { "\(style) \(value.debugDescription)" }
}

@Suite("EnvDocument errors")
struct EnvDocumentErrorTests {
    static let key = EnvFixture.key
    static let path = EnvFixture.path
    /// Old values in the files below all contain this, so a leak is easy to spot.
    static let oldSecret = "0ldsecret"

    @Test("a missing key is reported by every call, naming key and path",
          arguments: ["", "\u{FEFF}", "A=1\nB=2\n", "# GITEA_TOKEN=0ldsecret\n", "  #export GITEA_TOKEN=0ldsecret", "GITEA_TOKEN_OLD=0ldsecret\n"])
    func missingKey(_ text: String) throws {
        let document = EnvFixture.document(text)
        let expected = EnvFileError.keyMissing(key: Self.key, path: Self.path)
        #expect(EnvFixture.error { _ = try document.keyLine(Self.key) } == expected)
        #expect(EnvFixture.error { _ = try document.value(of: Self.key) } == expected)
        #expect(EnvFixture.error { _ = try document.replacing(key: Self.key, value: SecretBytes(utf8: EnvFixture.newToken), comment: "c") } == expected)
        let message = expected.description
        #expect(message.contains(Self.key) && message.contains(Self.path))
        #expect(expected.exitStatus == .badEnvFile)
    }

    @Test("a key assigned more than once is reported with every line number")
    func duplicateKey() throws {
        let text = "GITEA_TOKEN=0ldsecret1\nA=1\n\nexport GITEA_TOKEN=\"0ldsecret2\"\n# GITEA_TOKEN=x\n  GITEA_TOKEN='0ldsecret3' # c\n"
        let document = EnvFixture.document(text)
        let expected = EnvFileError.keyDuplicated(key: Self.key, path: Self.path, lines: [1, 4, 6])
        #expect(EnvFixture.error { _ = try document.keyLine(Self.key) } == expected)
        #expect(EnvFixture.error { _ = try document.value(of: Self.key) } == expected)
        #expect(EnvFixture.error { _ = try document.replacing(key: Self.key, value: SecretBytes(utf8: EnvFixture.newToken), comment: "c") } == expected)
        let message = expected.description
        #expect(message.contains("lines 1, 4, 6"), "\(message)")
        #expect(message.contains(Self.key) && message.contains(Self.path))
    }

    @Test("a line with a blank before '=' still counts as a duplicate")
    func oddFormCountsForDuplicates() {
        let document = EnvFixture.document("GITEA_TOKEN=0ldsecret\nGITEA_TOKEN = 0ldsecret\n")
        #expect(EnvFixture.error { _ = try document.keyLine(Self.key) } == .keyDuplicated(key: Self.key, path: Self.path, lines: [1, 2]))
    }

    static let refusedLines: [EnvRefusedLineCase] = [
        .init(line: "GITEA_TOKEN = 0ldsecret", problem: .blankBeforeEquals),
        .init(line: "GITEA_TOKEN =0ldsecret", problem: .blankBeforeEquals),
        .init(line: "GITEA_TOKEN=\"0ldsecret", problem: .unclosedQuote),
        .init(line: "GITEA_TOKEN='0ldsecret", problem: .unclosedQuote),
        .init(line: "GITEA_TOKEN=\"0ldsecret\"x", problem: .textAfterQuote),
        .init(line: "GITEA_TOKEN='0ldsecret'\"more\"", problem: .textAfterQuote),
        .init(line: "GITEA_TOKEN=0ldsecret rm -rf /", problem: .textAfterValue),
        .init(line: "GITEA_TOKEN= 0ldsecret", problem: .textAfterValue),
        .init(line: "GITEA_TOKEN=\"0ldsecret\" more", problem: .textAfterValue),
        .init(line: "GITEA_TOKEN=$(cat /run/0ldsecret)", problem: .textAfterValue),
        .init(line: "GITEA_TOKEN=$0LDSECRET", problem: .shellSyntaxInValue),
        .init(line: "GITEA_TOKEN=0ld#secret", problem: .shellSyntaxInValue),
        .init(line: "GITEA_TOKEN=\"0ld\\\"secret\"", problem: .shellSyntaxInValue),
        .init(line: "GITEA_TOKEN=\"${0LDSECRET}\"", problem: .shellSyntaxInValue),
    ]

    @Test("a key line in a form rekey does not rewrite is refused, naming the line", arguments: refusedLines)
    func refusedLine(_ refused: EnvRefusedLineCase) throws {
        let document = EnvFixture.document("A=1\n\(refused.line)\nB=2\n")
        let expected = EnvFileError.lineNotEditable(key: Self.key, path: Self.path, line: 2, problem: refused.problem)
        #expect(EnvFixture.error { _ = try document.keyLine(Self.key) } == expected)
        #expect(EnvFixture.error { _ = try document.value(of: Self.key) } == expected)
        #expect(EnvFixture.error { _ = try document.replacing(key: Self.key, value: SecretBytes(utf8: EnvFixture.newToken), comment: "c") } == expected)
        let message = expected.description
        #expect(message.contains("line 2 of \(Self.path)") && message.contains(Self.key), "\(message)")
        #expect(!message.lowercased().contains(Self.oldSecret), "\(message)")
    }

    @Test("a comment with a line break is refused", arguments: ["rotated\nGITEA_TOKEN=evil", "# a\r\nb", "a\rb", "\n"])
    func commentWithNewline(_ comment: String) {
        let document = EnvFixture.document("# old\nGITEA_TOKEN=0ldsecret\n")
        let error = EnvFixture.error { _ = try document.replacing(key: Self.key, value: SecretBytes(utf8: EnvFixture.newToken), comment: comment) }
        #expect(error == .commentHasNewline(path: Self.path))
        #expect(error?.description.contains(Self.path) == true)
    }

    static let unrepresentable: [EnvUnrepresentableCase] =
        [" ", "\t", "#", "\"", "'", "\\", "$", "`", ";", "&", "|", "<", ">", "(", ")", "~", "\n", "\r", "\u{0}"]
            .map { EnvUnrepresentableCase(line: "GITEA_TOKEN=0ldsecret", style: .unquoted, value: "newsecret\($0)tail") }
        + ["\"", "\\", "$", "`", "\n", "\r", "\u{7F}"]
            .map { EnvUnrepresentableCase(line: "export GITEA_TOKEN=\"0ldsecret\"", style: .double, value: "newsecret\($0)tail") }
        + ["'", "\n", "\r\n", "\u{1B}"]
            .map { EnvUnrepresentableCase(line: "GITEA_TOKEN='0ldsecret'", style: .single, value: "newsecret\($0)tail") }

    @Test("a new value that would need escaping in the file's style is refused", arguments: unrepresentable)
    func valueNotRepresentable(_ bad: EnvUnrepresentableCase) {
        let document = EnvFixture.document("# old\n\(bad.line)\n")
        let error = EnvFixture.error { _ = try document.replacing(key: Self.key, value: SecretBytes(utf8: bad.value), comment: "c") }
        #expect(error == .valueNotRepresentable(key: Self.key, path: Self.path, style: bad.style))
        let message = error?.description ?? ""
        #expect(message.contains(Self.key) && message.contains(Self.path) && message.contains(bad.style.rawValue), "\(message)")
        #expect(!message.contains("newsecret") && !message.contains(Self.oldSecret), "\(message)")
    }

    @Test("quoted styles accept what they can hold", arguments: [
        ("GITEA_TOKEN=\"0ld\"", "a b#c;d&e|f<g>h(i)j'k~l\tm", "GITEA_TOKEN=\"a b#c;d&e|f<g>h(i)j'k~l\tm\""),
        ("GITEA_TOKEN='0ld'", "a b#c\"d$e`f\\g;h", "GITEA_TOKEN='a b#c\"d$e`f\\g;h'"),
    ])
    func quotedStylesAccept(line: String, value: String, newLine: String) throws {
        let output = try EnvFixture.replaced("\(line)\n", value: value)
        #expect(output == Array("\(EnvFixture.comment)\n\(newLine)\n".utf8), "\(EnvFixture.show(output))")
    }

    @Test("a key that is not a variable name is refused", arguments: ["", "GITEA TOKEN", "1TOKEN", "GITEA-TOKEN", "GITEA_TOKEN=", "Ä"])
    func invalidKey(_ key: String) {
        let document = EnvFixture.document("GITEA_TOKEN=0ldsecret\n")
        #expect(EnvFixture.error { _ = try document.keyLine(key) } == .keyInvalid(key: key, path: Self.path))
    }

    /// Every error rekey can raise here, from files and values full of secrets.
    static func allErrors() -> [EnvFileError] {
        let new = SecretBytes(utf8: "newsecret$`\"'\n")
        let files = ["A=0ldsecret\n", "GITEA_TOKEN=0ldsecret\nGITEA_TOKEN='0ldsecret'\n", "GITEA_TOKEN = 0ldsecret\n",
                     "GITEA_TOKEN=\"0ldsecret", "GITEA_TOKEN=0ldsecret\n", "GITEA_TOKEN=\"0ldsecret\"\n", "GITEA_TOKEN='0ldsecret'\n"]
        var errors: [EnvFileError] = files.compactMap { text in
            EnvFixture.error { _ = try EnvFixture.document(text).replacing(key: key, value: new, comment: "c") }
        }
        errors.append(.commentHasNewline(path: path))
        errors.append(.keyInvalid(key: "BAD KEY", path: path))
        return errors
    }

    @Test("no error message, print-out or dump shows the old or the new value")
    func errorsHoldNoSecrets() {
        let errors = Self.allErrors()
        #expect(errors.count == 9)
        for error in errors {
            var dumped = ""
            dump(error, to: &dumped)
            for shown in [error.description, "\(error)", String(reflecting: error), dumped] {
                #expect(!shown.contains("0ldsecret") && !shown.contains("newsecret"), "\(shown)")
            }
            #expect(error.exitStatus == .badEnvFile)
            #expect(!error.description.contains("\n"))
        }
    }
}
