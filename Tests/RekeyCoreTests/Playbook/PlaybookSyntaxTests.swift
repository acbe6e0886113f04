import Foundation
import Testing
import TestSupport
@testable import RekeyCore

@Suite("Playbook YAML syntax and files")
struct PlaybookSyntaxTests {
    /// A line in the fixtures that must never appear in a message: Yams errors carry the whole
    /// document, and a playbook may sit next to secrets in someone's head.
    static let marker = "# do-not-echo-this-line"

    @Test("YAML syntax errors are reported at their line and column, without the document",
          arguments: [
              ("a mapping value where none may be", "version: 1\nconsumer: web-host\ngitea:\n  url: a: b\n\(marker)\n", "4:9",
               "mapping values are not allowed"),
              ("an unclosed quote", "version: 1\n\(marker)\ntoken:\n  name: \"deploy-{run}\n", "5:1", "found unexpected end of stream"),
              ("a tab used for indentation", "version: 1\n\(marker)\ngitea:\n\turl: x\n", "4:1", "found character that cannot start any token"),
              ("a second document", "version: 1\n\(marker)\n---\nversion: 1\n", "3:1", "but found another document"),
          ])
    func syntaxError(_ name: String, yaml: String, at position: String, problem: String) {
        let error = PlaybookFixture.error(yaml)
        let message = error?.description ?? "accepted"
        #expect(message.hasPrefix("test.yml:\(position): yaml syntax error: "), "\(message)")
        #expect(message.contains(problem), "\(message)")
        #expect(!message.contains("do-not-echo"), "the document leaked into: \(message)")
        #expect(!message.contains("\n"), "\(message)")
        #expect(error?.exitStatus == .config)
    }

    @Test("a control character is reported where it is")
    func controlCharacter() {
        let message = PlaybookFixture.error("version: 1\n\(Self.marker)\nconsumer: web\u{07}host\n")?.description ?? "accepted"
        #expect(message.hasPrefix("test.yml:3:14: the playbook cannot be read as text: control characters are not allowed"), "\(message)")
        #expect(!message.contains("do-not-echo"), "the document leaked into: \(message)")
    }

    @Test("a key written twice is reported at the key, once")
    func duplicateKey() {
        let yaml = PlaybookFixture.appending("\(Self.marker)\nconsumer: other-host")
        let message = PlaybookFixture.error(yaml)?.description ?? "accepted"
        #expect(message.hasPrefix("test.yml:2:1: duplicate key \"consumer\""), "\(message)")
        #expect(message.contains("keep only one of them"))
        #expect(!message.contains("do-not-echo"), "the document leaked into: \(message)")
    }

    @Test("an empty document has no position to point at", arguments: ["", "# only a comment\n", "---\n"])
    func emptyDocument(yaml: String) {
        let message = PlaybookFixture.error(yaml)?.description
        #expect(message == "test.yml: the playbook is empty; start from Playbooks/demo.yml")
    }

    @Test("load reads a playbook file and keeps its path")
    func loadsFile() throws {
        let directory = TempDirectory()
        let path = try directory.write("site.yml", PlaybookFixture.valid)
        let playbook = try Playbook.load(path: path, environment: [:])
        #expect(playbook.sourcePath == path)
        #expect(playbook.consumer == "web-host")
    }

    @Test("positions in a loaded file name that file")
    func loadedErrorsNameTheFile() throws {
        let directory = TempDirectory()
        let path = try directory.write("site.yml", PlaybookFixture.replacing("  key: GITEA_TOKEN", with: "  key: 1X"))
        #expect(throws: PlaybookError.self) { try Playbook.load(path: path, environment: [:]) }
        do {
            _ = try Playbook.load(path: path, environment: [:])
        } catch {
            #expect(error.description.hasPrefix("\(path):11:8: target.key \"1X\""))
        }
    }

    @Test("a missing playbook file is a config error naming the file")
    func missingFile() {
        let path = TempDirectory().file("absent.yml")
        do {
            _ = try Playbook.load(path: path, environment: [:])
            Issue.record("loaded a file that does not exist")
        } catch {
            #expect(error.description == "\(path): no such playbook file; check the path")
            #expect(error.exitStatus == .config)
        }
    }

    @Test("a directory given as the playbook is refused, naming it")
    func directoryAsFile() {
        let directory = TempDirectory()
        do {
            _ = try Playbook.load(path: directory.path, environment: [:])
            Issue.record("loaded a directory")
        } catch {
            #expect(error.description.hasPrefix("\(directory.path): the playbook path is a directory"))
        }
    }

    @Test("a playbook that is not UTF-8 is refused")
    func notUTF8() throws {
        let directory = TempDirectory()
        let path = directory.file("latin1.yml")
        try Data([0x76, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Playbook.load(path: path, environment: [:])
            Issue.record("loaded invalid utf-8")
        } catch {
            #expect(error.description == "\(path): the playbook is not utf-8 text; save it as utf-8")
        }
    }
}
