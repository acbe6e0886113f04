import Foundation

/// Temp files that an interrupted atomic replace leaves next to a target
/// (`.<name>.rekey-tmp.<hex>`, see `AtomicFile`). They may hold a new token in plaintext, so
/// recovery removes them: rekey never leaves a secret anywhere but the consumer's own file.
enum TempLeftovers {
    static func remove(besides path: String) -> [String] {
        guard let target = try? AtomicFile.resolveFinalTarget(path) else { return [] }
        let directory = (target as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where AtomicFile.isTempName(name, for: target) {
            let full = directory + "/" + name
            if (try? AtomicFile.remove(full)) != nil { removed.append(full) }
        }
        return removed
    }
}
