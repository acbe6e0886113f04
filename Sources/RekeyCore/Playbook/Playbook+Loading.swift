import Foundation
import Yams

extension Playbook {
    /// Reads and validates the playbook at `path`. A missing, unreadable or non-UTF-8 file is a
    /// `PlaybookError` naming the file.
    public static func load(path: String, environment: [String: String]) throws(PlaybookError) -> Playbook {
        let bytes = try readFile(path)
        guard let yaml = String(validating: bytes, as: UTF8.self) else {
            throw PlaybookError(file: path, problem: "the playbook is not utf-8 text", remedy: "save it as utf-8")
        }
        return try parse(yaml: yaml, path: path, environment: environment)
    }

    /// Parses and validates playbook text; `path` is used in messages and kept as `sourcePath`.
    public static func parse(yaml: String, path: String, environment: [String: String]) throws(PlaybookError) -> Playbook {
        if let found = PlaybookAnchors.first(in: yaml) {
            let shown = found.kind == "aliases" ? "*" + found.name : "&" + found.name
            throw PlaybookError(file: path, line: found.line, column: found.column,
                                problem: "yaml \(found.kind) are not allowed in a playbook (found \(PlaybookError.show(shown)))",
                                remedy: "write the value out in full where it is used")
        }
        let root: Node?
        do {
            // Resolver.basic: plain scalars are typed by PlainScalarTag, not by ICU regular
            // expressions. UTF-8 named, not `Parser.Encoding.default`: that one reads the whole process
            // environment on every parse (a tenth of parsing a fleet's playbooks) and prints to
            // stdout when YAMS_DEFAULT_ENCODING is set.
            root = try Yams.compose(yaml: yaml, .basic, .default, .utf8)
        } catch {
            throw syntaxError(error, path: path, yaml: yaml)
        }
        guard let root, !isEmptyDocument(root) else {
            throw PlaybookError(file: path, problem: "the playbook is empty", remedy: "start from Playbooks/demo.yml")
        }
        let parser = PlaybookParser(reader: PlaybookReader(file: path, environment: environment))
        return try parser.playbook(from: root)
    }

    /// A Yams failure as file:line:column plus the problem. Yams errors carry the whole document, so
    /// only their problem text and marks are used, never their description.
    private static func syntaxError(_ error: any Error, path: String, yaml: String) -> PlaybookError {
        let remedy = "fix the yaml at that position"
        guard let error = error as? YamlError else {
            return PlaybookError(file: path, problem: "the playbook is not valid yaml (\(type(of: error)))", remedy: remedy)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var text = "yaml syntax error: \(oneLine(problem))"
            if let context { text += " (\(oneLine(context.text)) at \(context.mark.line):\(context.mark.column))" }
            return PlaybookError(file: path, line: mark.line, column: mark.column, problem: text, remedy: remedy)
        case .reader(let problem, let offset, _, _):
            let position = offset.flatMap { lineAndColumn(ofCharacter: $0, in: yaml) }
            return PlaybookError(file: path, line: position?.line, column: position?.column,
                                 problem: "the playbook cannot be read as text: \(oneLine(problem))",
                                 remedy: "remove the control or invalid character there")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { PlaybookError.show($0) }.joined(separator: ", ")
            return PlaybookError(file: path, line: context.mark.line, column: context.mark.column,
                                 problem: "duplicate key \(keys) in the same mapping",
                                 remedy: "keep only one of them")
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            return PlaybookError(file: path, problem: "the yaml parser failed (\(oneLine(String(describing: error))))",
                                 remedy: "check that the file is a yaml playbook")
        }
    }

    /// `---` alone composes to a null scalar: as empty as no document at all.
    private static func isEmptyDocument(_ root: Node) -> Bool {
        guard case .scalar(let scalar) = root else { return false }
        return scalar.style == .plain && PlaybookReader.tag(of: root) == .null
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func lineAndColumn(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int)? {
        guard offset >= 0, offset <= text.count else { return nil }
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline { line += 1; column = 1 } else { column += character.unicodeScalars.count }
        }
        return (line, column)
    }

    /// A playbook decides where rekey writes as root: only root or the user running rekey may be
    /// able to change it.
    private static func checkTrusted(_ status: stat, failure: (String, String) -> PlaybookError) throws(PlaybookError) {
        let mode = status.st_mode & 0o7777
        guard status.st_mode & 0o022 == 0 else {
            throw failure("the playbook is writable by group or others (mode 0\(String(mode, radix: 8)))",
                          "chmod go-w it: a playbook decides which file rekey rewrites")
        }
        guard status.st_uid == 0 || status.st_uid == geteuid() else {
            throw failure("the playbook is owned by uid \(status.st_uid), not root or the user rekey runs as",
                          "chown it to root (or to the user running rekey): a playbook decides which file rekey rewrites")
        }
    }

    private static func readFile(_ path: String) throws(PlaybookError) -> [UInt8] {
        func failure(_ problem: String, _ remedy: String) -> PlaybookError {
            PlaybookError(file: path, problem: problem, remedy: remedy)
        }
        // O_NONBLOCK: a fifo must not hang the run (it is refused below as not a regular file).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR:
                throw failure("no such playbook file", "check the path")
            case EACCES, EPERM:
                throw failure("cannot read the playbook: permission denied", "make it readable by the user running rekey")
            default:
                throw failure("cannot open the playbook: \(String(cString: strerror(code)).lowercased())", "check the path")
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw failure("cannot stat the playbook: \(String(cString: strerror(errno)).lowercased())", "check the file")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw failure("the playbook path is a directory", "give the path of a playbook .yml file")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw failure("the playbook is not a regular file", "give the path of a playbook .yml file")
        }
        try checkTrusted(status, failure: failure)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw failure("cannot read the playbook: \(String(cString: strerror(code)).lowercased())", "check the file")
            }
            bytes += chunk[0..<count]
            if bytes.count > 1 << 20 {
                throw failure("the playbook is larger than 1 MiB", "give the path of a playbook .yml file")
            }
        }
        return bytes
    }
}
