#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TestSupport
@testable import RekeyCore

@Suite("AtomicFile")
struct AtomicFileTests {
    let dir = TempDirectory("rekey-atomic")

    @Test func replacesContentWholeAndLeavesNoTempFile() throws {
        let path = dir.file("app.env")
        Disk.write(path, "GITEA_TOKEN=old-value-that-is-rather-long\nOTHER=1\n")
        try AtomicFile.replace(path, with: SecretBytes(utf8: "GITEA_TOKEN=new\n"))
        #expect(Disk.bytes(path) == Array("GITEA_TOKEN=new\n".utf8))
        #expect(Disk.names(in: dir.path) == ["app.env"])
    }

    @Test func newFileGetsMode0600ByDefaultAndTheGivenModeExactly() throws {
        let oldMask = umask(0o077)
        defer { umask(oldMask) }
        try AtomicFile.replace(dir.file("a.sealed"), with: [1, 2, 3])
        #expect(Disk.mode(dir.file("a.sealed")) == 0o600)
        try AtomicFile.replace(dir.file("b.env"), with: SecretBytes(utf8: "X=1\n"), newFileMode: 0o640)
        #expect(Disk.mode(dir.file("b.env")) == 0o640)
    }

    @Test(arguments: [mode_t(0o644), 0o640, 0o600, 0o400, 0o2750, 0o4700])
    func keepsTheModeOfTheFileItReplaces(mode: mode_t) throws {
        let path = dir.file("app.env")
        Disk.write(path, "A=1\n", mode: mode)
        try AtomicFile.replace(path, with: SecretBytes(utf8: "A=2\n"))
        #expect(Disk.mode(path) == mode)
        #expect(Disk.bytes(path) == Array("A=2\n".utf8))
    }

    @Test(.enabled(if: Disk.isRoot, "chown to another user needs root"))
    func keepsTheOwnerAndGroupOfTheFileItReplaces() throws {
        let path = dir.file("app.env")
        Disk.write(path, "A=1\n", mode: 0o640)
        #expect(chown(path, 4321, 8765) == 0)
        try AtomicFile.replace(path, with: SecretBytes(utf8: "A=2\n"))
        let owner = Disk.owner(path)
        #expect(owner.uid == 4321)
        #expect(owner.gid == 8765)
        #expect(Disk.mode(path) == 0o640)
    }

    @Test func writingThroughASymlinkReplacesTheTargetAndKeepsTheLink() throws {
        // app.env -> ../real/app.env (relative), and current -> app.env (a chain of two links)
        let realDir = dir.file("real")
        let linkDir = dir.file("links")
        #expect(mkdir(realDir, 0o700) == 0 && mkdir(linkDir, 0o700) == 0)
        let target = realDir + "/app.env"
        Disk.write(target, "A=1\n", mode: 0o640)
        #expect(symlink("../real/app.env", linkDir + "/app.env") == 0)
        #expect(symlink("app.env", linkDir + "/current") == 0)

        try AtomicFile.replace(linkDir + "/current", with: SecretBytes(utf8: "A=2\n"))

        #expect(Disk.isSymlink(linkDir + "/current"))
        #expect(Disk.isSymlink(linkDir + "/app.env"))
        #expect(Disk.bytes(target) == Array("A=2\n".utf8))
        #expect(Disk.mode(target) == 0o640)
        #expect(Disk.names(in: realDir) == ["app.env"])
        #expect(Disk.names(in: linkDir) == ["app.env", "current"])
    }

