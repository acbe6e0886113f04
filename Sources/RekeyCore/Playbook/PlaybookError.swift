import Foundation

/// A playbook that cannot be used: unreadable, not YAML, or failing validation.
///
/// Printed as `<file>:<line>:<column>: <problem>; <what to do>` (line and column 1-based, the position
/// of the offending node), or `<file>: <problem>; <what to do>` when there is no position (an unreadable
/// file, an empty document). Never carries the document's text: only the offending key or value.
public struct PlaybookError: RekeyError, LocalizedError, Equatable {
    /// The playbook's path as given to `load` or `parse`.
    public var file: String
    /// 1-based line of the offending node, nil when the problem has no position.
    public var line: Int?
    /// 1-based column (in Unicode scalars) of the offending node, nil when the problem has no position.
    public var column: Int?
    /// What is wrong, lowercase, naming the key or value.
    public var problem: String
    /// What to do about it.
    public var remedy: String

    public init(file: String, line: Int? = nil, column: Int? = nil, problem: String, remedy: String) {
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
        self.remedy = remedy
    }

    public var exitStatus: ExitStatus { .config }

    public var description: String {
        var position = file
        if let line {
            position += ":\(line)"
            if let column { position += ":\(column)" }
        }
        return "\(position): \(problem); \(remedy)"
    }

    public var errorDescription: String? { description }
}

extension PlaybookError {
    /// A value as it appears inside an error: quoted, on one line, and cut short when long.
    static func show(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            default:
                if scalar.properties.generalCategory == .control {
                    escaped += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        if escaped.count > 80 { escaped = escaped.prefix(77) + "..." }
        return "\"\(escaped)\""
    }
}
