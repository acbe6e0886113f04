import Testing
@testable import RekeyCore

/// A file rekey must refuse, and the error naming the lines involved.
struct EnvShellRefusalCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let error: EnvFileError
    var testDescription: String { name }
}

@Suite("EnvDocument reads the file as sh and bash do")
struct EnvDocumentShellTests {
    static let key = EnvFixture.key
    static let path = EnvFixture.path

    static func ambiguous(_ sites: (Int, EnvShellUse)...) -> EnvFileError {
        .keyAmbiguous(key: key, path: path, sites: sites.map { EnvShellSite(line: $0.0, use: $0.1) })
    }

    static func syntax(_ line: Int, _ problem: EnvSyntaxProblem) -> EnvFileError {
        .shellSyntax(path: path, line: line, problem: problem)
    }

    static let refusals: [EnvShellRefusalCase] = [
        .init(name: "assigned again after another assignment", text: "A=1\nGITEA_TOKEN=0ld\nB=2 GITEA_TOKEN=x\n",
              error: ambiguous((2, .assignment), (3, .assignmentInCommand))),
        .init(name: "assigned before a command", text: "GITEA_TOKEN=0ld\nGITEA_TOKEN=x env\n",
              error: .keyDuplicated(key: key, path: path, lines: [1, 2])),
        .init(name: "declare -x", text: "GITEA_TOKEN=0ld\ndeclare -x GITEA_TOKEN=x\n", error: ambiguous((1, .assignment), (2, .builtin("declare")))),
        .init(name: "typeset", text: "typeset GITEA_TOKEN=x\nGITEA_TOKEN=0ld\n", error: ambiguous((1, .builtin("typeset")), (2, .assignment))),
        .init(name: "readonly freezes it", text: "readonly GITEA_TOKEN\nGITEA_TOKEN=0ld\n", error: ambiguous((1, .builtin("readonly")), (2, .assignment))),
        .init(name: "local", text: "GITEA_TOKEN=0ld\nlocal GITEA_TOKEN\n", error: ambiguous((1, .assignment), (2, .builtin("local")))),
        .init(name: "export -n", text: "GITEA_TOKEN=0ld\nexport -n GITEA_TOKEN\n", error: ambiguous((1, .assignment), (2, .builtin("export")))),
        .init(name: "unset", text: "GITEA_TOKEN=0ld\nunset GITEA_TOKEN\n", error: ambiguous((1, .assignment), (2, .builtin("unset")))),
        .init(name: "quoted name to declare", text: "GITEA_TOKEN=0ld\ndeclare \"GITEA_\"TOKEN=x\n", error: ambiguous((1, .assignment), (2, .builtin("declare")))),
        .init(name: "+=", text: "GITEA_TOKEN=0ld\nGITEA_TOKEN+=x\n", error: ambiguous((1, .assignment), (2, .append))),
        .init(name: "read", text: "GITEA_TOKEN=0ld\nread GITEA_TOKEN </dev/null\n", error: ambiguous((1, .assignment), (2, .builtin("read")))),
        .init(name: "printf -v", text: "GITEA_TOKEN=0ld\nprintf -v GITEA_TOKEN %s x\n", error: ambiguous((1, .assignment), (2, .builtin("printf")))),
        .init(name: "${KEY:=…}", text: "GITEA_TOKEN=0ld\n: \"${GITEA_TOKEN:=x}\"\n", error: ambiguous((1, .assignment), (2, .expansionAssigns))),
        .init(name: "${KEY=…}", text: ": ${GITEA_TOKEN=x}\nGITEA_TOKEN=0ld\n", error: ambiguous((1, .expansionAssigns), (2, .assignment))),
        .init(name: "eval anywhere", text: "eval true\nGITEA_TOKEN=0ld\n", error: ambiguous((1, .eval), (2, .assignment))),
        .init(name: "source after the key", text: ". ./before.env\nGITEA_TOKEN=0ld\nsource ./after.env\n", error: ambiguous((2, .assignment), (3, .sourceAfter))),
        .init(name: "return before the key", text: "[ -r /etc/x ] || return 0\nGITEA_TOKEN=0ld\n", error: ambiguous((1, .stopsBefore("return")), (2, .assignment))),
        .init(name: "set -e", text: "set -ea\nGITEA_TOKEN=0ld\n", error: ambiguous((1, .exits("set -e, -u or -n")), (2, .assignment))),
        .init(name: "exit after the key", text: "GITEA_TOKEN=0ld\nexit 0\n", error: ambiguous((1, .assignment), (2, .exits("exit")))),
        .init(name: "alias", text: "alias export=:\nexport GITEA_TOKEN=0ld\n", error: ambiguous((1, .alias), (2, .assignment))),
        .init(name: "a function named like a builtin", text: "export() { :; }\nexport GITEA_TOKEN=0ld\n", error: syntax(1, .builtinRedefined)),
        .init(name: "inside if", text: "if true; then\n  GITEA_TOKEN=0ld\nfi\n", error: ambiguous((2, .conditional))),
        .init(name: "inside a function", text: "f() {\nGITEA_TOKEN=0ld\n}\n", error: ambiguous((2, .conditional))),
        .init(name: "after && on the line before", text: "true &&\nGITEA_TOKEN=0ld\n", error: ambiguous((2, .conditional))),
        .init(name: "after a backslash-newline", text: "A=1 \\\nGITEA_TOKEN=0ld\n", error: ambiguous((2, .assignmentInCommand))),
        .init(name: "a name built from an expansion", text: "n=GITEA_TOK\ndeclare \"${n}EN=x\"\nGITEA_TOKEN=0ld\n",
              error: ambiguous((2, .dynamicName("declare")), (3, .assignment))),
        .init(name: "in a here-document that feeds '.'", text: ". /dev/stdin <<'EOF'\nGITEA_TOKEN=x\nEOF\nGITEA_TOKEN=0ld\n",
              error: ambiguous((2, .hereDocument), (4, .assignment))),
        .init(name: "in arithmetic", text: "GITEA_TOKEN=0ld\nX=$((GITEA_TOKEN=5))\n", error: ambiguous((1, .assignment), (2, .arithmetic))),
        .init(name: "an assignment before a special builtin", text: "A=1 \\\n. ./other.env\nGITEA_TOKEN=0ld\n",
              error: syntax(1, .bashOnly("an assignment before a special builtin such as export or '.', which sh keeps and bash does not"))),
        .init(name: "an operator with no command before it", text: "GITEA_TOKEN=0ld\n|| true\n", error: syntax(2, .unexpected("||"))),
        .init(name: "a read-only variable assigned again", text: "readonly A=1\nB=2 A=3 true\nGITEA_TOKEN=0ld\n", error: syntax(2, .readOnlyAssigned)),
        .init(name: "a declare -r variable unset", text: "GITEA_TOKEN=0ld\ndeclare -r B\nunset B\n", error: syntax(3, .readOnlyAssigned)),
        .init(name: "bash-only array", text: "GITEA_TOKEN=0ld\nA=(1 2)\n", error: syntax(2, .bashOnly("array assignment NAME=(…)"))),
        .init(name: "bash-only $'…'", text: "GITEA_TOKEN=0ld\nB=$'x'\n", error: syntax(2, .bashOnly("$'…' quoting"))),
        .init(name: "a quote never closed", text: "GITEA_TOKEN=0ld\nB=\"open\n", error: syntax(2, .unclosedDoubleQuote)),
        .init(name: "a quote left open hides the key line", text: "NOTE=\"it's\nGITEA_TOKEN=0ld\n", error: syntax(1, .unclosedDoubleQuote)),
        .init(name: "BOM, key on line 1", text: "\u{FEFF}GITEA_TOKEN=0ld\nA=1\n", error: .byteOrderMark(key: key, path: path, keyLine: 1)),
        .init(name: "BOM, comment on line 1", text: "\u{FEFF}# note\r\nGITEA_TOKEN=0ld\n", error: .byteOrderMark(key: key, path: path, keyLine: 2)),
        .init(name: "CR LF right after the value", text: "A=1\r\nGITEA_TOKEN='0ld'\r\n",
              error: .lineNotEditable(key: key, path: path, line: 2, problem: .carriageReturn)),
        .init(name: "CR LF after trailing blanks", text: "GITEA_TOKEN=0ld  \r\n",
              error: .lineNotEditable(key: key, path: path, line: 1, problem: .carriageReturn)),
    ]

