import Testing
@testable import RekeyCore

/// One way of writing the key's line: the line as found, its current value, and the line expected
/// once the value is the new token.
struct EnvDialectCase: Sendable, CustomTestStringConvertible {
    let name: String
    let line: String
    let oldValue: String
    let newLine: String
    var testDescription: String { name }
}

@Suite("EnvDocument dialect")
struct EnvDocumentDialectTests {
    static let token = EnvFixture.newToken

    static let cases: [EnvDialectCase] = [
        .init(name: "unquoted", line: "GITEA_TOKEN=0ld0ld0ld", oldValue: "0ld0ld0ld", newLine: "GITEA_TOKEN=\(token)"),
        .init(name: "export", line: "export GITEA_TOKEN=0ld0ld0ld", oldValue: "0ld0ld0ld", newLine: "export GITEA_TOKEN=\(token)"),
        .init(name: "export with several blanks", line: "export \t GITEA_TOKEN=0ld", oldValue: "0ld", newLine: "export \t GITEA_TOKEN=\(token)"),
        .init(name: "double quotes", line: "GITEA_TOKEN=\"0ld0ld\"", oldValue: "0ld0ld", newLine: "GITEA_TOKEN=\"\(token)\""),
        .init(name: "single quotes", line: "GITEA_TOKEN='0ld0ld'", oldValue: "0ld0ld", newLine: "GITEA_TOKEN='\(token)'"),
        .init(name: "indented with spaces", line: "  GITEA_TOKEN=0ld", oldValue: "0ld", newLine: "  GITEA_TOKEN=\(token)"),
        .init(name: "indented with a tab, export, double quotes", line: "\texport GITEA_TOKEN=\"0ld\"", oldValue: "0ld", newLine: "\texport GITEA_TOKEN=\"\(token)\""),
        .init(name: "unquoted with trailing comment", line: "GITEA_TOKEN=0ld # ci bot, do not share", oldValue: "0ld", newLine: "GITEA_TOKEN=\(token) # ci bot, do not share"),
        .init(name: "double quotes with trailing comment", line: "GITEA_TOKEN=\"0ld\" # c", oldValue: "0ld", newLine: "GITEA_TOKEN=\"\(token)\" # c"),
        .init(name: "single quotes, tab, trailing comment", line: "GITEA_TOKEN='0ld'\t#c", oldValue: "0ld", newLine: "GITEA_TOKEN='\(token)'\t#c"),
        .init(name: "trailing blanks", line: "GITEA_TOKEN=0ld  \t ", oldValue: "0ld", newLine: "GITEA_TOKEN=\(token)  \t "),
        .init(name: "empty unquoted", line: "GITEA_TOKEN=", oldValue: "", newLine: "GITEA_TOKEN=\(token)"),
        .init(name: "empty unquoted with comment", line: "GITEA_TOKEN= # fill in", oldValue: "", newLine: "GITEA_TOKEN=\(token) # fill in"),
        .init(name: "empty double quotes", line: "GITEA_TOKEN=\"\"", oldValue: "", newLine: "GITEA_TOKEN=\"\(token)\""),
        .init(name: "double quotes holding blanks and #", line: "GITEA_TOKEN=\"0ld 0ld #1\"", oldValue: "0ld 0ld #1", newLine: "GITEA_TOKEN=\"\(token)\""),
        .init(name: "single quotes holding $, \\ and \"", line: "GITEA_TOKEN='0l$d\\\"x'", oldValue: "0l$d\\\"x", newLine: "GITEA_TOKEN='\(token)'"),
        .init(name: "unquoted base64 with = + /", line: "GITEA_TOKEN=a+b/c==", oldValue: "a+b/c==", newLine: "GITEA_TOKEN=\(token)"),
    ]

    @Test("the value is replaced in place, everything around it kept", arguments: cases)
    func replacesValueOnly(_ dialect: EnvDialectCase) throws {
        let input = "A=1\n\(dialect.line)\nB=2\n"
        let expected = Array("A=1\n\(EnvFixture.comment)\n\(dialect.newLine)\nB=2\n".utf8)
        let output = try EnvFixture.replaced(input)
        #expect(output == expected, "\(EnvFixture.show(output))")
    }

