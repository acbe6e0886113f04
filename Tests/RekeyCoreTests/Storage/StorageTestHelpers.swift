#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import RekeyCore

/// File facts the storage tests check, read with plain POSIX calls.
enum Disk {
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        precondition(lstat(path, &info) == 0, "no file at \(path)")
        return info.st_mode & 0o7777
    }

    static func owner(_ path: String) -> (uid: uid_t, gid: gid_t) {
        var info = stat()
        precondition(lstat(path, &info) == 0, "no file at \(path)")
        return (info.st_uid, info.st_gid)
    }

    static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func names(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    static func bytes(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map(Array.init) ?? []
    }

    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) {
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        precondition(chmod(path, mode) == 0)
    }

    static func write(_ path: String, _ text: String, mode: mode_t = 0o600) {
        write(path, Array(text.utf8), mode: mode)
    }

    static var isRoot: Bool { geteuid() == 0 }
}

extension SecretBytes {
    /// The bytes, for test assertions only.
    var testBytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
