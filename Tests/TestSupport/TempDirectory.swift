import Foundation

/// A fresh directory under the system temp dir, removed when the value is released.
public final class TempDirectory: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "rekey-test") {
        var template = Array((NSTemporaryDirectory() + "/\(prefix).XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    public func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        chmod(target, mode)
        return target
    }

    public func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    /// Every regular file under the directory, recursively, with its bytes.
    public func allFiles() throws -> [(path: String, bytes: [UInt8])] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var result: [(String, [UInt8])] = []
        while let relative = enumerator?.nextObject() as? String {
            let full = path + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append((full, Array(try Data(contentsOf: URL(fileURLWithPath: full)))))
            }
        }
        return result
    }
}