    @Test("value(of:) returns the value without quotes", arguments: cases)
    func readsValue(_ dialect: EnvDialectCase) throws {
        let document = EnvFixture.document("# header\n\(dialect.line)\n")
        #expect(EnvFixture.bytes(try document.value(of: EnvFixture.key)) == Array(dialect.oldValue.utf8))
        #expect(try document.keyLine(EnvFixture.key) == 2)
    }

    @Test("the new file reads back the new value in the same style", arguments: cases)
    func roundTrips(_ dialect: EnvDialectCase) throws {
        let output = try EnvFixture.replaced("\(dialect.line)\n")
        let reread = EnvFixture.document(bytes: output)
        #expect(EnvFixture.bytes(try reread.value(of: EnvFixture.key)) == Array(EnvFixture.newToken.utf8))
        #expect(try reread.keyLine(EnvFixture.key) == 2)
    }

    @Test("names that only share a prefix, and commented-out assignments, are left alone")
    func otherKeysUntouched() throws {
        let input = """
            GITEA_TOKEN_OLD=aaaa
            MY_GITEA_TOKEN=bbbb
            export GITEA_TOKENS=cccc
            # GITEA_TOKEN=dddd

            GITEA_TOKEN=0ld
            XGITEA_TOKEN=eeee
            GITEA_TOKEN_2="ffff"

            """
        let expected = """
            GITEA_TOKEN_OLD=aaaa
            MY_GITEA_TOKEN=bbbb
            export GITEA_TOKENS=cccc
            # GITEA_TOKEN=dddd

            \(EnvFixture.comment)
            GITEA_TOKEN=\(EnvFixture.newToken)
            XGITEA_TOKEN=eeee
            GITEA_TOKEN_2="ffff"

            """
        #expect(try EnvFixture.document(input).keyLine(EnvFixture.key) == 6)
        let output = try EnvFixture.replaced(input)
        #expect(output == Array(expected.utf8), "\(EnvFixture.show(output))")
    }

    @Test("a key named only as a prefix of another key is missing")
    func prefixIsNotTheKey() {
        let document = EnvFixture.document("GITEA_TOKEN_OLD=aaaa\nexport GITEA_TOKENX=b\n# GITEA_TOKEN=c\n")
        #expect(EnvFixture.error { _ = try document.keyLine(EnvFixture.key) } == .keyMissing(key: EnvFixture.key, path: EnvFixture.path))
    }

    static let continuationCases: [EnvEditCase] = [
        .init(name: "inside a double-quoted value spanning lines",
              input: "CERT=\"-----BEGIN\nGITEA_TOKEN=fake\n-----END\"\nGITEA_TOKEN=real\n",
              expected: "CERT=\"-----BEGIN\nGITEA_TOKEN=fake\n-----END\"\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "inside a single-quoted value spanning lines",
              input: "export NOTE='first\nGITEA_TOKEN=fake'\nGITEA_TOKEN=real\n",
              expected: "export NOTE='first\nGITEA_TOKEN=fake'\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "after an escaped quote that keeps a value open",
              input: "A=\"x\\\"\nGITEA_TOKEN=fake\n\"\nGITEA_TOKEN=real\n",
              expected: "A=\"x\\\"\nGITEA_TOKEN=fake\n\"\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "after a line ending in a backslash",
              input: "CMD=run\\\nGITEA_TOKEN=fake\nGITEA_TOKEN=real\n",
              expected: "CMD=run\\\nGITEA_TOKEN=fake\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
    ]

    @Test("a line that continues a previous line is not an assignment", arguments: continuationCases)
    func continuationLinesAreNotAssignments(_ edit: EnvEditCase) throws {
        let document = EnvFixture.document(edit.input)
        #expect(EnvFixture.bytes(try document.value(of: EnvFixture.key)) == Array("real".utf8))
        let output = try EnvFixture.replaced(edit.input)
        #expect(output == Array(edit.expected.utf8), "\(EnvFixture.show(output))")
    }

    @Test("a comment ending in a backslash does not hide the next line")
    func commentBackslashDoesNotContinue() throws {
        #expect(try EnvFixture.document("# path C:\\\nGITEA_TOKEN=real\n").keyLine(EnvFixture.key) == 2)
    }
}
