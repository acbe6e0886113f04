#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TestSupport
@testable import RekeyCore

@Suite("StateDirectory")
struct StateDirectoryTests {
    let dir = TempDirectory("rekey-state")

    @Test func prepareCreatesRootAndSubdirectoriesWithMode0700() throws {
        let oldMask = umask(0o022)
        defer { umask(oldMask) }
        let root = dir.file("var/lib/rekey")
        try StateDirectory(root: root).prepare()
        #expect(Disk.mode(root) == 0o700)
        #expect(Disk.names(in: root) == ["backups", "locks", "runs", "vault"])
        for sub in ["backups", "locks", "runs", "vault"] {
            #expect(Disk.mode(root + "/" + sub) == 0o700)
        }
        // Running it again changes nothing and does not fail.
        try StateDirectory(root: root).prepare()
        #expect(Disk.names(in: root) == ["backups", "locks", "runs", "vault"])
    }

    @Test(arguments: [mode_t(0o755), 0o750, 0o701, 0o707])
    func refusesARootOpenToGroupOrOthers(mode: mode_t) throws {
        let root = dir.file("state")
        #expect(mkdir(root, 0o700) == 0 && chmod(root, mode) == 0)
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(root: root).prepare() }
        #expect(error?.description == "state directory \(root) is open to group or others (mode 0\(String(mode, radix: 8))); run chmod 700 \(root)")
        #expect(error?.exitStatus == .cantCreate)
        #expect(Disk.names(in: root).isEmpty)
    }

    @Test func refusesARootThatIsASymlink() throws {
        let real = dir.file("real")
        #expect(mkdir(real, 0o700) == 0)
        #expect(symlink("real", dir.file("state")) == 0)
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(root: dir.file("state")).prepare() }
        #expect(error?.description == "state directory \(dir.file("state")) is a symlink; use the real directory instead")
        #expect(Disk.names(in: real).isEmpty)
    }

    @Test func refusesARootThatIsAFile() throws {
        Disk.write(dir.file("state"), "x")
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(root: dir.file("state")).prepare() }
        #expect(error?.reason == .notDirectory)
    }

    @Test(.enabled(if: Disk.isRoot, "chown to another user needs root"))
    func refusesARootOwnedByAnotherUser() throws {
        let root = dir.file("state")
        #expect(mkdir(root, 0o700) == 0 && chown(root, 4321, 4321) == 0)
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(root: root).prepare() }
        #expect(error?.description == "state directory \(root) is owned by uid 4321, not by uid 0 running rekey; run chown 0 \(root)")
    }

    @Test func cannotCreateIsExit73WithTheReason() throws {
        Disk.write(dir.file("blocker"), "x")
        let root = dir.file("blocker/state")
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(root: root).prepare() }
        #expect(error?.exitStatus == .cantCreate)
        #expect(error?.description == "cannot set up state directory \(root): cannot create the directory \(dir.file("blocker")): File exists; something is already there and rekey does not overwrite it")
    }

    @Test func pathHelpersFollowTheDesignLayout() {
        let state = StateDirectory(root: "/var/lib/rekey/")
        #expect(state.backupPath(consumer: "drone", basename: "app.env", epoch: 1_700_000_000)
                == "/var/lib/rekey/backups/drone/app.env.bak.1700000000.sealed")
        #expect(state.journalPath(run: "20240101T000000Z-ab12") == "/var/lib/rekey/runs/20240101T000000Z-ab12.journal")
        #expect(state.vaultPath(name: "ci-bot") == "/var/lib/rekey/vault/ci-bot.sealed")
        #expect(state.lockPath(consumer: "drone") == "/var/lib/rekey/locks/drone.lock")
        #expect(state.inventoryPath == "/var/lib/rekey/inventory.sealed")
        #expect(StateDirectory().root == "/var/lib/rekey")
    }

    @Test func listBackupsNewestFirstWithSizesIgnoringOtherFiles() throws {
        let state = StateDirectory(root: dir.file("state"))
        try state.prepare()
        #expect(try state.listBackups(consumer: "drone").isEmpty)

        let folder = state.backupDirectory(consumer: "drone")
        #expect(mkdir(folder, 0o700) == 0)
        Disk.write(state.backupPath(consumer: "drone", basename: ".env", epoch: 100), [UInt8](repeating: 1, count: 10))
        Disk.write(state.backupPath(consumer: "drone", basename: ".env", epoch: 300), [UInt8](repeating: 1, count: 30))
        Disk.write(state.backupPath(consumer: "drone", basename: "other.env", epoch: 200), [UInt8](repeating: 1, count: 20))
        Disk.write(folder + "/..env.bak.400.sealed.rekey-tmp.abcdef", [1])  // a crashed write
        Disk.write(folder + "/notes.txt", [1])
        Disk.write(folder + "/x.bak.12ab.sealed", [1])

        let all = try state.listBackups(consumer: "drone")
        #expect(all.map(\.epoch) == [300, 200, 100])
        #expect(all.map(\.size) == [30, 20, 10])
        #expect(all.map(\.basename) == [".env", "other.env", ".env"])
        #expect(all[0].path == state.backupPath(consumer: "drone", basename: ".env", epoch: 300))
        #expect(try state.listBackups(consumer: "drone", basename: ".env").map(\.epoch) == [300, 100])
    }
}