    @Test("files where the shell could end up with another value, or none, are refused", arguments: refusals)
    func refused(_ refusal: EnvShellRefusalCase) {
        let document = EnvFixture.document(refusal.text)
        #expect(EnvFixture.error { _ = try document.keyLine(Self.key) } == refusal.error)
        #expect(EnvFixture.error { _ = try document.replacing(key: Self.key, value: SecretBytes(utf8: EnvFixture.newToken), comment: "c") } == refusal.error)
        let message = refusal.error.description
        #expect(message.contains(Self.path) && !message.contains("0ld") && !message.contains("\n"), "\(message)")
        #expect(refusal.error.exitStatus == .badEnvFile)
    }

    @Test("substitutions nested without end are refused, not followed down the stack")
    func deepNesting() {
        for opener in ["$(", "${A:-", "\"$(", "$(("] {
            let text = "GITEA_TOKEN=0ld\nX=" + String(repeating: opener, count: 50_000) + "\n"
            let document = EnvFixture.document(text)
            let error = EnvFixture.error { _ = try document.keyLine(Self.key) }
            guard case .shellSyntax(_, 2, _) = error else { Issue.record("\(opener): \(String(describing: error))"); continue }
        }
    }

    @Test("every line involved is named in the message")
    func messageNamesLines() {
        let error = Self.ambiguous((2, .assignment), (3, .builtin("readonly")))
        #expect(error.description.contains("line 2 assigns it") && error.description.contains("line 3 passes it to readonly"), "\(error.description)")
    }

