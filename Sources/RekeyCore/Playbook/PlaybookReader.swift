import Yams

/// Walks composed YAML nodes for the playbook parser: checks keys against what a section allows,
/// checks node types, expands `${NAME}`, and turns every problem into a `PlaybookError` at the
/// offending node's position.
struct PlaybookReader {
    let file: String
    let environment: [String: String]

    /// A string value and where it was written.
    struct Located {
        let value: String
        let node: Node
    }

    /// The entries of one mapping whose keys all passed the allowed-keys check.
    struct Section {
        /// Dotted prefix for messages: "" at the top level, "gitea." inside gitea, ...
        let prefix: String
        let node: Node
        private(set) var entries: [String: Node] = [:]

        init(prefix: String, node: Node) {
            self.prefix = prefix
            self.node = node
        }

        subscript(key: String) -> Node? { entries[key] }

        fileprivate mutating func set(_ key: String, _ value: Node) { entries[key] = value }
    }

    func error(at node: Node?, _ problem: String, _ remedy: String) -> PlaybookError {
        let mark = node?.mark
        return PlaybookError(file: file, line: mark?.line, column: mark?.column, problem: problem, remedy: remedy)
    }

    /// `node` as a mapping whose keys are all in `allowed`; `name` is the section's dotted name, nil at the top.
    func section(_ node: Node, name: String?, allowed: [String]) throws(PlaybookError) -> Section {
        guard case .mapping(let mapping) = node else {
            if let name {
                throw error(at: node, "\(name) must be a mapping with keys \(allowed.joined(separator: ", ")), not \(Self.kind(of: node))",
                            "indent its keys under \(name):")
            }
            throw error(at: node, "the playbook must be a mapping of keys, not \(Self.kind(of: node))",
                        "start from Playbooks/demo.yml")
        }
        let prefix = name.map { $0 + "." } ?? ""
        var section = Section(prefix: prefix, node: node)
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                throw error(at: keyNode, "a key \(name.map { "in \($0)" } ?? "at the top level") is \(Self.kind(of: keyNode)), not a name",
                            "write keys as plain names: \(allowed.joined(separator: ", "))")
            }
            guard allowed.contains(key.string) else {
                let place = name.map { "in \($0)" } ?? "at the top level"
                throw error(at: keyNode, "unknown key \(PlaybookError.show(key.string)) \(place)",
                            "allowed keys are \(allowed.joined(separator: ", "))")
            }
            section.set(key.string, value)
        }
        return section
    }

    /// The node for a key that must be present.
    func required(_ section: Section, _ key: String, hint: String) throws(PlaybookError) -> Node {
        guard let node = section[key] else {
            throw error(at: section.node, "missing required key \(section.prefix)\(key)", "add \(key): \(hint)")
        }
        return node
    }

    /// A non-empty string scalar with `${NAME}` expanded.
    func string(_ node: Node, key: String) throws(PlaybookError) -> Located {
        guard case .scalar(let scalar) = node else {
            throw error(at: node, "\(key) must be a single value, not \(Self.kind(of: node))", "write one value after \(Self.leaf(key)):")
        }
        if scalar.style == .plain, Self.tag(of: node) == .null {
            throw error(at: node, "\(key) has no value", "write a value after \(Self.leaf(key)):")
        }
        let expanded: String
        switch EnvironmentExpansion.result(scalar.string, environment: environment) {
        case .success(let value):
            expanded = value
        case .failure(let failure):
            switch failure {
            case .unset(let name):
                throw self.error(at: node, "\(key) uses ${\(name)} but \(name) is not set in the environment",
                                 "set \(name), or write the value in the playbook (use $$ for a literal $)")
            case .malformed(let text):
                throw self.error(at: node, "\(key) has a malformed variable reference \(PlaybookError.show(text))",
                                 "write ${NAME} with NAME made of letters, digits and _, or $$ for a literal $")
            }
        }
        guard !expanded.isEmpty else {
            throw error(at: node, "\(key) is empty", "give \(Self.leaf(key)) a value")
        }
        return Located(value: expanded, node: node)
    }

    /// A whole number written as a plain YAML integer.
    func integer(_ node: Node, key: String, example: String) throws(PlaybookError) -> Int {
        guard case .scalar(let scalar) = node, Self.tag(of: node) == .int, let value = Int.construct(from: scalar) else {
            throw error(at: node, "\(key) must be a whole number, not \(Self.kind(of: node))", "write for example \(Self.leaf(key)): \(example)")
        }
        return value
    }

    /// A list of string scalars, each `${NAME}` expanded.
    func stringList(_ node: Node, key: String, example: String) throws(PlaybookError) -> [Located] {
        guard case .sequence(let sequence) = node else {
            if case .scalar(let scalar) = node, scalar.style == .plain, Self.tag(of: node) == .null {
                throw error(at: node, "\(key) has no value", "write a list, for example \(Self.leaf(key)): \(example)")
            }
            throw error(at: node, "\(key) must be a list, not \(Self.kind(of: node))", "write for example \(Self.leaf(key)): \(example)")
        }
        var items: [Located] = []
        for item in sequence {
            guard case .scalar(let scalar) = item, !(scalar.style == .plain && Self.tag(of: item) == .null) else {
                throw error(at: item, "an item of \(key) is \(Self.kind(of: item))",
                            "write each item as a single value, for example \(Self.leaf(key)): \(example)")
            }
            items.append(try string(item, key: key))
        }
        return items
    }

    /// How a node looks to a person: "a list", "a mapping", "the number 3", "the text \"x\"".
    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.style == .plain {
                switch tag(of: node) {
                case .null: return "an empty value"
                case .int, .float: return "the number \(scalar.string)"
                case .bool: return "the boolean \(scalar.string)"
                default: break
                }
            }
            return "the text \(PlaybookError.show(scalar.string))"
        }
    }

    /// The resolved tag of a node (Yams keeps `Tag.name` internal): an explicit tag as written, a
    /// plain untagged scalar typed by `PlainScalarTag` (playbooks are composed with `Resolver.basic`).
    static func tag(of node: Node) -> Tag.Name {
        let name = Tag.Name(rawValue: node.tag.rawValue)
        guard case .scalar(let scalar) = node, name == .str, scalar.style == .plain else { return name }
        return PlainScalarTag.of(scalar.string)
    }

    private static func leaf(_ key: String) -> String {
        String(key.split(separator: ".").last ?? Substring(key))
    }
}