    @Test func aFailedRenameRemovesTheTempFileAndSaysWhatFailed() throws {
        // The target is a non-empty directory: the temp file is written, then rename fails.
        let target = dir.file("app.env")
        #expect(mkdir(target, 0o700) == 0)
        Disk.write(target + "/keep", "x")
        let error = #expect(throws: FileError.self) {
            try AtomicFile.replace(target, with: SecretBytes(utf8: "A=2\n"))
        }
        #expect(error?.operation == .rename)
        #expect(error?.description.hasPrefix("cannot rename temp file over \(target): ") == true)
        #expect(error?.exitStatus == .cantCreate)
        #expect(Disk.names(in: dir.path) == ["app.env"])
        #expect(Disk.names(in: target) == ["keep"])
    }

    @Test func aMissingDirectoryFailsWithTheReasonAndLeavesNothing() throws {
        let path = dir.file("nowhere/app.env")
        let error = #expect(throws: FileError.self) {
            try AtomicFile.replace(path, with: [1])
        }
        #expect(error?.errno == ENOENT)
        #expect(error?.description == "cannot create a temp file next to \(path): No such file or directory; check that \(dir.file("nowhere")) exists")
        #expect(Disk.names(in: dir.path).isEmpty)
    }

    @Test(.enabled(if: !Disk.isRoot, "root ignores directory permissions"))
    func aReadOnlyDirectoryFailsAndLeavesTheOldFile() throws {
        let sub = dir.file("ro")
        #expect(mkdir(sub, 0o700) == 0)
        Disk.write(sub + "/app.env", "A=1\n")
        #expect(chmod(sub, 0o500) == 0)
        defer { chmod(sub, 0o700) }
        let error = #expect(throws: FileError.self) {
            try AtomicFile.replace(sub + "/app.env", with: SecretBytes(utf8: "A=2\n"))
        }
        #expect(error?.description.contains("Permission denied") == true)
        #expect(Disk.bytes(sub + "/app.env") == Array("A=1\n".utf8))
        #expect(Disk.names(in: sub) == ["app.env"])
    }

    @Test func readSecretReadsExactBytesThroughASymlink() throws {
        var bytes: [UInt8] = Array(0...255)
        bytes += Array(repeating: 0x41, count: 70_000)  // more than one read chunk
        Disk.write(dir.file("data"), bytes)
        #expect(symlink("data", dir.file("link")) == 0)
        #expect(try AtomicFile.readSecret(dir.file("link")).testBytes == bytes)
        Disk.write(dir.file("empty"), [UInt8]())
        #expect(try AtomicFile.readSecret(dir.file("empty")).count == 0)
    }

    @Test func readingAMissingFileNamesItAndTheReason() {
        let path = dir.file("absent.env")
        let error = #expect(throws: FileError.self) { try AtomicFile.readSecret(path) }
        #expect(error?.description == "cannot open \(path): No such file or directory; check the path")
        #expect(error?.errno == ENOENT)
    }

    @Test func createExclusiveNeverOverwrites() throws {
        let path = dir.file("master.key")
        try AtomicFile.createExclusive(path, bytes: SecretBytes(copying: [UInt8](repeating: 7, count: 32)), mode: 0o600)
        #expect(Disk.mode(path) == 0o600)
        #expect(Disk.bytes(path) == [UInt8](repeating: 7, count: 32))

        let error = #expect(throws: FileError.self) {
            try AtomicFile.createExclusive(path, bytes: [1, 2, 3])
        }
        #expect(error?.errno == EEXIST)
        #expect(Disk.bytes(path) == [UInt8](repeating: 7, count: 32))

        // A dangling symlink counts as "exists": nothing is created where it points.
        #expect(symlink("elsewhere", dir.file("link")) == 0)
        #expect(throws: FileError.self) { try AtomicFile.createExclusive(dir.file("link"), bytes: [1]) }
        #expect(!Disk.exists(dir.file("elsewhere")))
    }

    @Test func crashAfterTempWriteLeavesTheOldBytesInPlace() async throws {
        let path = dir.file("app.env")
        Disk.write(path, "GITEA_TOKEN=old\n")
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            setenv(CrashPoint.environmentVariable, "atomic-after-temp-write", 1)
            try? AtomicFile.replace(path, with: SecretBytes(utf8: "GITEA_TOKEN=new\n"))
        }
        #expect(Disk.bytes(path) == Array("GITEA_TOKEN=old\n".utf8))
        let names = Disk.names(in: dir.path)
        #expect(names.count == 2)
        #expect(names.contains { $0.hasPrefix(".app.env.rekey-tmp.") })
        // The temp file holds the complete new bytes (it was fsynced before the crash).
        if let temp = names.first(where: { $0.hasPrefix(".app.env.rekey-tmp.") }) {
            #expect(Disk.bytes(dir.file(temp)) == Array("GITEA_TOKEN=new\n".utf8))
        }
    }

    @Test func crashAfterRenameLeavesTheNewBytesAndNoTemp() async throws {
        let path = dir.file("app.env")
        Disk.write(path, "GITEA_TOKEN=old\n")
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            setenv(CrashPoint.environmentVariable, "atomic-after-rename", 1)
            try? AtomicFile.replace(path, with: SecretBytes(utf8: "GITEA_TOKEN=new\n"))
        }
        #expect(Disk.bytes(path) == Array("GITEA_TOKEN=new\n".utf8))
        #expect(Disk.names(in: dir.path) == ["app.env"])
    }
}
