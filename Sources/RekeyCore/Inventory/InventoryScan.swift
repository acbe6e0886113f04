#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// `rekey consumers --scan PATH…`: every place a known token value occurs, matched by keyed
/// fingerprint. Known values are those the inventory's holdings and pending revocations name.
/// Walks directories without following symlinks (a symlink is skipped, inside or at a root), skips
/// files over 1 MiB and binaries (a NUL byte), and reports only paths, lines, variables and last eights.
public struct InventoryScan: Sendable {
    public struct Finding: Sendable, Codable, Equatable {
        public var path: String
        public var line: Int
        public var variable: String?
        public var lastEight: String
        public var tokenID: Int?
        /// The known holders of that token (`CONSUMER (FILE:KEY)` or `FILE:KEY`), and `pending
        /// revocation` when rekey means to revoke it.
        public var knownAs: [String]
    }

    public struct Report: Sendable, Codable, Equatable {
        public var findings: [Finding] = []
        public var filesRead = 0
        public var skipped: [String] = []
    }

    let state: StateDirectory
    let sealer: Sealer

    public init(state: StateDirectory, sealer: Sealer) {
        self.state = state
        self.sealer = sealer
    }

    public func run(paths: [String]) throws -> Report {
        var report = Report()
        guard let key = try FingerprintKey.load(state: state, sealer: sealer) else { return report }
        var known: [String: (id: Int?, names: [String])] = [:]
        for holding in try InventoryStore(state: state, sealer: sealer).all() {
            guard let fingerprint = holding.fingerprint else { continue }
            known[fingerprint, default: (holding.tokenID, [])].names.append(holding.source == .run ? "\(holding.consumer) (\(holding.place))" : holding.place)
            if known[fingerprint]?.id == nil { known[fingerprint]?.id = holding.tokenID }
        }
        for record in try RevocationStore(state: state, sealer: sealer).all() where record.status == .pending {
            guard let fingerprint = record.fingerprint else { continue }
            known[fingerprint, default: (record.tokenID, [])].names.append("pending revocation of token \(record.tokenID)")
        }
        var visited = Set<String>()
        for root in paths { walk(root, key: key, known: known, report: &report, visited: &visited, depth: 0) }
        return report
    }

    private func walk(_ path: String, key: FingerprintKey, known: [String: (id: Int?, names: [String])], report: inout Report,
                      visited: inout Set<String>, depth: Int) {
        var info = stat()
        guard lstat(path, &info) == 0 else { report.skipped.append("\(path): cannot be read"); return }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            report.skipped.append("\(path): a symlink, not followed")
        case S_IFDIR:
            let identity = "\(info.st_dev):\(info.st_ino)"
            guard depth < 64, visited.insert(identity).inserted else { return }
            guard let names = try? Directories.entries(path) else { report.skipped.append("\(path): cannot be listed"); return }
            for name in names.sorted() { walk(PathName.join(path, name), key: key, known: known, report: &report, visited: &visited, depth: depth + 1) }
        case S_IFREG:
            guard Int(info.st_size) <= PlainFile.maxBytes else { report.skipped.append("\(path): over 1 MiB"); return }
            guard case .read(let bytes) = PlainFile.read(path) else { report.skipped.append("\(path): cannot be read"); return }
            report.filesRead += 1
            for occurrence in TokenFinder.occurrences(in: bytes) {
                guard let match = known[key.fingerprint(occurrence.value)] else { continue }
                report.findings.append(Finding(path: path, line: occurrence.line, variable: occurrence.variable,
                                               lastEight: occurrence.value.displayLastEight ?? "", tokenID: match.id, knownAs: match.names.sorted()))
            }
        default:
            return
        }
    }
}
