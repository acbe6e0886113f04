#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The playbooks named on a command line: files as given, and every `*.yml`/`*.yaml` directly in a
/// directory, sorted by name. Each directory and file must be trusted like a playbook: not a
/// symlink, owned by root or the user rekey runs as, not writable by group or others. A playbook
/// decides which files root rewrites, so one that others could edit is refused, not skipped.
public enum PlaybookDirectory {
    public static func playbookFiles(_ arguments: [String]) throws(UntrustedPlaybook) -> [String] {
        var files: [String] = []
        for argument in arguments {
            let info = try trusted(argument, what: "playbook")
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                files.append(argument)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
            for name in names.sorted() where (name.hasSuffix(".yml") || name.hasSuffix(".yaml")) && !name.hasPrefix(".") {
                let path = PathName.join(argument, name)
                let entry = try trusted(path, what: "playbook")
                guard (entry.st_mode & S_IFMT) == S_IFREG else {
                    throw UntrustedPlaybook(path: path, problem: "is not a regular file")
                }
                files.append(path)
            }
        }
        return files
    }

    /// The directories the playbooks write to (each env file's directory), once each, sorted: what
    /// `ReadWritePaths=` of rekey.service must list besides the state directory.
    public static func writtenDirectories(_ arguments: [String], environment: [String: String]) throws -> [String] {
        var directories = Set<String>()
        for file in try playbookFiles(arguments) {
            let playbook = try Playbook.load(path: file, environment: environment)
            directories.insert(PathName.directory(of: playbook.target.file))
        }
        return directories.sorted()
    }

    /// `lstat` of `path`, refused unless owned by root or this user and not writable by others.
    private static func trusted(_ path: String, what: String) throws(UntrustedPlaybook) -> stat {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw UntrustedPlaybook(path: path, problem: "cannot be read: \(String(cString: strerror(errno)).lowercased())")
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            throw UntrustedPlaybook(path: path, problem: "is a symlink; name the real \(what) or directory")
        }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw UntrustedPlaybook(path: path, problem: "is owned by uid \(info.st_uid), neither root nor this user")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw UntrustedPlaybook(path: path, problem: "is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
        return info
    }
}

/// A playbook or playbook directory that others could change. Exit 77.
public struct UntrustedPlaybook: RekeyError {
    public var path: String
    public var problem: String
    public var exitStatus: ExitStatus { .noPermission }
    public var description: String {
        "refusing \(path): it \(problem); playbooks decide what root rewrites: chown root and chmod go-w"
    }
}
