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
    var files: SealedRecords { SealedRecords(state: state, directory: Self.directory(state), contextPrefix: "inventory", sealer: sealer) }

    /// The record an imported file's holdings go to.
    public static func importRecord(file: String) -> String {
        "import-" + String(Digest.sha256Hex(Array(file.utf8)).prefix(16))
    }

    /// Every record's name, sorted.
    public func records() throws -> [String] { try files.names() }

    public func load(record: String) throws -> [Holding] { try files.load(record, as: [Holding].self) ?? [] }

    /// Every holding of every record.
    public func all() throws -> [Holding] {
        try records().flatMap { try load(record: $0) }
    }

    /// Writes a record atomically (an empty one is removed). Call with the lock held.
    public func save(record: String, _ holdings: [Holding]) throws {
        try InventoryPlaces.shared.changing(record, in: self, to: holdings.map(InventoryPlaces.place)) {
            if holdings.isEmpty { try files.remove(record) } else { try files.save(record, holdings) }
        }
    }

    /// Records `holding` in `record`, replacing every holding of the same file and key, in this
    /// record or any other. A place has at most one holder (this keeps it so): the other holders
    /// come from `InventoryPlaces`, not from opening every record.
    public func record(_ holding: Holding, in record: String, replacingAll: Bool = false) throws {
        try withLock {
            for other in try InventoryPlaces.shared.holders(of: holding, in: self) where other != record {
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
            var held = false
            try InventoryPlaces.shared.changing(record, in: self, to: []) { held = try files.remove(record) }
            return held
        }
    }

    func withLock<T>(_ body: () throws -> T) throws -> T {
        try state.prepare()
        let lock = try ConsumerLock.acquire(state, consumer: ".inventory", wait: true)
        defer { lock.release() }
        return try body()
    }
}
