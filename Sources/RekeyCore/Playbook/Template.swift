/// A playbook string with `{placeholder}` slots, such as `token.name` and `target.comment`.
///
/// A placeholder is `{` + one or more letters, digits or underscores + `}`. Any other brace is
/// literal text.
/// Rendering is a single pass: a substituted value is never scanned for placeholders again.
struct Template: Equatable {
    enum Part: Equatable {
        case text(String)
        case placeholder(String)
    }

    let parts: [Part]

    init(_ source: String) {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(source)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let afterOpen = rest.index(after: open)
            let nameEnd = rest[afterOpen...].firstIndex { !Self.isNameCharacter($0) } ?? rest.endIndex
            if nameEnd > afterOpen, nameEnd < rest.endIndex, rest[nameEnd] == "}" {
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                parts.append(.placeholder(String(rest[afterOpen..<nameEnd])))
                rest = rest[rest.index(after: nameEnd)...]
            } else {
                text += "{"
                rest = rest[afterOpen...]
            }
        }
        text += rest
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    /// The placeholder names used, in order of appearance.
    var placeholders: [String] {
        parts.compactMap { if case .placeholder(let name) = $0 { name } else { nil } }
    }

    /// The text with every known placeholder replaced; unknown ones stay as written.
    func render(_ values: [String: String]) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .placeholder(let name): values[name] ?? "{\(name)}"
            }
        }.joined()
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && (character.isLetter || character.isNumber))
    }
}
