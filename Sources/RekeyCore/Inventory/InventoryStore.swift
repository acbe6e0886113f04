#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The inventory: which consumer holds which token. Each consumer's holdings live in its own sealed
/// record, `inventory/<consumer>.sealed` (kind 4, context `inventory|<consumer>`), so that runs of
/// different consumers never write one shared file. Holdings imported from a file rekey does not
/// rotate live in `inventory/import-<first 16 hex of SHA-256 of the path>.sealed`.
///
/// Replacing a holding that another record holds (the same file and key) takes
/// `locks/.inventory.lock`, so two writers never lose each other's change.
public struct InventoryStore: Sendable {
    public let state: StateDirectory
    let sealer: Sealer

    public init(state: StateDirectory, sealer: Sealer) {
        self.state = state
        self.sealer = sealer
    }

    public static func directory(_ state: StateDirectory) -> String { PathName.join(state.root, "inventory") }
    var directory: String { Self.directory(state) }
    func path(record: String) -> String { PathName.join(directory, "\(record).sealed") }
    static func context(record: String) -> String { "inventory|\(record)" }

    /// The record an imported file's holdings go to.
    public static func importRecord(file: String) -> String {
        "import-" + String(Digest.sha256Hex(Array(file.utf8)).prefix(16))
    }

    /// Every record's name, sorted.
    public func records() throws -> [String] {
        try Directories.entries(directory).filter { $0.hasSuffix(".sealed") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(".sealed".count)) }.filter(SafeName.isValid).sorted()
    }

    public func load(record: String) throws -> [Holding] {
        let path = path(record: record)
        var info = stat()
        guard lstat(path, &info) == 0 else { return [] }
        let plain = try sealer.open(try AtomicFile.readBytes(path), kind: .inventory, context: Self.context(record: record), source: path)
        return try plain.withUnsafeBytes { bytes throws -> [Holding] in
            do {
                return try JSONDecoder().decode([Holding].self, from: Data(bytes))
            } catch {
                throw InventoryError.damaged(path, "its holdings do not decode")
            }
        }
    }

    /// Every holding of every record.
    public func all() throws -> [Holding] {
        try records().flatMap { try load(record: $0) }
    }

    /// Writes a record atomically (an empty one is removed).
    public func save(record: String, _ holdings: [Holding]) throws {
        let path = path(record: record)
        if holdings.isEmpty {
            var info = stat()
            if lstat(path, &info) == 0 { try AtomicFile.remove(path) }
            return
        }
        try Directories.make(directory, mode: 0o700)
        let json = try JSONEncoder.sorted.encode(holdings)
        let plain = SecretBytes(copying: json)
        try AtomicFile.replace(path, with: sealer.seal(plain, kind: .inventory, context: Self.context(record: record)))
    }

    /// Records `holding` in `record`, replacing every holding of the same file and key, in this
    /// record or any other.
    public func record(_ holding: Holding, in record: String, replacingAll: Bool = false) throws {
        try withLock {
            for other in try records() where other != record {
                let holdings = try load(record: other)
                let kept = holdings.filter { !$0.isSamePlace(as: holding) }
                if kept.count != holdings.count { try save(record: other, kept) }
            }
            let mine = replacingAll ? [] : try load(record: record).filter { !$0.isSamePlace(as: holding) }
            try save(record: record, mine + [holding])
        }
    }

    /// Applies `change` to every holding (id resolution); saves the records it changed.
    public func update(_ change: (inout Holding) -> Void) throws {
        try withLock {
            for record in try records() {
                let holdings = try load(record: record)
                let changed = holdings.map { var copy = $0; change(&copy); return copy }
                if changed != holdings { try save(record: record, changed) }
            }
        }
    }

    /// Drops a consumer's record (`rekey forget`); false when there was none.
    public func forget(record: String) throws -> Bool {
        try withLock {
            let path = path(record: record)
            var info = stat()
            guard lstat(path, &info) == 0 else { return false }
            try AtomicFile.remove(path)
            return true
        }
    }

    func withLock<T>(_ body: () throws -> T) throws -> T {
        try state.prepare()
        let lock = try ConsumerLock.acquire(state, consumer: ".inventory", wait: true)
        defer { lock.release() }
        return try body()
    }
}
