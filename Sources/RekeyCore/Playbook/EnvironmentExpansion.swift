/// `${NAME}` expansion in playbook strings.
///
/// - `${NAME}` is replaced by the value of NAME in the environment; an unset NAME is an error.
///   NAME is `[A-Za-z_][A-Za-z0-9_]*`.
/// - `$$` is a literal `$`.
/// - Any other `$` is literal text (so `$5` or `US$` need no escaping); `${` without a valid name and
///   closing `}` is an error, because it is almost certainly a typo.
enum EnvironmentExpansion {
    enum Failure: Error, Equatable {
        case unset(String)
        case malformed(String)
    }

    static func result(_ text: String, environment: [String: String]) -> Result<String, Failure> {
        Result { () throws(Failure) in try expand(text, environment: environment) }
    }

    static func expand(_ text: String, environment: [String: String]) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                result.append(character)
                index = next
                continue
            }
            switch text[next] {
            case "$":
                result.append("$")
                index = text.index(after: next)
            case "{":
                let nameStart = text.index(after: next)
                guard let close = text[nameStart...].firstIndex(of: "}") else {
                    throw .malformed(String(text[index...]))
                }
                let name = String(text[nameStart..<close])
                guard isVariableName(name) else { throw .malformed(String(text[index...close])) }
                guard let value = environment[name] else { throw .unset(name) }
                result += value
                index = text.index(after: close)
            default:
                result.append("$")
                index = next
            }
        }
        return result
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
