#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A folder of small sealed JSON records, one file per name: `<directory>/<name>.sealed`, kind 4
/// (inventory), context `<prefix>|<name>`. The inventory's holdings and the revocation records
/// are both kept this way; each file is written with the atomic replace, through the state
/// directory's checked descriptors (`StateFiles`: no symlink inside the state directory is followed).
struct SealedRecords: Sendable {
    let state: StateDirectory
    let directory: String
    let contextPrefix: String
    let sealer: Sealer

    func path(_ name: String) -> String { PathName.join(directory, "\(name).sealed") }
    func context(_ name: String) -> String { "\(contextPrefix)|\(name)" }

    /// Every record's name, sorted (temp files of interrupted writes and foreign names left out).
    func names() throws -> [String] {
        try Directories.entries(directory).filter { $0.hasSuffix(".sealed") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(".sealed".count)) }.filter(SafeName.isValid).sorted()
    }

    /// The record, or nil when there is none.
    func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T? {
        let path = path(name)
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let plain = try sealer.open(try AtomicFile.readBytes(path), kind: .inventory, context: context(name), source: path)
        return try plain.withUnsafeBytes { bytes throws -> T in
            do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
                throw InventoryError.damaged(path, "its \(contextPrefix) record does not decode")
            }
        }
    }

    func save<T: Encodable>(_ name: String, _ value: T) throws {
        let json = try JSONEncoder.sorted.encode(value)
        try state.files().replace(path(name), with: sealer.seal(SecretBytes(copying: json), kind: .inventory, context: context(name)))
    }

    /// Removes the record; false when there was none.
    @discardableResult
    func remove(_ name: String) throws -> Bool {
        var info = stat()
        guard lstat(path(name), &info) == 0 else { return false }
        try state.files().remove(path(name))
        return true
    }
}
