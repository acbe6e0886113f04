import Foundation
import Testing
import TestSupport
@testable import RekeyCore

/// `TargetFile` on a real disk: the trust rules of the path walk, and a replace that never
/// writes through a name someone swapped.
@Suite("TargetFile")
struct TargetFileTests {
    /// Paths as rekey prints them: TempDirectory's may hold a `//`, which the walk does not keep.
    func normal(_ path: String) -> String { path.replacingOccurrences(of: "//", with: "/") }

    func text(_ secret: SecretBytes) -> String { secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    @Test("reads and replaces through the directory, keeping owner and mode, leaving no temp file")
    func replaceKeepsModeAndOwner() throws {
        let directory = TempDirectory()
        let path = try directory.write("app.env", "K=old\n", mode: 0o640)
        chown(path, 0, 65534)
        let file = try TargetFile.open(path)
        #expect(text(try file.read()) == "K=old\n")
        try file.replace(with: SecretBytes(utf8: "K=new\n"))
        #expect(text(try file.read()) == "K=new\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "K=new\n")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o7777 == 0o640 && info.st_gid == 65534)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["app.env"])
    }

    @Test("a file replaced by someone else after open is refused on read and on replace; nothing written")
    func swappedFileIsRefused() throws {
        let directory = TempDirectory()
        let path = try directory.write("app.env", "K=old\n")
        let file = try TargetFile.open(path)
        let other = try directory.write("other", "K=theirs\n")
        #expect(rename(other, path) == 0)
        #expect(throws: EnvFileChanged.self) { try file.read() }
        #expect(throws: EnvFileChanged.self) { try file.replace(with: SecretBytes(utf8: "K=new\n")) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "K=theirs\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["app.env"])
    }

    @Test("a symlink swapped over the name is replaced itself, never written through")
    func swappedSymlinkIsNotFollowed() throws {
        let directory = TempDirectory()
        let path = try directory.write("app.env", "K=old\n")
        let victim = try directory.write("victim", "precious\n")
        let file = try TargetFile.open(path)
        unlink(path)
        #expect(symlink(victim, path) == 0)
        #expect(throws: EnvFileChanged.self) { try file.replace(with: SecretBytes(utf8: "K=new\n")) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
    }

    @Test("a directory writable by group or others without the sticky bit is refused; with it, allowed")
    func sharedDirectory() throws {
        let directory = TempDirectory()
        let shared = directory.file("shared")
        mkdir(shared, 0o777)
        chmod(shared, 0o777)
        let path = shared + "/app.env"
        try Data("K=v\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        do {
            _ = try TargetFile.open(path)
            Issue.record("opened a file in a 0777 directory")
        } catch {
            #expect(error.description.contains("the directory \(normal(shared)) is writable by group or others (mode 0777) without the sticky bit"), "\(error)")
            #expect(error.exitStatus == .badEnvFile)
        }
        chmod(shared, 0o1777)
        #expect(text(try TargetFile.open(path).read()) == "K=v\n")
    }

    @Test("a trusted symlink is followed once; the target's directory is the one written")
    func trustedSymlink() throws {
        let directory = TempDirectory()
        mkdir(directory.file("releases"), 0o755)
        let real = try directory.write("releases/app.env", "K=old\n")
        #expect(symlink("releases", directory.file("current")) == 0)
        let file = try TargetFile.open(directory.file("current/app.env"))
        #expect(file.directoryPath.hasSuffix("/releases"))
        try file.replace(with: SecretBytes(utf8: "K=new\n"))
        #expect(try String(contentsOfFile: real, encoding: .utf8) == "K=new\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.file("current")) == "releases")
    }

    @Test("a symlink owned by another user, or in a directory another user owns, is refused")
    func untrustedSymlinks() throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        let directory = TempDirectory()
        let real = try directory.write("real.env", "K=v\n")
        let link = directory.file("link.env")
        #expect(symlink(real, link) == 0)
        #expect(lchown(link, HostileHost.nobody, HostileHost.nogroup) == 0)
        #expect(throws: UnsafeEnvFile.self) { _ = try TargetFile.open(link) }

        let app = directory.file("app")
        mkdir(app, 0o755)
        chown(app, HostileHost.nobody, HostileHost.nogroup)
        #expect(symlink(real, app + "/link.env") == 0)
        do {
            _ = try TargetFile.open(app + "/link.env")
            Issue.record("followed a root-owned link in a directory nobody owns")
        } catch {
            #expect(error.description.contains("lies in \(normal(app)) (owner uid 65534"), "\(error)")
        }
    }

    @Test("leftover temp files of the target are removed through the directory, others kept")
    func leftovers() throws {
        let directory = TempDirectory()
        let path = try directory.write("app.env", "K=v\n")
        let stale = try directory.write(".app.env.rekey-tmp.0123456789ab", "K=secret\n")
        let foreign = try directory.write(".other.env.rekey-tmp.0123456789ab", "x\n")
        let removed = try TargetFile.open(path).removeTempLeftovers()
        #expect(removed == [normal(stale)])
        #expect(FileManager.default.fileExists(atPath: foreign))
    }
}
