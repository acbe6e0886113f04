#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Which inventory records hold each place (file and key), kept in memory for the whole process so
/// that recording a holding does not open every other consumer's record: without it, a fleet of N
/// consumers made N × N decryptions under the inventory's one lock.
///
/// The map is only ever used under `locks/.inventory.lock`, and checked there against
/// `locks/.inventory.generation`: a random stamp (made when the file is created) and a counter that
/// every inventory write of this release bumps, under the lock and before it changes a record. A
/// process whose map was made at another generation (another `rekey` process wrote since) builds
/// it again from the records. The generation file is a cache key, not a record: it is not fsynced
/// (after a crash no process holds a map), and losing it only costs one rebuild. A map is held
/// once per state directory: places and record names, never a holding or a token.
///
/// A record written by an earlier release, which does not bump the generation, while this process
/// runs is not seen until the next rebuild: running two releases side by side is not supported.
final class InventoryPlaces: Sendable {
    static let shared = InventoryPlaces()

    private struct Map {
        var generation: [UInt8]
        /// place → records holding it (more than one only in state written before a place had one holder).
        var holders: [String: Set<String>] = [:]
        /// record → its places.
        var places: [String: [String]] = [:]

        mutating func set(_ record: String, places new: [String]) {
            for place in places[record] ?? [] {
                holders[place]?.remove(record)
                if holders[place]?.isEmpty == true { holders[place] = nil }
            }
            places[record] = new.isEmpty ? nil : new
            for place in new { holders[place, default: []].insert(record) }
        }
    }

    /// By inventory directory.
    private let maps = Mutex<[String: Map]>([:])

    static func place(_ holding: Holding) -> String { holding.file + "\u{0}" + holding.key }

    static func generationPath(_ state: StateDirectory) -> String { PathName.join(state.locksDirectory, ".inventory.generation") }

    /// The records that hold `holding`'s place. Call with the inventory lock held.
    func holders(of holding: Holding, in store: InventoryStore) throws -> Set<String> {
        let directory = InventoryStore.directory(store.state)
        let generation = Self.readGeneration(store.state)
        if let generation, let map = maps.withLock({ $0[directory] }), map.generation == generation {
            return map.holders[Self.place(holding)] ?? []
        }
        var map = Map(generation: generation ?? [])
        for record in try store.records() {
            map.set(record, places: try store.load(record: record).map(Self.place))
        }
        if generation != nil { maps.withLock { $0[directory] = map } }
        return map.holders[Self.place(holding)] ?? []
    }

    /// Changes `record` so that it holds `places` (call with the lock held): bumps the generation
    /// first, so that every other process rebuilds its map, then runs `write`. This process's map
    /// follows when `write` succeeds; a failure drops it.
    func changing(_ record: String, in store: InventoryStore, to places: [String], _ write: () throws -> Void) throws {
        let directory = InventoryStore.directory(store.state)
        let before = Self.readGeneration(store.state)
        let after = try Self.bumpGeneration(store.state, from: before)
        do {
            try write()
        } catch {
            maps.withLock { $0[directory] = nil }
            throw error
        }
        maps.withLock { maps in
            guard var map = maps[directory], map.generation == before else {
                maps[directory] = nil
                return
            }
            map.generation = after
            map.set(record, places: places)
            maps[directory] = map
        }
    }

    /// The generation file's content, or nil when there is none (or it cannot be read).
    private static func readGeneration(_ state: StateDirectory) -> [UInt8]? {
        guard let bytes = try? AtomicFile.readBytes(generationPath(state)), bytes.count == 24 else { return nil }
        return bytes
    }

    /// Writes the next generation: the same 16-byte stamp (a new one when there was none) and the
    /// counter plus one.
    private static func bumpGeneration(_ state: StateDirectory, from current: [UInt8]?) throws -> [UInt8] {
        var next = current ?? (Sodium.randomBytes(16) + [UInt8](repeating: 0, count: 8))
        var counter = next[16...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } &+ 1
        for index in (16..<24).reversed() {
            next[index] = UInt8(truncatingIfNeeded: counter)
            counter >>= 8
        }
        let path = generationPath(state)
        let fd = try state.files().open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(fd) }
        let written = next.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == next.count else { throw FileError(path: path, operation: .write, errno: written < 0 ? errno : EIO) }
        return next
    }
}
