#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The playbooks of one unattended invocation: files as given, and every `*.yml`/`*.yaml` of a
/// directory (sorted by name, dot files skipped). A directory follows the playbook trust rule: not
/// writable by group or others, owned by root or the user rekey runs as. Each playbook loads on
/// its own, so one bad file fails only itself.
public enum PlaybookSet {
    public struct Entry: Sendable {
        public var path: String
        public var playbook: Result<Playbook, PlaybookError>
    }

    public static func collect(_ paths: [String], environment: [String: String]) -> [Entry] {
        var entries: [Entry] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                entries.append(Entry(path: path, playbook: load(path, environment)))
                continue
            }
            if let problem = untrusted(path) {
                entries.append(Entry(path: path, playbook: .failure(problem)))
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml")) }.sorted()
            for name in names {
                let file = PathName.join(path, name)
                entries.append(Entry(path: file, playbook: load(file, environment)))
            }
        }
        // One consumer, one playbook: a second playbook naming the same consumer fails.
        var seen: [String: String] = [:]
        for index in entries.indices {
            guard case .success(let book) = entries[index].playbook else { continue }
            if let first = seen[book.consumer] {
                entries[index].playbook = .failure(PlaybookError(
                    file: entries[index].path, problem: "consumer \(book.consumer) is also rotated by \(first)",
                    remedy: "give each playbook its own consumer name"))
            } else {
                seen[book.consumer] = entries[index].path
            }
        }
        return entries
    }

    /// The playbooks that loaded, and one problem for each path that did not (`check`, `audit`:
    /// one bad playbook does not hide the others).
    public static func load(_ paths: [String], environment: [String: String]) -> (playbooks: [Playbook], problems: [ScanProblem]) {
        var playbooks: [Playbook] = []
        var problems: [ScanProblem] = []
        for entry in collect(paths, environment: environment) {
            switch entry.playbook {
            case .success(let playbook): playbooks.append(playbook)
            case .failure(let error): problems.append(ScanProblem(file: entry.path, problem: error.description))
            }
        }
        return (playbooks, problems)
    }

    /// The directories the playbooks write to (each env file's directory), once each, sorted: what
    /// `ReadWritePaths=` of rekey.service must list besides the state directory (`rekey paths`).
    /// The first playbook that does not load is the error: a path left out would leave that
    /// consumer unwritable under `ProtectSystem=strict`.
    public static func writtenDirectories(_ paths: [String], environment: [String: String]) throws(PlaybookError) -> [String] {
        var directories = Set<String>()
        for entry in collect(paths, environment: environment) {
            directories.insert(PathName.directory(of: try entry.playbook.get().target.file))
        }
        return directories.sorted()
    }

    private static func load(_ path: String, _ environment: [String: String]) -> Result<Playbook, PlaybookError> {
        do throws(PlaybookError) {
            return .success(try Playbook.load(path: path, environment: environment))
        } catch {
            return .failure(error)
        }
    }

    /// Why a playbook directory is not trusted, or nil. The directory is opened without following
    /// a symlink at its last component and checked on the descriptor.
    static func untrusted(_ path: String) -> PlaybookError? {
        func failure(_ problem: String, _ remedy: String) -> PlaybookError { PlaybookError(file: path, problem: problem, remedy: remedy) }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            return failure("cannot open the playbook directory: \(String(cString: strerror(errno)).lowercased())",
                           "give a real directory, not a symlink to one")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return failure("cannot stat the playbook directory", "check the path") }
        if info.st_mode & 0o022 != 0 {
            return failure("the playbook directory is writable by group or others (mode 0\(String(info.st_mode & 0o7777, radix: 8)))",
                           "chmod go-w it: whoever adds a playbook there decides which file rekey rewrites")
        }
        if info.st_uid != 0 && info.st_uid != geteuid() {
            return failure("the playbook directory is owned by uid \(info.st_uid), not root or the user rekey runs as",
                           "chown it to root (or to the user running rekey)")
        }
        return nil
    }
}
