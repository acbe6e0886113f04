import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A variable in an env file whose value is a token to ask the server about.
public struct FoundToken: Sendable {
    public var file: String
    /// 1-based line of the assignment.
    public var line: Int
    public var variable: String
    /// The token itself: never printed, only sent to the server as the credential it is.
    public var value: SecretBytes
    /// What people see of it: `…` plus these.
    public var lastEight: String
}

/// A file or variable `check` could not read, and why (one line, no secret).
public struct ScanProblem: Sendable, Codable, Equatable {
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}

/// Finds the tokens in env files, read through `ConsumerFile` (no untrusted symlink followed,
/// special files, world-writable, hard-linked and files over 1 MiB refused) and parsed as the
/// shell does (`EnvDocument`).
///
/// A variable counts when the shell ends up with exactly one plain assignment of it and its value
/// looks like a Gitea token (40 lowercase hex characters); `keys` adds names whatever their value.
/// A directory contributes its regular files, not recursively, skipping hidden names (rekey's own
/// temp files among them) and files holding a NUL byte (binaries).
public enum TokenScan {
    public static func scan(_ paths: [String], keys: [String] = []) -> (found: [FoundToken], problems: [ScanProblem]) {
        var found: [FoundToken] = []
        var problems: [ScanProblem] = []
        var seen = Set<String>()
        for path in paths.map(absolute) {
            for (file, fromDirectory) in files(at: path, problems: &problems) {
                let canonical = canonicalPath(file)
                guard seen.insert(canonical).inserted else { continue }
                read(file, keys: keys, fromDirectory: fromDirectory, into: &found, problems: &problems)
            }
        }
        return (found, problems)
    }

    /// The path with `.`/`..` and symlinks resolved where possible: how a playbook's target and a
    /// checked file are matched.
    public static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// `path` made absolute against the working directory (otherwise as given): rows and metric
    /// labels name the file the same way wherever `check` ran from.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Whether `value` looks like a Gitea token: 40 lowercase hex characters.
    public static func looksLikeToken(_ value: SecretBytes) -> Bool {
        value.withUnsafeBytes { bytes in
            bytes.count == 40 && bytes.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        }
    }

    private static func files(at path: String, problems: inout [ScanProblem]) -> [(String, Bool)] {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return [(path, false)] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            problems.append(ScanProblem(file: path, problem: "cannot list this directory"))
            return []
        }
        let directory = path.hasSuffix("/") ? path : path + "/"
        return names.sorted().filter { !$0.hasPrefix(".") }.compactMap { name in
            var entry = stat()
            guard lstat(directory + name, &entry) == 0, entry.st_mode & S_IFMT == S_IFREG else { return nil }
            return (directory + name, true)
        }
    }

    private static func read(_ file: String, keys: [String], fromDirectory: Bool,
                             into found: inout [FoundToken], problems: inout [ScanProblem]) {
        let contents: SecretBytes
        do {
            contents = try ConsumerFile(path: file).read()
        } catch {
            problems.append(ScanProblem(file: file, problem: ErrorLine.describe(error)))
            return
        }
        if fromDirectory, contents.withUnsafeBytes({ $0.contains(0) }) { return }
        let document = EnvDocument(contents: contents, path: file)
        let names = document.assignedNames()
        for name in names + keys.filter({ !names.contains($0) }) {
            let named = keys.contains(name)
            do {
                let value = try document.value(of: name)
                guard named ? !value.isEmpty : looksLikeToken(value) else {
                    if named { problems.append(ScanProblem(file: file, problem: "\(name) is empty")) }
                    continue
                }
                let lastEight = value.withUnsafeBytes { String(decoding: $0.suffix(8), as: UTF8.self) }
                found.append(FoundToken(file: file, line: try document.keyLine(name), variable: name, value: value,
                                        lastEight: PrintableText.escaped(lastEight)))
            } catch {
                if named { problems.append(ScanProblem(file: file, problem: error.description)) }
            }
        }
    }
}
