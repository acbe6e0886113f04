#if canImport(Glibc)
import Glibc
import CLinux
#endif

/// Reading a file's extended attributes through a descriptor (`flistxattr`, `fgetxattr`), for
/// copying ACLs and security labels onto a replacement file.
enum ExtendedAttributes {
    /// The POSIX access ACL, as setfacl stores it.
    static let accessACL = "system.posix_acl_access"

    /// Every attribute name of the open file `fd`.
    static func names(of fd: Int32, path: String) throws(EnvFileUnreadable) -> [String] {
        let raw = try fetch(path: path, what: "list the extended attributes") { buffer, size in
            flistxattr(fd, buffer, size)
        }
        return raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The value of attribute `name` of the open file `fd`.
    static func value(_ name: String, of fd: Int32, path: String) throws(EnvFileUnreadable) -> [UInt8] {
        try fetch(path: path, what: "read the \(name) attribute") { buffer, size in
            fgetxattr(fd, name, buffer, size)
        }
    }

    /// Calls a size-then-fill xattr function, retrying when the value grew in between (ERANGE).
    private static func fetch(path: String, what: String,
                              _ call: (UnsafeMutablePointer<CChar>?, Int) -> Int) throws(EnvFileUnreadable) -> [UInt8] {
        for _ in 0..<4 {
            let size = call(nil, 0)
            if size < 0 {
                if errno == ENOTSUP || errno == ENODATA { return [] }
                throw EnvFileUnreadable(path: path, reason: "cannot \(what): \(TrustedPath.reason(errno))")
            }
            if size == 0 { return [] }
            var buffer = [CChar](repeating: 0, count: size)
            let filled = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress, size) }
            if filled >= 0 { return buffer[0..<filled].map { UInt8(bitPattern: $0) } }
            if errno != ERANGE { throw EnvFileUnreadable(path: path, reason: "cannot \(what): \(TrustedPath.reason(errno))") }
        }
        throw EnvFileUnreadable(path: path, reason: "cannot \(what): it keeps changing")
    }
}