    static let accepted: [EnvEditCase] = [
        .init(name: "a comment ending in a backslash", input: "# path C:\\\nGITEA_TOKEN=0ld\n",
              expected: "\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "a command substitution spanning lines", input: "X=$(printf '%s' \"\nGITEA_TOKEN=fake\")\nGITEA_TOKEN=0ld\n",
              expected: "X=$(printf '%s' \"\nGITEA_TOKEN=fake\")\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "other commands, reads of the key, sourcing before it", input: ". ./common.env\nset -a\numask 077\necho \"${GITEA_TOKEN:-}\" >/dev/null\nGITEA_TOKEN=0ld\n",
              expected: ". ./common.env\nset -a\numask 077\necho \"${GITEA_TOKEN:-}\" >/dev/null\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "export of the name alone, before and after", input: "export GITEA_TOKEN\nGITEA_TOKEN=0ld\nexport A GITEA_TOKEN\n",
              expected: "export GITEA_TOKEN\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\nexport A GITEA_TOKEN\n"),
        .init(name: "compound commands followed by operators", input: "if true; then A=1; fi; B=2\n{ C=3; } && D=4\n( E=5 ) | cat\n>/dev/null; F=6\ncase x in a) ;; esac\nGITEA_TOKEN=0ld\n",
              expected: "if true; then A=1; fi; B=2\n{ C=3; } && D=4\n( E=5 ) | cat\n>/dev/null; F=6\ncase x in a) ;; esac\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "a here-document that does not name the key", input: "cat >/dev/null <<EOF\n# not a comment\nEOF\nGITEA_TOKEN=0ld\n",
              expected: "cat >/dev/null <<EOF\n# not a comment\nEOF\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "a CR LF line ending after a comment", input: "# old\r\nGITEA_TOKEN=0ld # c\r\n",
              expected: "\(EnvFixture.comment)\r\nGITEA_TOKEN=\(EnvFixture.newToken) # c\r\n"),
        .init(name: "a BOM, key further down", input: "\u{FEFF}A=1\nGITEA_TOKEN=0ld\n",
              expected: "\u{FEFF}A=1\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
        .init(name: "the key's name inside other values", input: "export NOTE='GITEA_TOKEN=x'\nB=\"GITEA_TOKEN\"\nGITEA_TOKEN=0ld\n",
              expected: "export NOTE='GITEA_TOKEN=x'\nB=\"GITEA_TOKEN\"\n\(EnvFixture.comment)\nGITEA_TOKEN=\(EnvFixture.newToken)\n"),
    ]

    @Test("files the shell reads rekey's way are rotated", arguments: accepted)
    func acceptedFiles(_ edit: EnvEditCase) throws {
        let output = try EnvFixture.replaced(edit.input)
        #expect(output == Array(edit.expected.utf8), "\(EnvFixture.show(output))")
    }
}
