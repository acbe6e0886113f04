import Foundation

/// Helpers for tests of rekey on a hostile host: another account (`nobody`, through `setpriv`)
/// acting on files, and files rekey must never write.
public enum HostileHost {
    public static let nobody: uid_t = 65534
    public static let nogroup: gid_t = 65534

    /// Why a test needing root cannot run here, or nil when it can.
    public static var rootMissing: String? {
        geteuid() == 0 ? nil : "needs root (to act as nobody through setpriv and to chown files)"
    }

    /// The `setpriv` argv prefix that runs a command as `nobody`.
    public static let asNobody = ["/usr/bin/setpriv", "--reuid=\(nobody)", "--regid=\(nogroup)", "--clear-groups", "--"]

    /// Runs `script` with /bin/sh as `nobody` and waits for it.
    @discardableResult
    public static func runAsNobody(_ script: String) async throws -> ProcessResult {
        try await ProcessRunner.run(asNobody[0], Array(asNobody.dropFirst()) + ["/bin/sh", "-c", script],
                                    environment: ["PATH": "/usr/bin:/bin"])
    }

    /// Starts `script` as `nobody` in the background (an attacker loop); terminate it when done.
    public static func startAsNobody(_ script: String) throws -> Process {
        try ProcessRunner.start(asNobody[0], Array(asNobody.dropFirst()) + ["/bin/sh", "-c", script],
                                environment: ["PATH": "/usr/bin:/bin"])
    }

    /// A file only root may read or write, and a way to prove it was never touched.
    public struct RootOnlyFile {
        public let path: String
        public let contents: [UInt8]
        let inode: UInt64
        let modified: timespec
        let changed: timespec

        public init(in directory: TempDirectory, name: String = "root-only") throws {
            let folder = directory.file("root-only-dir")
            mkdir(folder, 0o700)
            path = folder + "/" + name
            contents = Array("root:x:0:0:root-only-original-\(UUID().uuidString)\n".utf8)
            try Data(contents).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o600)
            var info = stat()
            guard stat(path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
            inode = UInt64(info.st_ino)
            modified = info.st_mtim
            changed = info.st_ctim
        }

        /// Nil when the file holds exactly what it did, in the same inode, never modified; else what changed.
        public var tampering: String? {
            var info = stat()
            guard stat(path, &info) == 0 else { return "\(path) is gone" }
            if UInt64(info.st_ino) != inode { return "\(path) is another inode" }
            if info.st_mtim.tv_sec != modified.tv_sec || info.st_mtim.tv_nsec != modified.tv_nsec { return "\(path) was modified" }
            if info.st_ctim.tv_sec != changed.tv_sec || info.st_ctim.tv_nsec != changed.tv_nsec { return "\(path) had its inode changed (mode, owner or xattr)" }
            if info.st_mode & 0o7777 != 0o600 || info.st_uid != 0 { return "\(path) changed mode or owner" }
            let now = (try? Data(contentsOf: URL(fileURLWithPath: path))).map(Array.init) ?? []
            return now == contents ? nil : "\(path) holds other bytes"
        }
    }
}

/// A flag set by one task and read by another (a background process finished).
public final class DoneFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}
