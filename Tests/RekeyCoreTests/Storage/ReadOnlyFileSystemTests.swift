#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import RekeyCore

@Suite("Read-only file system messages")
struct ReadOnlyFileSystemTests {
    @Test("rekey's own state on a read-only file system: said as that, with the ReadWritePaths= hint")
    func stateFile() {
        let error = FileError(path: "/var/lib/rekey/runs/r.journal", operation: .create, errno: EROFS)
        #expect(error.description == "cannot create /var/lib/rekey/runs/r.journal: Read-only file system; that file system is read-only here; "
            + "under systemd, /var/lib/rekey/runs may be missing from ReadWritePaths= of rekey.service: rerun scripts/install --system "
            + "(it lists `rekey paths` in a drop-in), or mount it read-write")
        #expect(error.exitStatus == .cantCreate)
    }

    @Test("an env file's directory on a read-only file system: exit 65, nothing changed")
    func envFile() {
        let error = ReadOnlyFileSystem.envFile("/srv/app/app.env", directory: "/srv/app")
        #expect(error.description.hasPrefix("cannot write env file /srv/app/app.env: /srv/app is on a read-only file system; under systemd, /srv/app may be missing from ReadWritePaths="))
        #expect(error.description.hasSuffix("; nothing was changed"))
        #expect(error.exitStatus == .badEnvFile)
    }
}
