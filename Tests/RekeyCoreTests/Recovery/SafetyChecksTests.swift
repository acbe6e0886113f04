import Foundation
import NIOCore
import Testing
@testable import RekeyCore
import TestSupport

@Suite("the checks that stand between rekey and an orphaned or wrongly deleted token")
struct SafetyChecksTests {
    static let token = String(repeating: "c0ffee", count: 6) + "abcd"

    @Test("a file holds a token when its bytes appear anywhere in it, even in an unparsable file")
    func holdsAnywhere() throws {
        let directory = TempDirectory()
        let token = SecretBytes(utf8: Self.token)
        let plain = try directory.write("a.env", "X=1\nGITEA_TOKEN=\(Self.token)\n")
        let duplicated = try directory.write("b.env", "GITEA_TOKEN=\(Self.token)\nGITEA_TOKEN=\(Self.token)\n")
        let other = try directory.write("c.env", "GITEA_TOKEN=\(String(Self.token.reversed()))\n")
        func holds(_ path: String) throws -> Bool { try ConsumerFile(path: path, allowMissing: true).holds(token) }
        #expect(try holds(plain))
        #expect(try holds(duplicated))
        #expect(try !holds(other))
        #expect(try !holds(directory.file("missing.env")))
    }

    @Test("a file that cannot be read (or is no longer the file rekey opened) is no answer: CannotTell, never false")
    func unreadableIsUnknown() throws {
        let directory = TempDirectory()
        let path = try directory.write("odd.env", "GITEA_TOKEN=x\n")
        let target = ConsumerFile(path: path)
        try target.open()
        // A directory put where the file was: the name no longer holds the file rekey opened.
        unlink(path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let error = #expect(throws: ConsumerFile.CannotTell.self) {
            _ = try target.holds(SecretBytes(utf8: Self.token))
        }
        #expect(error?.description.contains("the token was kept") == true)
        #expect(error?.exitStatus == .rollbackFailed)
    }

    @Test("a connection reset after the request was sent may have reached the server; a refused connect did not")
    func transportClassification() {
        let reset = LiveHTTPTransport.classify(other: IOError(errnoCode: ECONNRESET, reason: "read"))
        #expect(reset.kind == .connectionLost && reset.mayHaveReachedServer)
        let refused = LiveHTTPTransport.classify(other: IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        #expect(refused.kind == .connect && !refused.mayHaveReachedServer)
    }

    @Test("two consumers naming one file (one through a symlink) cannot change it at the same time")
    func oneFileOneWriter() throws {
        let directory = TempDirectory()
        let state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        let real = try directory.write("real.env", "K=v\n")
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.env"), withDestinationPath: real)
        let held = try TargetLock.acquire(state, file: real)
        #expect(throws: TargetBusyError.self) { _ = try TargetLock.acquire(state, file: directory.file("link.env")) }
        held.release()
        let again = try TargetLock.acquire(state, file: directory.file("link.env"))
        again.release()
    }

    @Test("a playbook without probe journals no login, and any 200 then proves a token")
    func probeWithoutLogin() {
        #expect(TokenProbe.matches("anyone", expected: nil))
        #expect(TokenProbe.matches("ops", expected: "ops"))
        #expect(!TokenProbe.matches("other", expected: "ops"))
    }
}
