import Foundation
import RekeyCore
import Testing
import TestSupport

/// `TargetLock` is keyed on the directory the file's path walks to (device and inode) and the
/// file's name in it, so every way of naming one file takes one lock, and only that file's.
@Suite("the lock of one env file")
struct TargetLockTests {
    @Test("one file named through a symlinked directory, a renamed directory or ./ takes one lock; a neighbour its own")
    func oneFileOneLock() throws {
        let directory = TempDirectory()
        let state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        mkdir(directory.file("app"), 0o700)
        _ = try directory.write("app/app.env", "K=v\n")
        _ = try directory.write("app/other.env", "K=v\n")
        try FileManager.default.createSymbolicLink(atPath: directory.file("current"), withDestinationPath: directory.file("app"))

        let held = try TargetLock.acquire(state, file: directory.file("app/app.env"))
        for alias in ["current/app.env", "app/./app.env"] {
            #expect(throws: TargetBusyError.self, "\(alias)") { _ = try TargetLock.acquire(state, file: directory.file(alias)) }
        }
        // The directory renamed while the lock is held: the same directory inode, the same lock.
        #expect(rename(directory.file("app"), directory.file("app-renamed")) == 0)
        #expect(throws: TargetBusyError.self) { _ = try TargetLock.acquire(state, file: directory.file("app-renamed/app.env")) }
        // Another file in the same directory is not held.
        let neighbour = try TargetLock.acquire(state, file: directory.file("app-renamed/other.env"))
        neighbour.release()
        held.release()
    }
}
