import Foundation
import Testing
import TestSupport
@testable import RekeyCore

/// A playbook decides which file root rewrites: it is refused when others could have changed it,
/// and YAML anchors and aliases (exponential to compose) are refused before composing.
@Suite("Playbook trust: anchors, aliases, file owner and mode")
struct PlaybookTrustTests {
    @Test("anchors and aliases are refused with their line and column, exit 78",
          arguments: [
              ("an alias", PlaybookFixture.replacing("  persona: deployer", with: "  persona: *who"), "5:12", "aliases", "*who"),
              ("an anchor", PlaybookFixture.replacing("consumer: web-host", with: "consumer: &name web-host"), "2:11", "anchors", "&name"),
              ("an anchored mapping", PlaybookFixture.replacing("gitea:", with: "gitea: &g"), "3:8", "anchors", "&g"),
          ])
    func anchorsAndAliases(_ name: String, yaml: String, at position: String, kind: String, shown: String) {
        let error = PlaybookFixture.error(yaml)
        let message = error?.description ?? "accepted"
        #expect(message.hasPrefix("test.yml:\(position): yaml \(kind) are not allowed in a playbook (found \"\(shown)\")"), "\(message)")
        #expect(error?.exitStatus == .config)
    }

    @Test("a billion-laughs playbook with aliases as mapping keys is refused at once, not composed")
    func aliasBomb() {
        // Each level doubles the work of composing; 30 levels would take longer than anyone waits.
        var yaml = "a0: &a0 {x: 1}\n"
        for level in 1...30 {
            yaml += "a\(level): &a\(level) {? *a\(level - 1) : 1, ? [*a\(level - 1)] : 2}\n"
        }
        let started = ContinuousClock.now
        let message = PlaybookFixture.error(yaml)?.description ?? "accepted"
        #expect(ContinuousClock.now - started < .seconds(5), "a hang check: refusing must not compose the document")
        #expect(message.hasPrefix("test.yml:1:5: yaml anchors are not allowed"), "\(message)")
    }

    @Test("a & or * inside a value is not an anchor")
    func ampersandInValue() throws {
        let yaml = PlaybookFixture.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"",
                                             with: "  comment: \"# deploy & ops *PAT* {token_name} (…{last8}) rotated {utc}\"")
        let playbook = try PlaybookFixture.parse(yaml)
        #expect(playbook.target.commentTemplate.contains("& ops *PAT*"))
    }

    @Test("a playbook writable by group or others is refused, naming the mode", arguments: [0o664 as mode_t, 0o646, 0o666])
    func writableByOthers(mode: mode_t) throws {
        let directory = TempDirectory()
        let path = try directory.write("site.yml", PlaybookFixture.valid, mode: mode)
        do {
            _ = try Playbook.load(path: path, environment: [:])
            Issue.record("loaded a playbook of mode \(String(mode, radix: 8))")
        } catch {
            #expect(error.description.hasPrefix("\(path): the playbook is writable by group or others (mode 0\(String(mode, radix: 8)))"), "\(error)")
            #expect(error.exitStatus == .config)
        }
    }

    @Test("a playbook owned by another user is refused, naming the owner")
    func ownedByAnother() throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        let directory = TempDirectory()
        let path = try directory.write("site.yml", PlaybookFixture.valid, mode: 0o644)
        #expect(chown(path, HostileHost.nobody, HostileHost.nogroup) == 0)
        do {
            _ = try Playbook.load(path: path, environment: [:])
            Issue.record("loaded a playbook owned by nobody")
        } catch {
            #expect(error.description.hasPrefix("\(path): the playbook is owned by uid 65534, not root or the user rekey runs as"), "\(error)")
        }
        #expect(chown(path, 0, 0) == 0)
        #expect(try Playbook.load(path: path, environment: [:]).consumer == "web-host")
    }

    @Test("a fifo given as the playbook is refused at once")
    func fifo() throws {
        let directory = TempDirectory()
        let path = directory.file("site.yml")
        #expect(mkfifo(path, 0o600) == 0)
        do {
            _ = try Playbook.load(path: path, environment: [:])
            Issue.record("loaded a fifo")
        } catch {
            #expect(error.description.hasPrefix("\(path): the playbook is not a regular file"), "\(error)")
        }
    }
}
